package idp

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadEnvironmentWinsOverFile(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, ".config", "assume-role")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "onelogin.conf")
	os.WriteFile(file, []byte("# comment\nclient_id = from-file\nsubdomain = acme # not a comment\nunknown = x\n"), 0o600)
	keys := []string{"client_id", "subdomain", "app_id"}
	l, err := Load(env(map[string]string{"HOME": home, "ONELOGIN_CLIENT_ID": "from-env", "ONELOGIN_APP_ID": " 42 "}), "onelogin", "ONELOGIN", keys)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{"client_id": "from-env", "subdomain": "acme # not a comment", "app_id": "42"}
	for k, v := range want {
		if l.Settings[k] != v {
			t.Errorf("%s = %q, want %q", k, l.Settings[k], v)
		}
	}
	if l.Origin["client_id"] != "ONELOGIN_CLIENT_ID" || l.Origin["subdomain"] != file || l.Settings["unknown"] != "" {
		t.Errorf("origins %v, settings %v", l.Origin, l.Settings)
	}
	// Readable by others: ignored, with a warning that names the fix.
	os.Chmod(file, 0o640)
	l, err = Load(env(map[string]string{"HOME": home}), "onelogin", "ONELOGIN", keys)
	if err != nil || len(l.Settings) != 0 || !strings.Contains(l.Warning, "chmod 600") {
		t.Fatalf("settings %v, warning %q, err %v", l.Settings, l.Warning, err)
	}
	// XDG_CONFIG_HOME moves the folder; a missing file is no error.
	l, err = Load(env(map[string]string{"HOME": home, "XDG_CONFIG_HOME": t.TempDir()}), "okta", "OKTA", keys)
	if err != nil || len(l.Settings) != 0 || l.Warning != "" {
		t.Fatalf("%v %v", l, err)
	}
	// Sections are refused rather than silently ignored.
	os.Chmod(file, 0o600)
	os.WriteFile(file, []byte("[profile x]\nclient_id = x\n"), 0o600)
	if _, err := Load(env(map[string]string{"HOME": home}), "onelogin", "ONELOGIN", keys); err == nil {
		t.Fatal("a section was accepted")
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://api.us.onelogin.com":  true,
		"http://127.0.0.1:8080":        true,
		"http://[::1]:8080/x":          true,
		"http://localhost:1":           true,
		"http://api.us.onelogin.com":   false,
		"ftp://example.com":            false,
		"api.us.onelogin.com":          false,
		"https://user:pw@example.com/": false,
	} {
		_, err := CheckURL("api_url", raw)
		if (err == nil) != ok {
			t.Errorf("%s: err %v", raw, err)
		}
		if raw == "http://api.us.onelogin.com" && !errors.Is(err, ErrInsecureURL) {
			t.Errorf("%s: %v is not ErrInsecureURL", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("user info in %v", err)
		}
	}
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "idp-state.json")
	if s := LoadState(path); len(s) != 0 {
		t.Fatal(s)
	}
	s := State{"okta": {Username: "a@example.com", MFADevice: "opf1"}}
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", st, err)
	}
	if got := LoadState(path); got["okta"] != s["okta"] {
		t.Fatalf("%v", got)
	}
	os.WriteFile(path, []byte("{not json"), 0o600)
	if got := LoadState(path); len(got) != 0 {
		t.Fatalf("corrupt state read as %v", got)
	}
}
