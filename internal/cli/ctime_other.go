//go:build !linux

package cli

import (
	"os"
	"time"
)

// changeTime is unknown here: contents, inode, size and modification time still are compared.
func changeTime(os.FileInfo) time.Time { return time.Time{} }
