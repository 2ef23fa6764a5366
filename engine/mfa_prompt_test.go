package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/assume-role/assume-role/problem"
)

// scriptedPrompter answers Ask from a list, then fails with err.
type scriptedPrompter struct {
	answers []string
	err     error
	asked   int
}

func (s *scriptedPrompter) CanPrompt() bool { return true }
func (s *scriptedPrompter) Ask(string, string) (string, error) {
	s.asked++
	if len(s.answers) == 0 {
		return "", s.err
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a, nil
}
func (s *scriptedPrompter) Secret(string) (string, error)        { return "", s.err }
func (s *scriptedPrompter) Choose(string, []string) (int, error) { return 0, s.err }

// TestMFAPromptErrorIsNotAWrongCode: a malformed code is asked again, but a prompt that fails
// (Ctrl-C) ends the loop at once, as an interruption that keeps the prompt's error.
func TestMFAPromptErrorIsNotAWrongCode(t *testing.T) {
	interrupted := errors.New("interrupted at the prompt")
	p := &scriptedPrompter{answers: []string{"12x"}, err: interrupted}
	e := New(Options{Prompter: p})
	_, err := e.mfaCode(context.Background(), "arn:aws:iam::111111111111:mfa/alice", "", "")
	if pr := problem.As(err); pr == nil || pr.Kind != problem.Interrupted || !errors.Is(err, interrupted) {
		t.Fatalf("mfaCode = %v", err)
	}
	if p.asked != 2 {
		t.Fatalf("asked %d times, want 2 (one malformed code, then the interrupted prompt)", p.asked)
	}
}
