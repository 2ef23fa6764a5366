//go:build unix

package procexec

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const helperEnv = "PROCEXEC_TEST_HELPER"

// idleLoop keeps a shell child busy, waiting for a trapped signal, for at most
// about 20 seconds, so that a signal that never arrives fails a test instead
// of leaving a process (and a pipe held open) behind.
const idleLoop = `i=0; while [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; exit 1`

// TestMain doubles as a helper program: with PROCEXEC_TEST_HELPER=sigterm the
// test binary calls Run on a shell that exits 7 on SIGTERM and exits with what
// Run returned, so a test can signal a real parent process.
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "sigterm" {
		code, err := Run(context.Background(), Options{
			Args:   []string{"sh", "-c", `trap "exit 7" TERM; echo ready; ` + idleLoop},
			Env:    []string{"PATH=" + os.Getenv("PATH")},
			Stdout: os.Stdout,
			Stderr: os.Stderr,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(99)
		}
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func pathEnv() []string { return []string{"PATH=" + os.Getenv("PATH")} }

func TestExitCodesPassThrough(t *testing.T) {
	for _, want := range []int{0, 3, 42} {
		code, err := Run(context.Background(), Options{
			Args: []string{"sh", "-c", fmt.Sprintf("exit %d", want)},
			Env:  pathEnv(),
		})
		if err != nil || code != want {
			t.Errorf("exit %d: got code %d, err %v", want, code, err)
		}
	}
}

func TestKilledBySignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGUSR1} {
		code, err := Run(context.Background(), Options{
			Args: []string{"sh", "-c", fmt.Sprintf("kill -%d $$", int(sig))},
			Env:  pathEnv(),
		})
		if err != nil || code != 128+int(sig) {
			t.Errorf("killed by %v: got code %d, err %v; want %d", sig, code, err, 128+int(sig))
		}
	}
}

func TestStdioWired(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code, err := Run(context.Background(), Options{
		Args:   []string{"sh", "-c", `cat; echo "to stderr" >&2; echo "$0 $1"`, "zero", "one"},
		Env:    pathEnv(),
		Stdin:  strings.NewReader("from stdin\n"),
		Stdout: &stdout,
		Stderr: &stderr,
	})
	if err != nil || code != 0 {
		t.Fatalf("code %d, err %v, stderr %q", code, err, stderr.String())
	}
	if got, want := stdout.String(), "from stdin\nzero one\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if got, want := stderr.String(), "to stderr\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestEnvIsExactlyWhatWasGiven(t *testing.T) {
	t.Setenv("PROCEXEC_PARENT_ONLY", "leak")
	envBin, err := exec.LookPath("env")
	if err != nil {
		t.Skip("no env binary:", err)
	}
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"given", []string{"A=1", "B=two words", "PATH=/nonexistent"}, "A=1\nB=two words\nPATH=/nonexistent\n"},
		{"nil means empty", nil, ""},
		{"empty", []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			code, err := Run(context.Background(), Options{Args: []string{envBin}, Env: tt.env, Stdout: &stdout})
			if err != nil || code != 0 {
				t.Fatalf("code %d, err %v", code, err)
			}
			if stdout.String() != tt.want {
				t.Errorf("child environment = %q, want %q", stdout.String(), tt.want)
			}
		})
	}
}

func TestLookPathUsesGivenPATH(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "only-here")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho found \"$0\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "not-executable"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	code, err := Run(context.Background(), Options{
		Args:   []string{"only-here"},
		Env:    []string{"PATH=/nonexistent:" + dir},
		Stdout: &stdout,
	})
	if err != nil || code != 0 || stdout.String() != "found "+script+"\n" {
		t.Fatalf("code %d, err %v, stdout %q", code, err, stdout.String())
	}

	// The test process's PATH has sh, the given one does not.
	code, err = Run(context.Background(), Options{Args: []string{"sh", "-c", "true"}, Env: []string{"PATH=" + dir}})
	if !errors.Is(err, ErrNotFound) || code != ExitNotFound {
		t.Errorf("sh with PATH=%s: code %d, err %v; want not found", dir, code, err)
	}
}

func TestCommandNotFound(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "not-executable"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "a-directory"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  []string
		code int
		msg  string
	}{
		{"absent", []string{"no-such-command-xyz", "arg"}, []string{"PATH=" + dir}, 127, "command not found: no-such-command-xyz"},
		{"no PATH", []string{"sh"}, nil, 127, "command not found: sh"},
		{"not executable in PATH", []string{"not-executable"}, []string{"PATH=" + dir}, 127, "command not found: not-executable"},
		{"directory in PATH", []string{"a-directory"}, []string{"PATH=" + dir}, 127, "command not found: a-directory"},
		{"relative PATH entry ignored", []string{"not-executable"}, []string{"PATH=."}, 127, "command not found: not-executable"},
		{"missing path", []string{filepath.Join(dir, "missing")}, nil, 127, "command not found: " + filepath.Join(dir, "missing")},
		{"path not executable", []string{filepath.Join(dir, "not-executable")}, nil, 126, "permission denied"},
		{"empty name", []string{""}, pathEnv(), 127, "command not found"},
		{"no args", nil, pathEnv(), 127, "no command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := Run(context.Background(), Options{Args: tt.args, Env: tt.env})
			if err == nil || code != tt.code || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("code %d, err %v; want code %d and an error containing %q", code, err, tt.code, tt.msg)
			}
		})
	}
}

// fakeNotifier stands in for os/signal: the test delivers signals itself.
type fakeNotifier struct {
	mu      sync.Mutex
	ch      chan<- os.Signal
	sigs    []os.Signal
	stopped bool
}

func (f *fakeNotifier) Notify(c chan<- os.Signal, sig ...os.Signal) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ch, f.sigs = c, sig
}

func (f *fakeNotifier) Stop(c chan<- os.Signal) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c == f.ch {
		f.stopped = true
	}
}

func (f *fakeNotifier) deliver(s os.Signal) {
	f.mu.Lock()
	ch := f.ch
	f.mu.Unlock()
	ch <- s
}

// readyWriter closes ready when the child first writes "ready".
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), "ready") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func TestForwardsSignals(t *testing.T) {
	for _, tt := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGUSR1, "USR1"}, {syscall.SIGHUP, "HUP"}, {syscall.SIGINT, "INT"}, {syscall.SIGWINCH, "WINCH"}} {
		t.Run(tt.name, func(t *testing.T) {
			n := &fakeNotifier{}
			out := &readyWriter{ready: make(chan struct{})}
			// The deadline only turns a failure to forward into a failure
			// instead of a hang.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			go func() {
				select {
				case <-out.ready:
					n.deliver(tt.sig)
				case <-ctx.Done():
				}
			}()
			script := fmt.Sprintf(`trap "exit 5" %s; echo ready; `, tt.name) + idleLoop
			code, err := run(ctx, Options{Args: []string{"sh", "-c", script}, Env: pathEnv(), Stdout: out}, n)
			if err != nil || code != 5 {
				t.Fatalf("code %d, err %v; want the child's trap to exit 5", code, err)
			}
			if !slices.Equal(n.sigs, ForwardedSignals) {
				t.Errorf("subscribed to %v, want %v", n.sigs, ForwardedSignals)
			}
			if !n.stopped {
				t.Error("signal subscription not stopped after Run")
			}
		})
	}
	want := []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}
	if !slices.Equal(ForwardedSignals, want) {
		t.Errorf("ForwardedSignals = %v, want %v", ForwardedSignals, want)
	}
}

func TestContextCancelTerminatesChild(t *testing.T) {
	out := &readyWriter{ready: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-out.ready
		cancel()
	}()
	code, err := run(ctx, Options{
		Args:   []string{"sh", "-c", `trap "exit 9" TERM; echo ready; ` + idleLoop},
		Env:    pathEnv(),
		Stdout: out,
	}, &fakeNotifier{})
	if err != nil || code != 9 {
		t.Fatalf("code %d, err %v; want the child to get SIGTERM and exit 9", code, err)
	}
}

// TestSIGTERMToParentReachesChild signals a real process running Run (this
// test binary in helper mode) and checks the grandchild got the signal while
// the helper survived to report the grandchild's exit code.
func TestSIGTERMToParentReachesChild(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=sigterm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper said %q (%v); stderr %q", line, err, stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Turns a signal that never reaches the grandchild into a failure instead
	// of a hang.
	watchdog := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()
	_, _ = io.Copy(io.Discard, r)
	err = cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("helper was killed by %v instead of forwarding it; stderr %q", ws.Signal(), stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Fatalf("helper exited %d (%v), want 7 from the grandchild's TERM trap; stderr %q", code, err, stderr.String())
	}
}
