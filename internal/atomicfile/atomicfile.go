// Package atomicfile writes a file that holds secrets all at once: readers see the old content or
// the new, never part of it, and the file is 0600 from its first byte.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data through a 0600 temporary file in the same folder, synced and
// renamed over it.
func Write(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
