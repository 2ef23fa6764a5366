//go:build unix

package fastpath

import (
	"fmt"
	"os"
	"syscall"
)

// sysIdentity adds the device, inode and change time.
func sysIdentity(fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" dev=%d ino=%d ctime=%d", st.Dev, st.Ino, ctimeNanos(st))
}
