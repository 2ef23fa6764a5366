//go:build !unix

package fastpath

import (
	"fmt"
	"os"
)

// fileIdentity identifies the file at path by size and modification time.
func fileIdentity(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	return fmt.Sprintf("engine size=%d mtime=%d", fi.Size(), fi.ModTime().UnixNano()), nil
}
