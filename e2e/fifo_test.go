package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalWhileReadingAFIFO: a FIFO that nobody writes to, given as a file to read, either is
// refused at once or, if assume-role is waiting on it, Ctrl-C/SIGTERM ends the wait (130/143)
// instead of leaving the process blocked in the system call.
func TestSignalWhileReadingAFIFO(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		w := newWorld(t, nil)
		fifo := filepath.Join(w.home, "policy.json")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		cmd := exec.Command(binary, "-o", "env", "--policy", "@"+fifo, "prod", "read")
		cmd.Env, cmd.Dir = w.environ(map[string]string{"AWS_REGION": "us-east-1"}), w.home
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Wait until assume-role has the FIFO open for reading (a non-blocking open for writing
		// succeeds only then), or has exited refusing it.
		var err error
		for deadline := time.Now().Add(30 * time.Second); ; {
			if f, oerr := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); oerr == nil {
				defer f.Close() // keep the writer open: the reader stays blocked in read
				cmd.Process.Signal(sig)
				select {
				case err = <-exited:
				case <-time.After(30 * time.Second):
					cmd.Process.Kill()
					t.Fatalf("%v: still blocked on the FIFO after the signal", sig)
				}
				break
			}
			select {
			case err = <-exited:
			case <-time.After(10 * time.Millisecond):
				if time.Now().Before(deadline) {
					continue
				}
				cmd.Process.Kill()
				t.Fatal("never opened the FIFO and never exited")
			}
			break
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%v: exit %v; stderr:\n%s", sig, err, stderr.String())
		}
		code := ee.ExitCode()
		switch {
		case code == 128+int(sig):
			want := map[syscall.Signal]string{syscall.SIGINT: "interrupted", syscall.SIGTERM: "terminated"}[sig]
			if !strings.Contains(stderr.String(), "assume-role: error: "+want+"\n") {
				t.Fatalf("stderr:\n%s", stderr.String())
			}
		case code == 2 || code == 3: // refused as not a regular file
			if !strings.Contains(stderr.String(), "assume-role: error: ") {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
			}
		default:
			t.Fatalf("%v: exit %d; stderr:\n%s", sig, code, stderr.String())
		}
		if n := len(w.calls()); n != 0 {
			t.Fatalf("calls sent: %v", w.calls())
		}
	}
}
