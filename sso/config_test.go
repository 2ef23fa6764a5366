package sso

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/assume-role/assume-role/problem"
)

func TestResolveSession(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte(`[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access, extra

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev

[profile legacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1

[profile keys]
aws_access_key_id = AKIAEXAMPLE
`), 0o600)
	env := map[string]string{"AWS_CONFIG_FILE": cfg, "HOME": dir}
	getenv := func(k string) string { return env[k] }
	s, err := ResolveSession(getenv, "", "")
	if err != nil || s.Name != "corp" || len(s.Scopes) != 2 || s.CacheKey() != "corp" {
		t.Fatalf("%+v %v", s, err)
	}
	s, err = ResolveSession(getenv, "", "dev")
	if err != nil || s.Name != "corp" || s.AccountID != "111111111111" || s.RoleName != "Dev" {
		t.Fatalf("%+v %v", s, err)
	}
	s, err = ResolveSession(getenv, "", "legacy")
	if err != nil || s.Name != "" || s.CacheKey() != "https://old.awsapps.com/start" {
		t.Fatalf("%+v %v", s, err)
	}
	// The AWS CLI's file names.
	if p := TokenPath(getenv, "corp"); filepath.Base(p) != "ee0bfd2552fbd840c02cc48b6e823320543c450f.json" || filepath.Dir(p) != filepath.Join(dir, ".aws", "sso", "cache") {
		t.Fatal(p)
	}
	for _, c := range []struct {
		session, profile string
		kind             problem.Kind
	}{{"nope", "", problem.Config}, {"", "keys", problem.Config}, {"", "missing", problem.Config}, {"corp", "dev", problem.Usage}} {
		_, err := ResolveSession(getenv, c.session, c.profile)
		if p := problem.As(err); p == nil || p.Kind != c.kind {
			t.Errorf("%s/%s: %v", c.session, c.profile, err)
		}
	}
}
