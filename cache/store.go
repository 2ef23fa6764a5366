package cache

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/assume-role/assume-role/cache/filestore"
)

// ErrNotFound is returned by [Store.Get] when no entry is stored under the id.
var ErrNotFound = filestore.ErrNotFound

// ErrCorrupt may be wrapped by an error from [Store.Get] when the stored data
// exists but must not be trusted (for example a file with the wrong owner or
// mode). The cache treats it as a miss and deletes the entry.
var ErrCorrupt = filestore.ErrCorrupt

// ErrWrongPassphrase is wrapped by the errors of the encrypted-file backend
// when an entry does not decrypt with the passphrase given: the passphrase is
// wrong (or the entry was damaged). Lookups report it instead of a miss, which
// would store new entries under another passphrase.
var ErrWrongPassphrase = errors.New("cache: wrong passphrase")

// Store is a storage backend: a flat map from entry ids (64 lower-case hex
// digits, see [Key.ID]) to serialised entries. Implementations must be safe
// for concurrent use; they need not lock across processes (the cache does).
type Store interface {
	// Get returns the data stored under id, or an error wrapping
	// ErrNotFound when there is none.
	Get(id string) ([]byte, error)
	// Put stores data under id, replacing any previous value.
	Put(id string, data []byte) error
	// Delete removes the entry; deleting a missing entry is not an error.
	Delete(id string) error
	// IDs lists the ids of all stored entries.
	IDs() ([]string, error)
	// Name returns the backend's name, as accepted by Options.Backend.
	Name() string
}

// Backend names accepted by [Options.Backend].
const (
	BackendAuto          = "auto"
	BackendFile          = filestore.Backend
	BackendKeychain      = "keychain"
	BackendWinCred       = "wincred"
	BackendSecretService = "secret-service"
	BackendKWallet       = "kwallet"
	BackendPass          = "pass"
	BackendKeyctl        = "keyctl"
	BackendEncryptedFile = "encrypted-file"
	BackendNone          = "none"
)

var backendNames = []string{
	BackendAuto, BackendFile, BackendKeychain, BackendWinCred, BackendSecretService,
	BackendKWallet, BackendPass, BackendKeyctl, BackendEncryptedFile, BackendNone,
}

// Backends returns the names accepted by [Options.Backend], "auto" first.
func Backends() []string { return slices.Clone(backendNames) }

// autoBackend is the backend "auto" (or "") selects on goos.
func autoBackend(goos string) string {
	switch goos {
	case "darwin":
		return BackendKeychain
	case "windows":
		return BackendWinCred
	default:
		return BackendFile
	}
}

func unknownBackendError(name string) error {
	return fmt.Errorf("unknown cache backend %q (valid: %s)", name, strings.Join(backendNames, ", "))
}

// validID reports whether id looks like the output of Key.ID. Stores use it
// so that an id can never name a path outside their directory.
func validID(id string) bool { return filestore.ValidID(id) }

func invalidIDError(id string) error {
	return fmt.Errorf("cache: invalid entry id %q", id)
}

// noneStore stores nothing.
type noneStore struct{}

func (noneStore) Get(string) ([]byte, error) { return nil, ErrNotFound }
func (noneStore) Put(string, []byte) error   { return nil }
func (noneStore) Delete(string) error        { return nil }
func (noneStore) IDs() ([]string, error)     { return nil, nil }
func (noneStore) Name() string               { return BackendNone }
