//go:build unix && !linux

package fastpath

import "syscall"

// ctimeNanos is 0 where the field's name differs between systems: device, inode, size and
// modification time still change with a new install.
func ctimeNanos(*syscall.Stat_t) int64 { return 0 }
