// Package tty asks questions on the controlling terminal. It never reads stdin or writes stdout,
// so `eval "$(assume-role …)"`, credential_process and pipes keep working while the user is
// prompted for an MFA code or a password.
//
// Ctrl-C at any prompt ends it with ErrInterrupted: whether the terminal turns it into SIGINT
// (which the program catches and turns into the end of the Prompter's Context) or delivers it as
// the byte 0x03 (raw mode, used for secrets, or a terminal without ISIG).
package tty

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// ErrNoTerminal is returned when there is no terminal to prompt on.
var ErrNoTerminal = errors.New("no terminal to prompt on")

// ErrInterrupted is returned when the user pressed Ctrl-C at a prompt, or when the Prompter's
// Context ended (the program caught SIGINT or SIGTERM) while it waited for an answer.
var ErrInterrupted = errors.New("interrupted")

const (
	ctrlC     = 0x03
	ctrlD     = 0x04
	ctrlU     = 0x15
	backspace = 0x08
	del       = 0x7f
)

// Prompter prompts on a terminal device (default /dev/tty).
type Prompter struct {
	Path     string // terminal device; default /dev/tty (CONIN$ is not supported yet)
	Disabled bool   // never prompt (--no-input, CI)
	// Context, when set, ends a waiting prompt with ErrInterrupted once it is done.
	Context context.Context
}

// WithContext returns a copy of p whose prompts end with ErrInterrupted when ctx is done.
func (p *Prompter) WithContext(ctx context.Context) *Prompter {
	c := *p
	c.Context = ctx
	return &c
}

func (p *Prompter) path() string {
	if p.Path != "" {
		return p.Path
	}
	return "/dev/tty"
}

// terminal is an open terminal whose reads end with ErrInterrupted when the context is done.
type terminal struct {
	f    *os.File
	fd   int
	stop func() bool
}

func (p *Prompter) open() (*terminal, error) {
	if p.Disabled {
		return nil, ErrNoTerminal
	}
	if p.Context != nil && p.Context.Err() != nil {
		return nil, ErrInterrupted
	}
	f, err := os.OpenFile(p.path(), os.O_RDWR, 0)
	if err != nil {
		return nil, ErrNoTerminal
	}
	// The descriptor is taken through SyscallConn, not Fd, which would switch the file to
	// blocking mode and make its reads impossible to interrupt.
	fd := -1
	if sc, err := f.SyscallConn(); err == nil {
		sc.Control(func(u uintptr) { fd = int(u) })
	}
	if fd < 0 || !term.IsTerminal(fd) {
		f.Close()
		return nil, ErrNoTerminal
	}
	t := &terminal{f: f, fd: fd, stop: func() bool { return false }}
	if p.Context != nil {
		t.stop = context.AfterFunc(p.Context, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	}
	return t, nil
}

func (t *terminal) Read(b []byte) (int, error) {
	n, err := t.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, ErrInterrupted
	}
	return n, err
}

func (t *terminal) Write(b []byte) (int, error) { return t.f.Write(b) }

func (t *terminal) Close() error {
	t.stop()
	return t.f.Close()
}

// CanPrompt reports whether a terminal is available.
func (p *Prompter) CanPrompt() bool {
	t, err := p.open()
	if err != nil {
		return false
	}
	t.Close()
	return true
}

// Ask shows label and reads one visible line; an empty answer yields def.
func (p *Prompter) Ask(label, def string) (string, error) {
	t, err := p.open()
	if err != nil {
		return "", err
	}
	defer t.Close()
	if _, err := io.WriteString(t, label); err != nil {
		return "", err
	}
	line, err := readLine(t)
	if err != nil {
		endLine(t, err)
		return "", err
	}
	if line == "" {
		return def, nil
	}
	return line, nil
}

// Secret shows label and reads a line without echo. The terminal is in raw mode meanwhile, so
// Ctrl-C arrives as a byte and ends the prompt; the terminal's settings are restored in every case.
func (p *Prompter) Secret(label string) (string, error) {
	t, err := p.open()
	if err != nil {
		return "", err
	}
	defer t.Close()
	old, err := term.MakeRaw(t.fd)
	if err != nil {
		return "", err
	}
	// Echo is off before the label shows, so nothing typed after it can appear on the screen.
	_, err = io.WriteString(t, label)
	var s string
	if err == nil {
		s, err = readSecret(t)
	}
	term.Restore(t.fd, old)
	io.WriteString(t, "\n")
	if err != nil {
		return "", err
	}
	return s, nil
}

// Choose lists options and asks for a number; it asks again (three times at most) on bad input.
func (p *Prompter) Choose(label string, options []string) (int, error) {
	if len(options) == 0 {
		return 0, errors.New("nothing to choose from")
	}
	t, err := p.open()
	if err != nil {
		return 0, err
	}
	defer t.Close()
	fmt.Fprintln(t, label)
	for i, o := range options {
		fmt.Fprintf(t, "  %d) %s\n", i+1, o)
	}
	for attempt := 0; attempt < 3; attempt++ {
		fmt.Fprintf(t, "Choice [1-%d]: ", len(options))
		line, err := readLine(t)
		if err != nil {
			endLine(t, err)
			return 0, err
		}
		n, err := strconv.Atoi(line)
		if err == nil && n >= 1 && n <= len(options) {
			return n - 1, nil
		}
		fmt.Fprintf(t, "Please enter a number from 1 to %d.\n", len(options))
	}
	return 0, errors.New("no valid choice entered")
}

// endLine ends the prompt's line after an interruption, so that what is printed next (the error)
// starts on a line of its own.
func endLine(w io.Writer, err error) {
	if errors.Is(err, ErrInterrupted) {
		io.WriteString(w, "\n")
	}
}

// readLine reads up to a newline byte by byte, so nothing typed later is swallowed by a buffer.
// A Ctrl-C byte (a terminal without ISIG) ends it with ErrInterrupted.
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
		if b == ctrlC {
			return "", ErrInterrupted
		}
		if sb.Len() > 4096 {
			return "", errors.New("input line too long")
		}
		sb.WriteByte(b)
	}
	return strings.TrimSpace(strings.TrimRight(sb.String(), "\r")), nil
}

// readSecret reads a line from a terminal in raw mode: Enter ends it, Ctrl-C interrupts, Ctrl-D
// on an empty line is the end of input, Backspace and Ctrl-U edit.
func readSecret(r io.Reader) (string, error) {
	var buf []byte
	var one [1]byte
	for {
		if _, err := io.ReadFull(r, one[:]); err != nil {
			if errors.Is(err, io.EOF) && len(buf) > 0 {
				return string(buf), nil
			}
			return "", err
		}
		switch b := one[0]; b {
		case '\r', '\n':
			return string(buf), nil
		case ctrlC:
			return "", ErrInterrupted
		case ctrlD:
			if len(buf) == 0 {
				return "", io.EOF
			}
		case backspace, del:
			if len(buf) > 0 {
				_, size := utf8.DecodeLastRune(buf)
				buf = buf[:len(buf)-size]
			}
		case ctrlU:
			buf = buf[:0]
		default:
			if len(buf) > 4096 {
				return "", errors.New("input line too long")
			}
			buf = append(buf, b)
		}
	}
}
