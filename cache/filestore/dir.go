package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultDir is the cache's base directory when none is configured:
// os.UserCacheDir()/assume-role.
func DefaultDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	return filepath.Join(base, "assume-role"), nil
}

// CredsDir is the directory of the file backend's entries in the base
// directory dir.
func CredsDir(dir string) string { return filepath.Join(dir, credsName) }

// credsName is the name of the entries' folder in the base directory.
const credsName = "creds"

// MetaDir is the directory of the facts of package cache's Remember and
// Recall in the base directory dir.
func MetaDir(dir string) string { return filepath.Join(dir, "meta") }

// MetaID is the id under which a fact named name is stored in MetaDir.
func MetaID(name string) string {
	sum := sha256.Sum256([]byte("meta\x00" + name))
	return hex.EncodeToString(sum[:])
}

// MetaPath is the file of the fact named name (see package cache's Remember)
// in the base directory dir.
func MetaPath(dir, name string) string {
	return filepath.Join(MetaDir(dir), MetaID(name)+".json")
}
