package console

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRedirectPage(t *testing.T) {
	dir := t.TempDir()
	u := `https://signin.aws.amazon.com/federation?Action=login&SigninToken=abc"><script>x</script>`
	path, err := RedirectPage(dir, u)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(filepath.Dir(path))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("modes %v %v", fi.Mode(), di.Mode())
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "<script>") || !strings.Contains(string(b), "Action=login&amp;SigninToken=abc&#34;&gt;") {
		t.Fatalf("URL not escaped: %s", b)
	}

	// A stale page of ours is removed; a planted symlink with the prefix is not followed.
	old := time.Now().Add(-RedirectLifetime - time.Minute)
	if err := os.Chtimes(filepath.Dir(path), old, old); err != nil {
		t.Fatal(err)
	}
	victim := t.TempDir()
	if err := os.WriteFile(filepath.Join(victim, "signin.html"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, RedirectPrefix+"planted")); err != nil {
		t.Fatal(err)
	}
	if _, err := RedirectPage(dir, u); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("stale page folder kept (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(victim, "signin.html")); err != nil {
		t.Errorf("followed a planted symlink: %v", err)
	}
}
