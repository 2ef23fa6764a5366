package e2e

import (
	"strings"
	"testing"
)

const roleProfile = "[profile p]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\n"

// TestHostileValuesRefusedLocally: values from the environment, the config and the accounts file
// that STS would refuse, or that would corrupt the terminal or crash the SDK, fail before any
// call with one line naming where they come from; never an internal error, raw escapes or <nil>.
func TestHostileValuesRefusedLocally(t *testing.T) {
	role := []string{"-o", "env", "prod", "read"}
	cases := []struct {
		name, config, accounts string
		env                    map[string]string
		args                   []string
		code                   int
		want                   string
	}{
		{name: "region escapes", env: map[string]string{"AWS_REGION": "us-east-1\x1b[31m"}, args: role, code: 3, want: `invalid AWS_REGION "us-east-1\x1b[31m"`},
		{name: "config region escapes", config: "[default]\nregion = eu-west-1\x1b]0;pwned\x07\n", args: role, code: 0, want: "region"},
		{name: "duration abc", config: roleProfile + "duration_seconds = abc\n", args: []string{"-o", "env", "-p", "p"}, code: 3, want: `invalid duration_seconds of [profile p] "abc"`},
		{name: "duration overflow", config: roleProfile + "duration_seconds = 99999999999999999999\n", args: []string{"-o", "env", "-p", "p"}, code: 3, want: `"99999999999999999999": must be a whole number of seconds between 900 and 43200`},
		{name: "duration negative", config: roleProfile + "duration_seconds = -3600\n", args: []string{"-o", "env", "-p", "p"}, code: 3, want: `invalid duration_seconds of [profile p] "-3600"`},
		{name: "external id short", config: roleProfile + "external_id = a\n", args: []string{"-o", "env", "-p", "p"}, code: 3, want: `invalid external_id of [profile p] "a"`},
		{name: "lone quote", config: "[default]\nregion = \"\n", args: role, code: 3, want: "config line 2: the value of region is a lone quote"},
		{name: "lone quote profile", config: roleProfile + "region = '\n", args: []string{"-o", "env", "-p", "p"}, code: 3, want: "config line 4: the value of region is a lone quote"},
		{name: "cycle", config: "[profile p]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = q\n[profile q]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = p\n", args: []string{"-o", "env", "-p", "p"}, code: 3, want: "cycle: p → q → p"},
		{name: "accounts garbage", accounts: `{"prod": "222222222222"} trailing`, args: role, code: 3, want: "accounts: line 1: unexpected data after the JSON object"},
		{name: "accounts null", accounts: "null", args: role, code: 3, want: "found null"},
		{name: "accounts long alias", accounts: `{"prod": "222222222222", "` + strings.Repeat("x", 5000) + `": "1"}`, args: role, code: 3, want: "longer than 128 bytes"},
		{name: "accounts BOM", accounts: "\xef\xbb\xbf{\"prod\": \"222222222222\"}\n", args: role, code: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, nil)
			if c.config != "" {
				w.write(".aws/config", c.config)
			}
			if c.accounts != "" {
				w.write(".aws/accounts", c.accounts)
			}
			env := map[string]string{"AWS_REGION": "us-east-1"}
			for k, v := range c.env {
				env[k] = v
			}
			if c.name == "config region escapes" {
				env["AWS_REGION"] = ""
				c.code, c.want = 3, `invalid region of [default] "eu-west-1\x1b]0;pwned\a"`
			}
			if c.code == 0 {
				if r := w.runEnv(env, c.args...); r.code != 0 {
					t.Fatal(r)
				}
				return
			}
			r := w.runEnv(env, c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("want exit %d and %q, got %s", c.code, c.want, r)
			}
			if r.stdout != "" || strings.ContainsAny(r.stderr, "\x1b\x07") || strings.Contains(r.stderr, "<nil>") || strings.Contains(r.stderr, "internal error") {
				t.Fatalf("bad output: %s", r)
			}
			if n := len(w.calls()); n != 0 {
				t.Fatalf("calls sent: %v", w.calls())
			}
		})
	}
}

// TestRegionValidatedOnCacheHit: a hostile AWS_REGION is refused on a cached switch too, never
// exported.
func TestRegionValidatedOnCacheHit(t *testing.T) {
	w := newWorld(t, nil)
	w.ok("-o", "env", "prod", "read")
	r := w.runEnv(map[string]string{"AWS_REGION": "us-east-1\x1b[2J;touch PWNED"}, "-o", "env", "prod", "read")
	if r.code == 0 || r.stdout != "" || strings.Contains(r.stderr, "\x1b") {
		t.Fatalf("hostile region on a cache hit: %s", r)
	}
}
