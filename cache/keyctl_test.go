//go:build linux

package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/assume-role/assume-role/cache/internal/keyring"
	"golang.org/x/sys/unix"
)

func TestKeyctlPerm(t *testing.T) {
	if want := keyring.GetPermissions(keyring.KEYCTL_PERM_ALL, keyring.KEYCTL_PERM_ALL, 0, 0); keyctlPerm != want {
		t.Errorf("keyctlPerm = %#x, want %#x", keyctlPerm, want)
	}
}

func TestKeyctlBackend(t *testing.T) {
	// A private keyring name so that the test never touches real entries.
	service := fmt.Sprintf("assume-role-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	dir := filepath.Join(t.TempDir(), "cache")
	c, err := open(Options{Backend: BackendKeyctl, Dir: dir, Now: (&fakeClock{now: t0}).Now}, nil, service, os.Geteuid())
	if err != nil {
		t.Skipf("keyctl backend unavailable in this environment (the kernel or seccomp refused): %v", err)
	}
	t.Cleanup(func() {
		userRing, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, false)
		if err != nil {
			return
		}
		if ring, err := unix.KeyctlSearch(userRing, "keyring", service, 0); err == nil {
			_, _, _ = syscall.Syscall(syscall.SYS_KEYCTL, uintptr(unix.KEYCTL_UNLINK), uintptr(ring), uintptr(userRing))
		}
	})
	if c.Backend() != BackendKeyctl {
		t.Errorf("Backend() = %q", c.Backend())
	}
	k := testKey("read")
	if _, ok := c.Lookup(k); ok {
		t.Fatal("hit on a new keyring")
	}
	e, cached, err := c.GetOrFetch(t.Context(), k, func(context.Context) (*Entry, error) {
		return testEntry("ASIAKEYCTL", t0.Add(time.Hour)), nil
	})
	if err != nil {
		t.Skipf("keyctl refused to store a key in this environment: %v", err)
	}
	if cached || e.AccessKeyID != "ASIAKEYCTL" {
		t.Fatalf("e=%v cached=%v", e, cached)
	}
	// Another Cache (as another process would) sees it.
	c2, err := open(Options{Backend: BackendKeyctl, Dir: dir, Now: (&fakeClock{now: t0}).Now}, nil, service, os.Geteuid())
	if err != nil {
		t.Fatal(err)
	}
	got, ok := c2.Lookup(k)
	if !ok {
		// Keys written through Put may be invisible when the user keyring
		// is not possessed (e.g. no session keyring link in a container).
		t.Fatalf("miss after Put")
	}
	if got.SecretAccessKey != testSecret || got.SessionToken != testToken {
		t.Errorf("round trip lost the secrets")
	}
	if l, err := c2.List(); err != nil || len(l) != 1 || l[0].ID != k.ID() {
		t.Errorf("List = %+v, %v", l, err)
	}
	// Corrupt data is deleted.
	if err := c2.store.Put(testKey("other").ID(), []byte("garbage")); err != nil {
		t.Fatal(err)
	}
	if _, ok := c2.Lookup(testKey("other")); ok {
		t.Error("garbage trusted")
	}
	if ids, _ := c2.store.IDs(); len(ids) != 1 {
		t.Errorf("IDs = %v, want only the good entry", ids)
	}
	if n, err := c2.Clear(); n != 1 || err != nil {
		t.Errorf("Clear = %d, %v", n, err)
	}
	if _, ok := c.Lookup(k); ok {
		t.Error("hit after Clear")
	}
}
