package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache/filestore"
	"github.com/assume-role/assume-role/cache/internal/keyring"
	"github.com/assume-role/assume-role/internal/atomicfile"
)

// keysPrefix starts the keyring item key of stored long-term keys; it is not a cache entry id,
// so `cache list` and `cache clear` never see these items.
const keysPrefix = "aws-keys:"

// keysIndex is the file, next to the cache, that lists which profiles have keys in which
// backend (profile names and access key IDs only: no secret). The engine reads it to plan a
// switch without opening the keyring; the secret is read only when it is used.
const keysIndex = "keys.json"

// StoredKeys are an IAM user's long-term access keys for a profile. String redacts the secret.
type StoredKeys struct {
	Profile         string    `json:"profile"`
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	Added           time.Time `json:"added"`
}

// String describes the keys without the secret.
func (k StoredKeys) String() string {
	return fmt.Sprintf("cache.StoredKeys{Profile:%q AccessKeyID:%q SecretAccessKey:[redacted]}", k.Profile, k.AccessKeyID)
}

// GoString is String.
func (k StoredKeys) GoString() string { return k.String() }

// KeyInfo is an index entry: where a profile's keys are, without the secret.
type KeyInfo struct {
	Profile     string    `json:"profile"`
	AccessKeyID string    `json:"access_key_id"`
	Backend     string    `json:"backend"`
	Added       time.Time `json:"added"`
}

// KeyStore keeps long-term access keys in a keyring backend (never in the plaintext file
// backend: that is what ~/.aws/credentials already is).
type KeyStore struct {
	ring keyring.Keyring
	name string
	dir  string
}

// KeyringBackend is the backend that holds keys for a requested name: "" and "auto" mean the
// platform's keyring (keychain on macOS, wincred on Windows, secret-service elsewhere).
func KeyringBackend(name string) (string, error) {
	switch name {
	case "", BackendAuto:
		switch runtime.GOOS {
		case "darwin":
			return BackendKeychain, nil
		case "windows":
			return BackendWinCred, nil
		}
		return BackendSecretService, nil
	case BackendFile, BackendNone:
		return "", fmt.Errorf("backend %q cannot hold long-term keys: choose a keyring (%s)", name, strings.Join(keyringNames(), ", "))
	}
	if _, ok := keyringBackends[name]; !ok {
		return "", unknownBackendError(name)
	}
	return name, nil
}

func keyringNames() []string {
	var out []string
	for _, n := range backendNames {
		if _, ok := keyringBackends[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

// baseDir is dir, or the default cache directory when dir is "".
func baseDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return filestore.DefaultDir()
}

// OpenKeyStore opens the keyring backend opts.Backend (see KeyringBackend) for long-term keys;
// opts.Dir and opts.Passphrase are used as by Open (the encrypted-file backend's directory and
// passphrase).
func OpenKeyStore(opts Options) (*KeyStore, error) {
	name, err := KeyringBackend(opts.Backend)
	if err != nil {
		return nil, err
	}
	dir, err := baseDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	uid := os.Geteuid()
	if !checkPerms {
		uid = -1
	}
	if err := ensureDir(dir, uid); err != nil {
		return nil, err
	}
	s, err := openKeyringStore(name, serviceName, dir, uid, opts.Passphrase)
	if err != nil {
		return nil, err
	}
	return &KeyStore{ring: s.ring, name: name, dir: dir}, nil
}

// Backend is the backend's name.
func (s *KeyStore) Backend() string { return s.name }

// Put stores the keys of k.Profile (replacing any) and records them in the index.
func (s *KeyStore) Put(k StoredKeys) error {
	if k.Profile == "" || k.AccessKeyID == "" || k.SecretAccessKey == "" {
		return errors.New("a profile, an access key ID and a secret access key are needed")
	}
	if k.Added.IsZero() {
		k.Added = time.Now()
	}
	data, err := json.Marshal(k)
	if err != nil {
		return err
	}
	err = s.ring.Set(keyring.Item{Key: keysPrefix + k.Profile, Data: data, Label: serviceName + " keys of " + k.Profile,
		Description: "long-term AWS access keys stored by assume-role add", KeychainNotSynchronizable: true})
	if err != nil {
		return fmt.Errorf("writing to the %s keyring: %w", s.name, err)
	}
	return s.updateIndex(func(m map[string]KeyInfo) {
		m[k.Profile] = KeyInfo{Profile: k.Profile, AccessKeyID: k.AccessKeyID, Backend: s.name, Added: k.Added}
	})
}

// Get reads the keys of a profile; the error wraps ErrNotFound when there are none.
func (s *KeyStore) Get(profile string) (StoredKeys, error) {
	item, err := s.ring.Get(keysPrefix + profile)
	if errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, fs.ErrNotExist) {
		return StoredKeys{}, ErrNotFound
	}
	if err != nil {
		return StoredKeys{}, fmt.Errorf("reading the %s keyring: %w", s.name, err)
	}
	var k StoredKeys
	if json.Unmarshal(item.Data, &k) != nil || k.AccessKeyID == "" || k.SecretAccessKey == "" || k.Profile != profile {
		return StoredKeys{}, fmt.Errorf("the %s keyring item of profile %q is not assume-role's: %w", s.name, profile, ErrCorrupt)
	}
	return k, nil
}

// Delete removes a profile's keys and index entry; missing keys are not an error.
func (s *KeyStore) Delete(profile string) error {
	err := s.ring.Remove(keysPrefix + profile)
	if err != nil && !errors.Is(err, keyring.ErrKeyNotFound) && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting from the %s keyring: %w", s.name, err)
	}
	return s.updateIndex(func(m map[string]KeyInfo) { delete(m, profile) })
}

// Profiles lists the profiles with keys in this backend (from the keyring itself).
func (s *KeyStore) Profiles() ([]string, error) {
	keys, err := s.ring.Keys()
	if err != nil {
		return nil, fmt.Errorf("listing the %s keyring: %w", s.name, err)
	}
	var out []string
	for _, k := range keys {
		if p, ok := strings.CutPrefix(k, keysPrefix); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *KeyStore) updateIndex(f func(map[string]KeyInfo)) error {
	m, err := ReadKeyIndex(s.dir)
	if err != nil {
		return err
	}
	f(m)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.dir, keysIndex), append(data, '\n'))
}

// ReadKeyIndex reads which profiles have keys in a keyring, without opening it (dir "" is the
// default cache directory). A missing index is empty.
func ReadKeyIndex(dir string) (map[string]KeyInfo, error) {
	dir, err := baseDir(dir)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, keysIndex))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]KeyInfo{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]KeyInfo{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s is not a key index", filepath.Join(dir, keysIndex))
	}
	return m, nil
}

func writeFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data) }

// KeyIndexPath is the path of the key index ReadKeyIndex reads (dir "" is the default cache
// directory).
func KeyIndexPath(dir string) (string, error) {
	dir, err := baseDir(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, keysIndex), nil
}
