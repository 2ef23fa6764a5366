//go:build !unix

package credfile

import (
	"io/fs"
	"os"
)

// keepOwner is a no-op where files have no Unix owner.
func keepOwner(*os.File, fs.FileInfo) error { return nil }

// chownLike is a no-op where files have no Unix owner.
func chownLike(string, fs.FileInfo) {}

// syncDir is a no-op where directories cannot be synced.
func syncDir(string) {}

// openNonblock is 0 where FIFOs do not block opens.
const openNonblock = 0
