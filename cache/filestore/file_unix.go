//go:build unix

package filestore

import (
	"io/fs"
	"syscall"
)

// CheckPerms is true where Unix owners and permission bits protect files.
const CheckPerms = true

// OpenNoFollow makes opening a symbolic link fail.
const OpenNoFollow = syscall.O_NOFOLLOW

// fileOwner returns the uid owning fi.
func fileOwner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
