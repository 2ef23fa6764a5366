package accounts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKeepsDigits(t *testing.T) {
	a, err := Parse([]byte(`{"prod": 222222222222, "zero": "012345678901", "str": "333333333333", "big": 99999999999999999999, "bad": "12"}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ in, id, name, err string }{
		{"prod", "222222222222", "prod", ""},
		{"zero", "012345678901", "zero", ""},
		{"str", "333333333333", "str", ""},
		{"222222222222", "222222222222", "prod", ""},
		{"444444444444", "444444444444", "444444444444", ""},
		{"big", "", "", `account_id "99999999999999999999" is incorrectly formatted AWS account id`},
		{"bad", "", "", `account_id "12" is incorrectly formatted AWS account id`},
		{"nope", "", "", `account_id "nope" is incorrectly formatted AWS account id`},
		{"12345678901", "", "", `account_id "12345678901" is incorrectly formatted AWS account id`},
	}
	for _, c := range cases {
		id, name, err := a.Resolve(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("Resolve(%q) err = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || id != c.id || name != c.name {
			t.Errorf("Resolve(%q) = %q,%q,%v want %q,%q", c.in, id, name, err, c.id, c.name)
		}
	}
	if got := a.Names(); len(got) != 5 || got[0] != "bad" {
		t.Errorf("Names = %v", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{`[]`, `{"a": true}`, `{"a": {"b":1}}`, `nope`, ``} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	a, err := Load(filepath.Join(t.TempDir(), "none"))
	if err != nil || len(a.Names()) != 0 {
		t.Fatalf("Load missing = %v, %v", a, err)
	}
	p := filepath.Join(t.TempDir(), "accounts")
	if err := os.WriteFile(p, []byte(`{"x":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil {
		t.Fatal("truncated file accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"prod": 222222222222}`))
	f.Add([]byte(`{"zero": "012345678901"}`))
	for _, s := range []string{"null", `{"a": "012345678901"} x`, "\xef\xbb\xbf{}", `{"a": 1e5}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Parse(b)
		if err != nil {
			return
		}
		for _, n := range a.Names() {
			if len(n) > MaxAliasLen || n == "" {
				t.Fatalf("alias %q accepted", n)
			}
			if id, _, err := a.Resolve(n); err == nil && !IsID(id) {
				t.Fatalf("resolved %q to non-ID %q", n, id)
			}
		}
	})
}

func TestParseRefusesHostileFiles(t *testing.T) {
	for in, want := range map[string]string{
		"null":                               "found null",
		`{"prod": "222222222222"} garbage`:   "line 1: unexpected data after the JSON object",
		"{\"prod\": \"222222222222\"}\n\n{}": "line 3: unexpected data after the JSON object",
		"[1, 2]":                             "line 1: not a JSON object of alias to account ID (found a JSON array)",
		"{\n\"prod\": 22,\n,}":               "line 3: not a JSON object",
		`{"` + strings.Repeat("a", 129) + `": "1"}`: "longer than 128 bytes",
		"{\"a\\u001b[2Jb\": \"222222222222\"}":      "contains control characters",
		`{"": "222222222222"}`:                      "empty or contains control characters",
	} {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.40q) = %v, want %q", in, err, want)
		}
	}
	a, err := Parse([]byte("\xef\xbb\xbf{\"prod\": \"222222222222\"}\n"))
	if err != nil {
		t.Fatalf("a byte order mark: %v", err)
	}
	if id, _ := a.Lookup("prod"); id != "222222222222" {
		t.Fatalf("prod = %q", id)
	}
}
