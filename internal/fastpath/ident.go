package fastpath

import (
	"fmt"
	"os"
)

// fileIdentity identifies the engine file at path: size and modification time everywhere, plus
// device, inode and change time where the system has them. Replacing the file (a new install)
// changes it.
func fileIdentity(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	return fmt.Sprintf("engine size=%d mtime=%d%s", fi.Size(), fi.ModTime().UnixNano(), sysIdentity(fi)), nil
}
