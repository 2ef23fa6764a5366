package cache

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRememberRecall(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(Options{Backend: BackendFile, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Recall("identity:key:AKIA1"); ok {
		t.Fatal("recalled before remembering")
	}
	if err := c.Remember("identity:key:AKIA1", "arn:aws:iam::1:user/alice"); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Recall("identity:key:AKIA1"); !ok || v != "arn:aws:iam::1:user/alice" {
		t.Fatalf("Recall = %q %v", v, ok)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "meta", "*"))
	if len(files) != 1 {
		t.Fatalf("meta files %v", files)
	}
	if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// A record planted under another name's file is not trusted.
	os.WriteFile(filepath.Join(dir, "meta", metaID("other")+".json"), []byte(`{"name":"identity:key:AKIA1","value":"x"}`), 0o600)
	if _, ok := c.Recall("other"); ok {
		t.Fatal("foreign record trusted")
	}
	none, _ := Open(Options{Backend: BackendNone})
	if none.Remember("a", "b") != nil {
		t.Fatal("none backend failed")
	}
	if _, ok := none.Recall("a"); ok {
		t.Fatal("none backend remembered")
	}
}
