package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/assume-role/assume-role/internal/tty"
	"github.com/assume-role/assume-role/problem"
)

// signaled is the cause of a context ended by a signal.
type signaled struct{ sig os.Signal }

func (s signaled) Error() string { return "received " + s.sig.String() }

// NotifySignals returns a context that ends when the process receives SIGINT (Ctrl-C) or SIGTERM;
// Main then stops what it is doing (a prompt included) and exits 130 or 143. stop releases the
// signals.
//
// Everything the command does watches ctx, but a system call that ignores it (opening or reading
// a FIFO or a device nobody writes to) would keep the process waiting: if the command has not
// returned forcedExitDelay after the signal, the process exits there, 130 or 143, unless a child
// that received the signal too is still running (exec; see childRunning).
func NotifySignals(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var watchdog atomic.Pointer[time.Timer]
	go func() {
		select {
		case s := <-sigs:
			cancel(signaled{s})
			watchdog.Store(time.AfterFunc(forcedExitDelay, func() { forceExit(s) }))
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel(nil)
		if t := watchdog.Load(); t != nil {
			t.Stop()
		}
	}
}

// forcedExitDelay is how long a signalled command may take to return before the process exits.
const forcedExitDelay = 2 * time.Second

// children counts running children that receive the terminal's signals themselves (exec): the
// process then waits for them instead of exiting under them.
var children atomic.Int32

// childRunning marks a child as running until the returned function is called.
func childRunning() (done func()) {
	children.Add(1)
	return func() { children.Add(-1) }
}

// forceExit ends a process still blocked after a signal (see NotifySignals).
func forceExit(s os.Signal) {
	if children.Load() > 0 {
		return
	}
	code, msg := 130, "interrupted"
	if sig, ok := s.(syscall.Signal); ok {
		code = 128 + int(sig)
		if sig == syscall.SIGTERM {
			msg = "terminated"
		}
	}
	fmt.Fprintf(os.Stderr, "assume-role: error: %s\n", msg)
	os.Exit(code)
}

// withPrompts returns sio with its terminal prompter bound to ctx, so that a signal ends a
// prompt that is waiting for an answer.
func withPrompts(ctx context.Context, sio *IO) *IO {
	p, ok := sio.Prompter.(*tty.Prompter)
	if !ok || p == nil {
		return sio
	}
	c := *sio
	c.Prompter = p.WithContext(ctx)
	return &c
}

// interruption reports whether err (or ctx) means the user stopped the command: Ctrl-C at a
// prompt or a signal. It returns the problem to print and the exit code (128 + the signal).
func interruption(ctx context.Context, err error) (*problem.Problem, int, bool) {
	var cause signaled
	bySignal := errors.As(context.Cause(ctx), &cause)
	if !bySignal && !errors.Is(err, tty.ErrInterrupted) && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		return nil, 0, false
	}
	p := problem.Wrap(problem.Interrupted, err, "interrupted")
	code := p.Kind.ExitCode()
	if s, ok := cause.sig.(syscall.Signal); bySignal && ok {
		code = 128 + int(s)
		if s == syscall.SIGTERM {
			p.Msg = "terminated"
		}
	}
	return p, code, true
}
