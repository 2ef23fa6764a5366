package saml

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask-proof
		t.Fatal(err)
	}
	return path
}

func TestLoadCredentialsFile(t *testing.T) {
	tests := []struct {
		name, content, user, password string
	}{
		{"spaced", "username = jane@example.com\npassword = s3cret\n", "jane@example.com", "s3cret"},
		{"compact", "username=jane\npassword=s3cret", "jane", "s3cret"},
		{"comments and blanks", "# my IdP login\n\n  ; old style\n[default]\n  username =  jane  \r\n\tpassword\t=\tp w\t\r\n", "jane", "p w"},
		{"value with = and #", "password = a=b#c # not a comment\nusername = jane", "jane", "a=b#c # not a comment"},
		{"case-insensitive keys, last wins", "USERNAME = a\nUsername = b\nPassword = x\n", "b", "x"},
		{"unknown keys ignored", "username = jane\nidp = okta\n", "jane", ""},
		{"bom", "\ufeffusername = jane\npassword = pw\n", "jane", "pw"},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.content, 0o600)
			user, pw, warn, err := LoadCredentialsFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if user != tt.user || pw != tt.password {
				t.Errorf("got %q/%q, want %q/%q", user, pw, tt.user, tt.password)
			}
			if warn != "" {
				t.Errorf("warning for a 0600 file: %q", warn)
			}
		})
	}
}

func TestLoadCredentialsFilePermissions(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604} {
		path := writeFile(t, "username = jane\npassword = pw\n", mode)
		user, pw, warn, err := LoadCredentialsFile(path)
		if err != nil || user != "jane" || pw != "pw" {
			t.Fatalf("mode %o: %q %q %v", mode, user, pw, err)
		}
		if !strings.Contains(warn, "chmod 600 "+path) {
			t.Errorf("mode %o: warning %q lacks the fix", mode, warn)
		}
	}
	if _, _, warn, _ := LoadCredentialsFile(writeFile(t, "username = jane\n", 0o400)); warn != "" {
		t.Errorf("mode 0400 warned: %q", warn)
	}
}

func TestLoadCredentialsFileErrors(t *testing.T) {
	path := writeFile(t, "username = jane\nSECRET-PASSWORD-LINE\n", 0o600)
	_, _, _, err := LoadCredentialsFile(path)
	if err == nil || !strings.Contains(err.Error(), path+" line 2") {
		t.Errorf("malformed line: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error quotes the line: %q", err)
	}

	_, _, _, err = LoadCredentialsFile(filepath.Join(t.TempDir(), "missing"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	_, _, _, err = LoadCredentialsFile(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}
