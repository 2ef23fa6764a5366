// Package tty asks questions on the controlling terminal. It never reads stdin or writes stdout,
// so `eval "$(assume-role …)"`, credential_process and pipes keep working while the user is
// prompted for an MFA code or a password.
package tty

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// ErrNoTerminal is returned when there is no terminal to ask on.
var ErrNoTerminal = errors.New("no terminal to prompt on")

// Prompter prompts on a terminal device (default /dev/tty).
type Prompter struct {
	Path     string // terminal device; default /dev/tty (CONIN$ is not supported yet)
	Disabled bool   // never prompt (--no-input, CI)
}

func (p *Prompter) path() string {
	if p.Path != "" {
		return p.Path
	}
	return "/dev/tty"
}

func (p *Prompter) open() (*os.File, error) {
	if p.Disabled {
		return nil, ErrNoTerminal
	}
	f, err := os.OpenFile(p.path(), os.O_RDWR, 0)
	if err != nil {
		return nil, ErrNoTerminal
	}
	if !term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, ErrNoTerminal
	}
	return f, nil
}

// CanPrompt reports whether a terminal is available.
func (p *Prompter) CanPrompt() bool {
	f, err := p.open()
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// Ask shows label and reads one visible line; an empty answer yields def.
func (p *Prompter) Ask(label, def string) (string, error) {
	f, err := p.open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.WriteString(f, label); err != nil {
		return "", err
	}
	line, err := readLine(f)
	if err != nil {
		return "", err
	}
	if line == "" {
		return def, nil
	}
	return line, nil
}

// Secret shows label and reads a line without echo.
func (p *Prompter) Secret(label string) (string, error) {
	f, err := p.open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.WriteString(f, label); err != nil {
		return "", err
	}
	b, err := term.ReadPassword(int(f.Fd()))
	io.WriteString(f, "\n")
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Choose lists options and asks for a number; it asks again (three times at most) on bad input.
func (p *Prompter) Choose(label string, options []string) (int, error) {
	if len(options) == 0 {
		return 0, errors.New("nothing to choose from")
	}
	f, err := p.open()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fmt.Fprintln(f, label)
	for i, o := range options {
		fmt.Fprintf(f, "  %d) %s\n", i+1, o)
	}
	for attempt := 0; attempt < 3; attempt++ {
		fmt.Fprintf(f, "Choice [1-%d]: ", len(options))
		line, err := readLine(f)
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(line)
		if err == nil && n >= 1 && n <= len(options) {
			return n - 1, nil
		}
		fmt.Fprintf(f, "Please enter a number from 1 to %d.\n", len(options))
	}
	return 0, errors.New("no valid choice entered")
}

// readLine reads up to a newline byte by byte, so nothing typed later is swallowed by a buffer.
func readLine(r io.Reader) (string, error) {
	var sb strings.Builder
	var one [1]byte
	for {
		_, err := io.ReadFull(r, one[:])
		b := one[0]
		if err != nil {
			if errors.Is(err, io.EOF) && sb.Len() > 0 {
				break
			}
			return "", err
		}
		if b == '\n' {
			break
		}
		if sb.Len() > 4096 {
			return "", errors.New("input line too long")
		}
		sb.WriteByte(b)
	}
	return strings.TrimSpace(strings.TrimRight(sb.String(), "\r")), nil
}
