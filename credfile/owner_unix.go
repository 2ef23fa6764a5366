//go:build unix

package credfile

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openNonblock keeps opening a FIFO from blocking.
const openNonblock = syscall.O_NONBLOCK

// keepOwner gives tmp the owner and group of the file it replaces. A different
// owner that cannot be kept is an error; a group that cannot be kept is not.
func keepOwner(tmp *os.File, old fs.FileInfo) error {
	want, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	fi, err := tmp.Stat()
	if err != nil {
		return err
	}
	have, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || have.Uid == want.Uid && have.Gid == want.Gid {
		return nil
	}
	err = tmp.Chown(int(want.Uid), int(want.Gid))
	if err != nil && have.Uid != want.Uid {
		return fmt.Errorf("file belongs to uid %d: %w", want.Uid, err)
	}
	return nil
}

// chownLike gives path the owner and group of old, best effort. It keeps a
// lock file created by root usable by the credentials file's owner.
func chownLike(path string, old fs.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		if fi, err := os.Stat(path); err == nil {
			if have, ok := fi.Sys().(*syscall.Stat_t); ok && (have.Uid != st.Uid || have.Gid != st.Gid) {
				_ = os.Chown(path, int(st.Uid), int(st.Gid))
			}
		}
	}
}

// syncDir makes a rename in dir durable, as far as the file system allows; a
// failure is ignored because the file has already been replaced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
