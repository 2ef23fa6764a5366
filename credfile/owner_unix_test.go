//go:build unix

package credfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing a file's owner needs root")
	}
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[default]\nregion = x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const uid, gid = 65534, 65533
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := WriteProfile(path, "work", written); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != uid || st.Gid != gid || fi.Mode().Perm() != 0o600 {
		t.Errorf("owner %d:%d mode %v, want %d:%d 0600", st.Uid, st.Gid, fi.Mode(), uid, gid)
	}
	// The lock file stays usable by the file's owner.
	if fi, err := os.Stat(path + ".lock"); err != nil || fi.Sys().(*syscall.Stat_t).Uid != uid {
		t.Errorf("lock file not owned by %d (%v)", uid, err)
	}
}
