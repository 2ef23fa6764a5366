//go:build unix

package cache

import (
	"io/fs"
	"syscall"
)

// checkPerms is true where Unix owners and permission bits protect files.
const checkPerms = true

// openNoFollow makes opening a symbolic link fail.
const openNoFollow = syscall.O_NOFOLLOW

// fileOwner returns the uid owning fi.
func fileOwner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
