//go:build !unix

package filestore

import (
	"io/fs"
	"os"
)

// CheckPerms is false where permission bits do not describe who can read a
// file (Windows uses ACLs; the file backend relies on the profile directory's).
const CheckPerms = false

// OpenNoFollow is not available; symbolic links are followed.
const OpenNoFollow = 0

// fileOwner is unknown on this platform.
func fileOwner(fs.FileInfo) (int, bool) { return 0, false }

// openRead opens path for reading.
func openRead(path string) (*os.File, error) { return os.OpenFile(path, os.O_RDONLY, 0) }
