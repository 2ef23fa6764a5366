package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptySession runs the binary with a pseudo-terminal as its controlling terminal, stdin and
// stderr; stdout is the terminal too, or a pipe (as in eval "$(assume-role …)").
type ptySession struct {
	t      *testing.T
	cmd    *exec.Cmd
	ptm    *os.File
	mu     sync.Mutex
	screen bytes.Buffer
	stdout bytes.Buffer
	done   chan struct{}
}

func startPTY(t *testing.T, w *world, extra map[string]string, stdoutToTTY bool, args ...string) *ptySession {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal available: %v", err)
	}
	s := &ptySession{t: t, ptm: ptm, done: make(chan struct{})}
	cmd := exec.Command(binary, args...)
	cmd.Env = w.environ(extra)
	cmd.Dir = w.home
	cmd.Stdin, cmd.Stderr = tty, tty
	if stdoutToTTY {
		cmd.Stdout = tty
	} else {
		cmd.Stdout = &lockedWriter{mu: &s.mu, w: &s.stdout}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	s.cmd = cmd
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			s.mu.Lock()
			s.screen.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); ptm.Close() })
	return s
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// expect waits until the terminal shows want.
func (s *ptySession) expect(want string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got := s.screen.String()
		s.mu.Unlock()
		if strings.Contains(got, want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("terminal never showed %q; screen:\n%s", want, s.Screen())
}

func (s *ptySession) send(line string) {
	s.t.Helper()
	if _, err := s.ptm.Write([]byte(line + "\r")); err != nil {
		s.t.Fatal(err)
	}
}

// Screen is what the terminal showed so far.
func (s *ptySession) Screen() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.screen.String()
}

// wait returns stdout (when piped) and the exit code.
func (s *ptySession) wait() (string, int) {
	s.t.Helper()
	err := s.cmd.Wait()
	select {
	case <-s.done:
	case <-time.After(2 * time.Second):
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdout.String(), code
}

// runInPTY runs to completion with everything on a terminal and returns the screen.
func runInPTY(t *testing.T, w *world, extra map[string]string, args ...string) (string, int) {
	t.Helper()
	s := startPTY(t, w, extra, true, args...)
	_, code := s.wait()
	return s.Screen(), code
}
