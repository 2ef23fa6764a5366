package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 14, defect 1: long-term keys written in upper case or next to an empty
// aws_session_token line are never overwritten by --write-profile.
func TestWriteProfileKeepsLongTermKeysAnyCase(t *testing.T) {
	w := newWorld(t, nil)
	for _, creds := range []string{
		"[default]\nAWS_ACCESS_KEY_ID = " + aliceKey + "\nAWS_SECRET_ACCESS_KEY = " + aliceSecret + "\n",
		"[default]\naws_access_key_id = " + aliceKey + "\naws_secret_access_key = " + aliceSecret + "\naws_session_token =\n",
	} {
		path := w.write(".aws/credentials", creds)
		w.fail(2, "holds long-term keys", "prod", "read", "--write-profile", "default")
		if got, _ := os.ReadFile(path); string(got) != creds {
			t.Fatalf("credentials file changed:\n%s", got)
		}
		if n := w.count("AssumeRole"); n != 0 {
			t.Fatalf("%d AssumeRole calls before refusing", n)
		}
	}
}

// Issue 14, defect 3: profile names the SDKs read differently, and read-only files, are refused
// before any network call.
func TestWriteProfileRefusesAmbiguousNamesAndReadOnlyFiles(t *testing.T) {
	w := newWorld(t, nil)
	path := filepath.Join(w.home, ".aws", "credentials")
	before, _ := os.ReadFile(path)
	for _, name := range []string{"a;b", "a#b", "my profile", "a\tb"} {
		w.fail(2, "invalid --write-profile", "prod", "read", "--write-profile", name)
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	r := w.fail(3, "read-only", "prod", "read", "--write-profile", "wp")
	if !strings.Contains(r.stderr, "0400") {
		t.Fatalf("the error does not say the mode: %s", r)
	}
	fi, _ := os.Stat(path)
	if got, _ := os.ReadFile(path); string(got) != string(before) || fi.Mode().Perm() != 0o400 {
		t.Fatalf("file changed: %v\n%s", fi.Mode(), got)
	}
	if n := w.count("AssumeRole"); n != 0 {
		t.Fatalf("%d AssumeRole calls before refusing", n)
	}
}
