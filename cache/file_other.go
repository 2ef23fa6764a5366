//go:build !unix

package cache

import "io/fs"

// checkPerms is false where permission bits do not describe who can read a
// file (Windows uses ACLs; the file backend relies on the profile directory's).
const checkPerms = false

// openNoFollow is not available; symbolic links are followed.
const openNoFollow = 0

// fileOwner is unknown on this platform.
func fileOwner(fs.FileInfo) (int, bool) { return 0, false }
