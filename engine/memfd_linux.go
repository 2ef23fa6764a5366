package engine

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// memFile puts data into an anonymous in-memory file (never on disk; its descriptor is not
// inherited) and returns a path the SDK can read it from, /proc/self/fd/N.
func memFile(name string, data []byte) (path string, closeFn func(), ok bool) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return "", nil, false
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return "", nil, false
	}
	path = fmt.Sprintf("/proc/self/fd/%d", fd)
	if _, err := os.Stat(path); err != nil {
		_ = f.Close()
		return "", nil, false
	}
	return path, func() { _ = f.Close() }, true
}
