package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestRefusesSpecialAndLargeFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 2048), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok")
	if err := os.WriteFile(ok, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		is   error
		want string
	}{
		{fifo, ErrNotRegular, "a named pipe (FIFO)"},
		{"/dev/zero", ErrNotRegular, "a character device"},
		{dir, ErrNotRegular, "a directory"},
		{big, ErrTooLarge, "2 KiB, larger than the 1 KiB limit"},
	} {
		_, err := Read(tt.path, 1024)
		if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Read(%s) = %v, want %v mentioning %q", tt.path, err, tt.is, tt.want)
		}
		if err := Check(tt.path, 1024); !errors.Is(err, tt.is) {
			t.Errorf("Check(%s) = %v, want %v", tt.path, err, tt.is)
		}
	}
	if b, err := Read(ok, 5); err != nil || string(b) != "hello" {
		t.Errorf("Read(ok) = %q, %v", b, err)
	}
	if _, err := Read(filepath.Join(dir, "missing"), 5); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if err := Check(filepath.Join(dir, "missing"), 5); err != nil {
		t.Errorf("Check(missing) = %v", err)
	}
}

// TestDevNullIsAnEmptyFile: /dev/null, the SDKs' way to say "no shared files", reads as empty.
func TestDevNullIsAnEmptyFile(t *testing.T) {
	b, err := Read(os.DevNull, 1024)
	if err != nil || len(b) != 0 {
		t.Fatalf("Read(/dev/null) = %q, %v", b, err)
	}
	if err := Check(os.DevNull, 1024); err != nil {
		t.Fatal(err)
	}
}
