package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKeyStoreEncryptedFile(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Backend: BackendEncryptedFile, Dir: dir, Passphrase: func() (string, error) { return "pw", nil }}
	s, err := OpenKeyStore(opts)
	if err != nil {
		t.Fatal(err)
	}
	secret := "secretEMULATORkey0000000000000000000000001"
	k := StoredKeys{Profile: "bastion/eu", AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: secret, Added: time.Unix(1, 0)}
	if strings.Contains(k.String(), secret) || strings.Contains(strings.ReplaceAll(k.GoString(), " ", ""), secret) {
		t.Fatal("String shows the secret")
	}
	if err := s.Put(k); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("bastion/eu")
	if err != nil || got.SecretAccessKey != secret {
		t.Fatalf("%v %v", got, err)
	}
	idx, err := ReadKeyIndex(dir)
	if err != nil || idx["bastion/eu"].AccessKeyID != k.AccessKeyID || idx["bastion/eu"].Backend != BackendEncryptedFile {
		t.Fatalf("%v %v", idx, err)
	}
	// Nothing on disk holds the secret in clear; the index is 0600.
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), secret) {
				t.Errorf("%s holds the secret", p)
			}
		}
		return nil
	})
	if fi, _ := os.Stat(filepath.Join(dir, keysIndex)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("index mode %v", fi.Mode().Perm())
	}
	// The cache on the same backend neither lists nor clears stored keys.
	c, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.Clear(); err != nil || n != 0 {
		t.Fatalf("clear removed %d (%v)", n, err)
	}
	if ps, err := s.Profiles(); err != nil || len(ps) != 1 || ps[0] != "bastion/eu" {
		t.Fatalf("%v %v", ps, err)
	}
	if err := s.Delete("bastion/eu"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("bastion/eu"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if idx, _ := ReadKeyIndex(dir); len(idx) != 0 {
		t.Fatal(idx)
	}
	// The plaintext file backend is refused for long-term keys.
	if _, err := OpenKeyStore(Options{Backend: BackendFile, Dir: dir}); err == nil {
		t.Fatal("file backend accepted")
	}
}
