// Package procexec runs a command with a given environment (typically one that
// carries temporary AWS credentials) and reports its exit status the way a
// shell would.
//
// While the child runs, the signals a user or a terminal sends to this process
// (interrupt, terminate, hang-up, quit, the user signals and window-size
// changes) are forwarded to the child instead of killing the parent, so the
// parent can clean up after the child ends.
package procexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"time"
)

// ErrNotFound is wrapped by the error Run returns when the command cannot be
// found; its message reads "command not found: NAME".
var ErrNotFound = errors.New("command not found")

// Exit codes Run reports, alongside an error, when the command never ran.
// They follow the shell conventions.
const (
	ExitNotFound    = 127 // the command was not found
	ExitCannotStart = 126 // the command was found but could not be started
)

// waitDelay bounds how long Run waits, after the child exits or ctx ends, for
// copies to and from non-file Stdin/Stdout/Stderr to finish (a grandchild may
// keep a pipe open), and how long a child gets between SIGTERM on ctx
// cancellation and SIGKILL.
const waitDelay = 2 * time.Second

// Options describes the command to run.
type Options struct {
	// Args is the command and its arguments. Args[0] is looked up in the PATH
	// given in Env (not this process's PATH) unless it contains a path
	// separator; relative PATH entries such as "." are ignored.
	Args []string
	// Env is the child's complete environment, as KEY=VALUE strings. A nil Env
	// means an empty environment, not this process's.
	Env []string
	// Stdin, Stdout and Stderr are passed to the child; an *os.File is handed
	// over directly, other readers and writers are copied. Nil means the null
	// device.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// notifier is the seam between Run and os/signal.
type notifier interface {
	Notify(c chan<- os.Signal, sig ...os.Signal)
	Stop(c chan<- os.Signal)
}

type osNotifier struct{}

func (osNotifier) Notify(c chan<- os.Signal, sig ...os.Signal) { signal.Notify(c, sig...) }
func (osNotifier) Stop(c chan<- os.Signal)                     { signal.Stop(c) }

// Run starts the command, forwards ForwardedSignals to it while it runs, waits
// for it and returns its exit code: the code it passed to exit, or 128+N when
// signal N killed it. When ctx ends, the child is sent SIGTERM (killed on
// Windows), then killed if it has not exited within a short grace period; Run
// still reports how it ended.
//
// err is non-nil only when the command could not be started; exitCode is then
// ExitNotFound (err wraps ErrNotFound) or ExitCannotStart.
func Run(ctx context.Context, o Options) (exitCode int, err error) {
	return run(ctx, o, osNotifier{})
}

func run(ctx context.Context, o Options, n notifier) (int, error) {
	if len(o.Args) == 0 {
		return ExitNotFound, errors.New("no command given")
	}
	path, err := lookPath(o.Args[0], o.Env)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return ExitNotFound, err
		}
		return ExitCannotStart, err
	}
	cmd := exec.CommandContext(ctx, path, o.Args[1:]...)
	cmd.Args[0] = o.Args[0]
	cmd.Env = o.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	cmd.Cancel = func() error { return terminate(cmd.Process) }
	cmd.WaitDelay = waitDelay

	// Subscribe before starting so that a signal arriving in between is
	// queued and forwarded rather than killing this process.
	sigs := make(chan os.Signal, 16)
	n.Notify(sigs, ForwardedSignals...)
	defer n.Stop(sigs)

	if err := cmd.Start(); err != nil {
		return ExitCannotStart, fmt.Errorf("cannot start %s: %w", o.Args[0], err)
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case s := <-sigs:
				// The terminal sends Ctrl-C, Ctrl-\ and window changes to the whole foreground
				// process group, the child included: forwarding those would deliver them twice.
				if terminalSignal(s) && inForegroundGroup() {
					continue
				}
				// The child may already be gone; nothing to do then.
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()

	waitErr := cmd.Wait()
	close(done)
	wg.Wait()
	if cmd.ProcessState == nil {
		return -1, fmt.Errorf("waiting for %s: %w", o.Args[0], waitErr)
	}
	// Other Wait errors (a non-zero exit, ctx cancellation, a pipe held open
	// past waitDelay) are all described by the exit status.
	return exitCode(cmd.ProcessState), nil
}

// getenv returns the last value of key in env, as os/exec would pass it.
func getenv(env []string, key string, fold bool) string {
	val := ""
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && (k == key || fold && strings.EqualFold(k, key)) {
			val = v
		}
	}
	return val
}
