// Package safefile reads the files users point assume-role at (config, credentials, account
// aliases, policies, tokens, assertions) without hanging on a FIFO or a device and without reading
// an unbounded amount: only regular files up to a stated size are read.
package safefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the error about a path that is not a regular file (a FIFO, a
// device, a directory, a socket).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error about a file larger than the limit.
var ErrTooLarge = errors.New("file too large")

// Open opens path for reading without blocking on a FIFO and checks that it is a regular file of
// at most max bytes. A missing file yields an error wrapping fs.ErrNotExist.
func Open(path string, max int64) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = check(path, fi, max)
	}
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// Read returns the content of the regular file at path, of at most max bytes.
func Read(path string, max int64) ([]byte, error) {
	f, fi, err := Open(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One allocation of the file's size (io.ReadAll would grow and copy a 46 MB file many times).
	var buf bytes.Buffer
	buf.Grow(int(fi.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: %w: it grew beyond the %s limit", path, ErrTooLarge, Size(max))
	}
	return b, nil
}

// Check reports whether path, when it exists, is a regular file of at most max bytes, without
// opening it. A missing file is not an error.
func Check(path string, max int64) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return check(path, fi, max)
}

func check(path string, fi fs.FileInfo, max int64) error {
	if !fi.Mode().IsRegular() && !isDevNull(fi) {
		return fmt.Errorf("%s is %s, %w; refusing to read it", path, kind(fi.Mode()), ErrNotRegular)
	}
	if fi.Size() > max {
		return fmt.Errorf("%s is %s, larger than the %s limit (%w)", path, Size(fi.Size()), Size(max), ErrTooLarge)
	}
	return nil
}

// isDevNull reports whether fi is the null device: it reads as an empty file at once, and
// AWS_CONFIG_FILE=/dev/null is how a program is given no shared files (exec --server, fanout).
func isDevNull(fi fs.FileInfo) bool {
	null, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(fi, null)
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// Size formats a byte count for messages: "64 KiB", "128 MiB", "512 bytes".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
