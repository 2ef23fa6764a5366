//go:build !unix

package fastpath

import "os"

// sysIdentity has nothing to add where there is no inode.
func sysIdentity(os.FileInfo) string { return "" }
