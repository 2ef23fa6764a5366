package filestore

import (
	"errors"
	"fmt"
)

// Backend is the name of the file backend (package cache's BackendFile).
const Backend = "file"

// ErrNotFound is returned by [Store.Get] when no entry is stored under the id.
var ErrNotFound = errors.New("cache: entry not found")

// ErrCorrupt may be wrapped by an error from [Store.Get] when the stored data
// exists but must not be trusted (for example a file with the wrong owner or
// mode). The cache treats it as a miss and deletes the entry.
var ErrCorrupt = errors.New("cache: corrupt or untrusted entry")

// ValidID reports whether id looks like the output of Key.ID. Stores use it
// so that an id can never name a path outside their directory.
func ValidID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func invalidIDError(id string) error {
	return fmt.Errorf("cache: invalid entry id %q", id)
}
