//go:build unix

package fastpath

import (
	"fmt"
	"os"
	"syscall"
)

// fileIdentity identifies the file at path: device, inode, size, modification and change times.
// Replacing the file (a new install) changes it.
func fileIdentity(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", fmt.Errorf("%s: no file identity", path)
	}
	return fmt.Sprintf("engine dev=%d ino=%d size=%d mtime=%d ctime=%d", st.Dev, st.Ino, fi.Size(),
		fi.ModTime().UnixNano(), ctimeNanos(st)), nil
}
