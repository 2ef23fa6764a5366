//go:build !unix

package console

import "io/fs"

func ownedByMe(fs.FileInfo) bool { return true }
