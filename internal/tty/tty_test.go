package tty

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// withTerminal returns a Prompter on a fresh pseudo-terminal and a function that types lines into
// it, with what the prompter wrote read back.
func withTerminal(t *testing.T) (*Prompter, func(string), *bufio.Reader) {
	t.Helper()
	ptm, pts, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptm.Close(); pts.Close() })
	return &Prompter{Path: pts.Name()}, func(s string) { io.WriteString(ptm, s) }, bufio.NewReader(ptm)
}

func TestAskAndDefault(t *testing.T) {
	p, typeLine, screen := withTerminal(t)
	if !p.CanPrompt() {
		t.Fatal("CanPrompt false on a terminal")
	}
	typeLine("eu-west-1\r")
	got, err := p.Ask("Region [us-east-1]: ", "us-east-1")
	if err != nil || got != "eu-west-1" {
		t.Fatalf("Ask = %q, %v", got, err)
	}
	if line, _ := screen.ReadString(':'); !strings.Contains(line, "Region [us-east-1]") {
		t.Fatalf("prompt not shown: %q", line)
	}
	typeLine("\r")
	if got, _ := p.Ask("Region [us-east-1]: ", "us-east-1"); got != "us-east-1" {
		t.Fatalf("default not used: %q", got)
	}
}

func TestSecretIsNotEchoed(t *testing.T) {
	p, typeLine, screen := withTerminal(t)
	type answer struct {
		s   string
		err error
	}
	done := make(chan answer)
	go func() { s, err := p.Secret("Password: "); done <- answer{s, err} }()
	if shown, _ := screen.ReadString(':'); !strings.Contains(shown, "Password") {
		t.Fatalf("prompt: %q", shown)
	}
	time.Sleep(50 * time.Millisecond) // the user types after seeing the prompt, once echo is off
	typeLine("hunter2\r")
	a := <-done
	if a.err != nil || a.s != "hunter2" {
		t.Fatalf("Secret = %q, %v", a.s, a.err)
	}
	buf := make([]byte, 256)
	n, _ := screen.Read(buf)
	if strings.Contains(string(buf[:n]), "hunter2") {
		t.Fatalf("password echoed: %q", buf[:n])
	}
}

func TestChooseRetriesBadInput(t *testing.T) {
	p, typeLine, _ := withTerminal(t)
	typeLine("9\rx\r2\r")
	i, err := p.Choose("Which?", []string{"a", "b"})
	if err != nil || i != 1 {
		t.Fatalf("Choose = %d, %v", i, err)
	}
}

func TestNoTerminal(t *testing.T) {
	for _, p := range []*Prompter{{Disabled: true}, {Path: "/nonexistent/tty"}, {Path: "/dev/null"}} {
		if p.CanPrompt() {
			t.Errorf("%+v: CanPrompt true", p)
		}
		if _, err := p.Ask("x", ""); err != ErrNoTerminal {
			t.Errorf("%+v: Ask err %v", p, err)
		}
	}
}
