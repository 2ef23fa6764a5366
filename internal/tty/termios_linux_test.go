package tty

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// ptyFD opens the prompter's terminal a second time to watch its settings.
func ptyFD(t *testing.T, p *Prompter) int {
	t.Helper()
	f, err := os.OpenFile(p.Path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return int(f.Fd())
}

func termios(t *testing.T, fd int) *unix.Termios {
	t.Helper()
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio
}

// assertSameState checks the terminal is back in the mode it had before the prompt.
func assertSameState(t *testing.T, fd int, before *unix.Termios) {
	t.Helper()
	after := termios(t, fd)
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Fatalf("terminal settings not restored: lflag %#x iflag %#x oflag %#x, were %#x %#x %#x",
			after.Lflag, after.Iflag, after.Oflag, before.Lflag, before.Iflag, before.Oflag)
	}
	if after.Lflag&unix.ECHO == 0 {
		t.Fatal("terminal left without echo")
	}
}

// TestCtrlCAtSecretPrompt types Ctrl-C at a hidden prompt: it ends the prompt at once, returns
// nothing of what was typed, and leaves the terminal as it was (echo on, line mode).
func TestCtrlCAtSecretPrompt(t *testing.T) {
	p, typeLine, screen := withTerminal(t)
	fd := ptyFD(t, p)
	before := termios(t, fd)
	done := make(chan error, 1)
	go func() { s, err := p.Secret("Password: "); done <- secretErr(s, err) }()
	if shown, _ := screen.ReadString(':'); !strings.Contains(shown, "Password") {
		t.Fatalf("prompt: %q", shown)
	}
	typeLine("hunt\x03er2\r")
	if err := <-done; !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Secret after Ctrl-C: %v", err)
	}
	assertSameState(t, fd, before)
}

// TestContextEndsPrompt is SIGINT or SIGTERM caught by the program while a prompt waits: the
// prompt ends with ErrInterrupted instead of waiting for a line that never comes.
func TestContextEndsPrompt(t *testing.T) {
	for _, kind := range []string{"ask", "secret", "choose"} {
		t.Run(kind, func(t *testing.T) {
			base, _, screen := withTerminal(t)
			fd := ptyFD(t, base)
			before := termios(t, fd)
			ctx, cancel := context.WithCancel(context.Background())
			p := base.WithContext(ctx)
			done := make(chan error, 1)
			go func() {
				switch kind {
				case "ask":
					_, err := p.Ask("Code: ", "")
					done <- err
				case "secret":
					_, err := p.Secret("Code: ")
					done <- err
				default:
					_, err := p.Choose("Which?", []string{"a", "b"})
					done <- err
				}
			}()
			if shown, _ := screen.ReadString(':'); !strings.Contains(shown, ":") {
				t.Fatalf("prompt: %q", shown)
			}
			cancel()
			if err := <-done; !errors.Is(err, ErrInterrupted) {
				t.Fatalf("%s after the context ended: %v", kind, err)
			}
			assertSameState(t, fd, before)
			if _, err := p.Ask("Again: ", ""); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("a prompt after the context ended: %v", err)
			}
		})
	}
}
