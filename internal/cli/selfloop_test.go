package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		`assume-role credential-process prod read`:          {"assume-role", "credential-process", "prod", "read"},
		`  "/opt/my tools/assume-role"   'a b' c\ d "e\"f"`: {"/opt/my tools/assume-role", "a b", "c d", `e"f`},
		`assume-role --source-profile=base x ''`:            {"assume-role", "--source-profile=base", "x", ""},
	} {
		got, ok := splitCommand(in)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{
		`assume-role credential-process prod read | jq .`, `AWS_PROFILE=base assume-role x y`, `assume-role $ACCOUNT read`,
		`assume-role "$(cat f)" read`, "assume-role `x` read", `assume-role 'open`, `assume-role "open`, `a; b`, `a && b`, `a > f`,
	} {
		if got, ok := splitCommand(in); ok {
			t.Errorf("%s: split into %q; want it refused", in, got)
		}
	}
}

func TestSelfCommand(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "ar")
	if err := os.WriteFile(exe, nil, 0o700); err != nil {
		t.Fatal(err)
	}
	sio, _, _ := testIO(map[string]string{})
	sio.Executable = exe
	for line, want := range map[string]struct {
		source string
		ok     bool
	}{
		"assume-role credential-process prod read":                       {"", true},
		"/usr/local/bin/assume-role credential-process prod read 123456": {"", true},
		exe + " credential-process prod read --source-profile base":      {"base", true},
		"assume-role prod read -o credential-process --source-profile=b": {"b", true},
		"assume-role --debug prod read -o credential-process":            {"", true},
		"assume-role exec prod read -- printenv":                         {"", true},
		"assume-role credential-process -p prod-read":                    {"", false}, // the profile's own source
		"assume-role credential-process --saml-assertion f.xml x":        {"", false},
		"assume-role version":                                            {"", false},
		"assume-role whoami":                                             {"", false},
		"assume-role credential-process --no-such-flag":                  {"", false},
		"assume-role credential-process --help":                          {"", false},
		"aws-vault exec prod --json":                                     {"", false},
		"sh -c 'assume-role credential-process prod read'":               {"", false},
		filepath.Join(dir, "other") + " credential-process prod read":    {"", false},
	} {
		source, ok := sio.selfCommand(line)
		if source != want.source || ok != want.ok {
			t.Errorf("%s: (%q, %v), want (%q, %v)", line, source, ok, want.source, want.ok)
		}
	}
	saml, _, _ := testIO(map[string]string{"AWS_ASSUME_ROLE_AUTH_SCHEME": "saml"})
	if _, ok := saml.selfCommand("assume-role credential-process prod read"); ok {
		t.Errorf("the SAML scheme resolves no source profile")
	}
}
