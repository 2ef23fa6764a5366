package fastpath

import (
	"errors"
	"os"
	"strconv"
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
		return "", errors.New(path + " is not a regular file")
	}
	return "engine size=" + strconv.FormatInt(fi.Size(), 10) + " mtime=" + strconv.FormatInt(fi.ModTime().UnixNano(), 10) + sysIdentity(fi), nil
}
