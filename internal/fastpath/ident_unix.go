//go:build unix

package fastpath

import (
	"os"
	"strconv"
	"syscall"
)

// sysIdentity adds the device, inode and change time.
func sysIdentity(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return " dev=" + strconv.FormatUint(uint64(st.Dev), 10) + " ino=" + strconv.FormatUint(uint64(st.Ino), 10) +
		" ctime=" + strconv.FormatInt(ctimeNanos(st), 10)
}
