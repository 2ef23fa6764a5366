package cache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Issue 14, defect 9: symbolic links planted in a shared, world-writable cache folder never make
// us create or chmod anything outside it: the cache refuses them.
func TestPlantedSymlinksRefused(t *testing.T) {
	skipWithoutUnixPerms(t)
	base := t.TempDir()
	shared := filepath.Join(base, "shared")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o1777); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(base, "home")
	if err := os.Mkdir(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(shared, "cache")); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{
		filepath.Join(shared, "cache"),          // the cache folder itself
		filepath.Join(shared, "cache", "inner"), // a parent of it
	} {
		for _, backend := range []string{BackendFile, BackendEncryptedFile} {
			c, err := Open(Options{Backend: backend, Dir: dir, Now: (&fakeClock{now: t0}).Now,
				Passphrase: func() (string, error) { return "pass", nil }})
			if err == nil {
				_, _, err = c.GetOrFetch(context.Background(), testKey("read"), func(context.Context) (*Entry, error) {
					return testEntry("ASIA", t0.Add(time.Hour)), nil
				})
			}
			if err == nil || !strings.Contains(err.Error(), "symbolic link") {
				t.Errorf("%s %s: err = %v, want a refusal of the symbolic link", backend, dir, err)
			}
			fi, _ := os.Stat(victim)
			entries, _ := os.ReadDir(victim)
			if fi.Mode().Perm() != 0o755 || len(entries) != 0 {
				t.Fatalf("%s %s: the link's target was changed: mode %v, %d entries", backend, dir, fi.Mode(), len(entries))
			}
		}
	}

	// A link the user made in a folder only they can write is theirs: followed.
	mine := filepath.Join(base, "private")
	if err := os.Mkdir(mine, 0o700); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(base, "real-cache")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(mine, "cache")); err != nil {
		t.Fatal(err)
	}
	c, err := Open(Options{Backend: BackendFile, Dir: filepath.Join(mine, "cache"), Now: (&fakeClock{now: t0}).Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetOrFetch(context.Background(), testKey("read"), func(context.Context) (*Entry, error) {
		return testEntry("ASIA", t0.Add(time.Hour)), nil
	}); err != nil {
		t.Fatal(err)
	}

	// A link of the user's that leads through a planted one is refused too.
	via := filepath.Join(mine, "via-shared")
	if err := os.Symlink(filepath.Join(shared, "cache"), via); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Backend: BackendFile, Dir: filepath.Join(via, "x")}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a link through a planted link: err = %v", err)
	}
	if c, err := Open(Options{Backend: BackendFile, Dir: via}); err == nil {
		_, _, err = c.GetOrFetch(context.Background(), testKey("read"), func(context.Context) (*Entry, error) {
			return testEntry("ASIA", t0.Add(time.Hour)), nil
		})
		if err == nil {
			t.Errorf("a link through a planted link was used")
		}
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o755 {
		t.Fatalf("victim changed: %v", fi.Mode())
	}

	// A link someone else owns is refused even in the user's own folder (set up as root only).
	if os.Geteuid() == 0 {
		other := filepath.Join(mine, "other")
		if err := os.Symlink(victim, other); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(Options{Backend: BackendFile, Dir: other}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("a link owned by another user: err = %v", err)
		}
	}
}
