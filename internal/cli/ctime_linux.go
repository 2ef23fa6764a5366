package cli

import (
	"os"
	"syscall"
	"time"
)

// changeTime is the file's inode change time (any write or chmod moves it).
func changeTime(fi os.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Unix())
	}
	return time.Time{}
}
