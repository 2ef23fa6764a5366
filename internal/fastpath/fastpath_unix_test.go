//go:build unix

package fastpath

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO put where a dependency was is an error at once, not a wait for a writer.
func TestHashFileRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := HashFile(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a FIFO was hashed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("HashFile waits on a FIFO")
	}
}
