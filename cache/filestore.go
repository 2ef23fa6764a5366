package cache

import "github.com/assume-role/assume-role/cache/filestore"

// The file backend and the directory checks live in package filestore, which
// the front links without this package's dependencies; these names keep this
// package's code as it was.

// checkPerms is true where Unix owners and permission bits protect files.
const checkPerms = filestore.CheckPerms

// openNoFollow makes opening a symbolic link fail where the platform can.
const openNoFollow = filestore.OpenNoFollow

// fileStore is the file backend.
type fileStore = filestore.Store

// newFileStore checks dir (if it exists) and returns a store on it; dir is
// created on the first Put.
func newFileStore(dir string, uid int) (*fileStore, error) { return filestore.New(dir, uid) }

// checkDir verifies an existing directory and tightens it to 0700.
func checkDir(dir string, uid int) error { return filestore.CheckDir(dir, uid) }

// ensureDir creates dir (and its parents) with mode 0700 and checks it like checkDir.
func ensureDir(dir string, uid int) error { return filestore.EnsureDir(dir, uid) }
