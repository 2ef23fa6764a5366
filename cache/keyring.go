package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	// A copy of github.com/99designs/keyring whose D-Bus backends reach the bus only when
	// opened, never in a package initialiser (see its README).
	"github.com/assume-role/assume-role/cache/internal/keyring"
)

// serviceName is the keyring service (and keyctl keyring, secret-service
// collection, kwallet folder, pass prefix) that holds the entries.
const serviceName = "assume-role"

// keyctlPerm gives the possessor and the user every right on a key and the
// group and others none (keyring.GetPermissions(ALL, ALL, 0, 0), which only
// exists on Linux).
const keyctlPerm = 0x3f<<24 | 0x3f<<16

// keyringStore stores entries in a 99designs/keyring backend: item key = id,
// item data = the serialised entry.
type keyringStore struct {
	ring keyring.Keyring
	name string
}

// keyringBackends maps our backend names to keyring's.
var keyringBackends = map[string]keyring.BackendType{
	BackendKeychain:      keyring.KeychainBackend,
	BackendWinCred:       keyring.WinCredBackend,
	BackendSecretService: keyring.SecretServiceBackend,
	BackendKWallet:       keyring.KWalletBackend,
	BackendPass:          keyring.PassBackend,
	BackendKeyctl:        keyring.KeyCtlBackend,
	BackendEncryptedFile: keyring.FileBackend,
}

// keyringAvailable reports whether keyring was built with the backend.
func keyringAvailable(name string) bool {
	bt, ok := keyringBackends[name]
	if !ok {
		return false
	}
	for _, b := range keyring.AvailableBackends() {
		if b == bt {
			return true
		}
	}
	return false
}

// openKeyringStore opens the named backend. service is serviceName except in tests.
func openKeyringStore(name, service, dir string, uid int, passphrase func() (string, error)) (*keyringStore, error) {
	bt, ok := keyringBackends[name]
	if !ok {
		return nil, unknownBackendError(name)
	}
	if !keyringAvailable(name) {
		return nil, fmt.Errorf("cache backend %q is not available on this system", name)
	}
	cfg := keyring.Config{
		AllowedBackends: []keyring.BackendType{bt},
		ServiceName:     service,
		KeyCtlScope:     "user",
		KeyCtlPerm:      keyctlPerm,
		KWalletAppID:    service,
		KWalletFolder:   service,
		PassPrefix:      service,
		WinCredPrefix:   service,
	}
	if name == BackendEncryptedFile {
		if passphrase == nil {
			return nil, errors.New("cache backend encrypted-file needs a passphrase")
		}
		cfg.FileDir = filepath.Join(dir, "keyring")
		if err := ensureDir(cfg.FileDir, uid); err != nil {
			return nil, err
		}
		cfg.FilePasswordFunc = func(string) (string, error) { return passphrase() }
	}
	ring, err := keyring.Open(cfg)
	if err != nil {
		return nil, fmt.Errorf("opening cache backend %s: %w", name, err)
	}
	return &keyringStore{ring: ring, name: name}, nil
}

func (s *keyringStore) Name() string { return s.name }

// Get returns the item's data.
func (s *keyringStore) Get(id string) ([]byte, error) {
	if !validID(id) {
		return nil, invalidIDError(id)
	}
	item, err := s.ring.Get(id)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if errors.Is(err, keyring.ErrDecrypt) {
		return nil, fmt.Errorf("%w: it cannot decrypt the %s cache entries", ErrWrongPassphrase, s.name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s cache entry: %w", s.name, err)
	}
	return item.Data, nil
}

// Put stores the item.
func (s *keyringStore) Put(id string, data []byte) error {
	if !validID(id) {
		return invalidIDError(id)
	}
	err := s.ring.Set(keyring.Item{
		Key:                       id,
		Data:                      data,
		Label:                     serviceName + " cached credentials",
		Description:               "temporary AWS credentials cached by assume-role",
		KeychainNotSynchronizable: true,
	})
	if err != nil {
		return fmt.Errorf("writing %s cache entry: %w", s.name, err)
	}
	return nil
}

// Delete removes the item; a missing item is not an error.
func (s *keyringStore) Delete(id string) error {
	if !validID(id) {
		return invalidIDError(id)
	}
	err := s.ring.Remove(id)
	if err == nil || errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("deleting %s cache entry: %w", s.name, err)
}

// IDs lists the items that look like cache entries.
func (s *keyringStore) IDs() ([]string, error) {
	keys, err := s.ring.Keys()
	if err != nil {
		return nil, fmt.Errorf("listing %s cache entries: %w", s.name, err)
	}
	var ids []string
	for _, k := range keys {
		if validID(k) {
			ids = append(ids, k)
		}
	}
	return ids, nil
}
