package cli

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/assume-role/assume-role/internal/tty"
	"github.com/assume-role/assume-role/problem"
)

// signaled is the cause of a context ended by a signal.
type signaled struct{ sig os.Signal }

func (s signaled) Error() string { return "received " + s.sig.String() }

// NotifySignals returns a context that ends when the process receives SIGINT (Ctrl-C) or SIGTERM;
// Main then stops what it is doing (a prompt included) and exits 130 or 143. stop releases the
// signals.
func NotifySignals(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sigs:
			cancel(signaled{s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel(nil)
	}
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
