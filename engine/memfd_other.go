//go:build !linux

package engine

// memFile is unavailable: the SDK reads the whole shared files.
func memFile(string, []byte) (string, func(), bool) { return "", nil, false }
