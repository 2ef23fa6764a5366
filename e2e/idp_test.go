package e2e

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/testidp"
	oktaidp "github.com/assume-role/assume-role/internal/testidp/okta"
	olidp "github.com/assume-role/assume-role/internal/testidp/onelogin"
	"github.com/assume-role/assume-role/saml"
)

const (
	olClientID     = "0a1b2c3d-client"
	olClientSecret = "s3cr3t-client-secret-value"
	olPassword     = "p@ss w0rd\"'$(x)"
	oktaPassword   = "okta-Pa55-word!"
)

func emulatorRoles() []saml.Role {
	return append(testidp.EmulatorRoles("222222222222", "saml-read", "saml-admin"), testidp.EmulatorRoles("333333333333", "saml-read")...)
}

// idpWorld is a world with a OneLogin or Okta double on loopback.
type idpWorld struct {
	*world
	ol   *olidp.Server
	okta *oktaidp.Server
	env  map[string]string
}

func newOneLoginWorld(t *testing.T, users ...olidp.User) *idpWorld {
	t.Helper()
	return newOneLoginWorldValidity(t, 0, users...)
}

// newOneLoginWorldValidity: assertions valid for validity (under 30 s: never reused from the cache).
func newOneLoginWorldValidity(t *testing.T, validity time.Duration, users ...olidp.User) *idpWorld {
	t.Helper()
	w := newWorld(t, nil)
	if users == nil {
		users = []olidp.User{{Name: samlUser, Password: olPassword}}
	}
	ol := olidp.New(olidp.Options{ClientID: olClientID, ClientSecret: olClientSecret, Subdomain: "acme", AppID: "123456",
		Users: users, Roles: emulatorRoles(), Validity: validity})
	srv := httptest.NewServer(ol)
	t.Cleanup(srv.Close)
	return &idpWorld{world: w, ol: ol, env: map[string]string{
		"AWS_ASSUME_ROLE_AUTH_SCHEME": "onelogin",
		"ONELOGIN_CLIENT_ID":          olClientID,
		"ONELOGIN_CLIENT_SECRET":      olClientSecret,
		"ONELOGIN_API_URL":            srv.URL,
		"ONELOGIN_SUBDOMAIN":          "acme",
		"ONELOGIN_APP_ID":             "123456",
		"ONELOGIN_USERNAME":           samlUser,
		"AWS_REGION":                  "us-east-1",
	}}
}

func newOktaWorld(t *testing.T, users ...oktaidp.User) *idpWorld {
	t.Helper()
	w := newWorld(t, nil)
	if users == nil {
		users = []oktaidp.User{{Name: samlUser, Password: oktaPassword}}
	}
	ok := oktaidp.New(oktaidp.Options{Users: users, Roles: emulatorRoles()})
	srv := httptest.NewServer(ok)
	t.Cleanup(srv.Close)
	return &idpWorld{world: w, okta: ok, env: map[string]string{
		"AWS_ASSUME_ROLE_AUTH_SCHEME": "okta",
		"OKTA_ORG_URL":                srv.URL,
		"OKTA_APP_URL":                srv.URL + oktaidp.AppPath,
		"OKTA_USERNAME":               samlUser,
		"AWS_REGION":                  "us-east-1",
	}}
}

func (iw *idpWorld) run(extra map[string]string, args ...string) result {
	iw.t.Helper()
	return iw.detached("", merge(iw.env, extra), args...)
}

func (iw *idpWorld) ok(extra map[string]string, args ...string) result {
	iw.t.Helper()
	r := iw.run(extra, args...)
	if r.code != 0 {
		iw.t.Fatalf("assume-role %s: %s", strings.Join(args, " "), r)
	}
	return r
}

func (iw *idpWorld) idpCalls() int {
	if iw.ol != nil {
		return iw.ol.Calls("")
	}
	return iw.okta.Calls("")
}

func wantKey(t *testing.T, r result) {
	t.Helper()
	if !strings.Contains(r.stdout, "ASIA") || !strings.Contains(r.stdout, "AWS_SESSION_TOKEN") {
		t.Fatalf("no credentials exported: %s", r)
	}
}

// One sign-in gives every role of the assertion: a switch to another role while the assertion is
// valid, or back to a cached role, costs no IdP call and no prompt.
func TestOneLoginSignInAndRoleSwitches(t *testing.T) {
	iw := newOneLoginWorld(t)
	iw.samlFile(samlUser, olPassword)
	r := iw.ok(nil, "prod", "saml-read", "-o", "bash")
	wantKey(t, r)
	if !strings.Contains(r.stdout, "AWS_ACCOUNT_ROLE='saml-read'") && !strings.Contains(r.stdout, "saml-read") {
		t.Fatalf("role not exported: %s", r.stdout)
	}
	if n := iw.ol.Calls("/api/2/saml_assertion"); n != 1 {
		t.Fatalf("%d saml_assertion calls", n)
	}
	if got := iw.ol.Logins(); len(got) != 1 || got[0].Password != olPassword || got[0].User != samlUser {
		t.Fatalf("the password did not arrive intact: %+v", got)
	}
	calls := iw.idpCalls()
	iw.ok(nil, "prod", "saml-read", "-o", "bash")
	iw.ok(nil, "prod", "saml-admin", "-o", "bash")
	iw.ok(nil, "staging", "saml-read", "-o", "json")
	iw.ok(nil, "-R", "arn:aws:iam::222222222222:role/saml-admin", "-o", "env")
	if got := iw.idpCalls(); got != calls {
		t.Fatalf("role switches within the assertion's validity called the IdP %d more times", got-calls)
	}
	if n := iw.count("AssumeRoleWithSAML"); n != 3 {
		t.Fatalf("%d AssumeRoleWithSAML calls, want 3 (one per role)", n)
	}
	list := iw.ok(nil, "cache", "list")
	if !strings.Contains(list.stdout, "saml-assertion") || strings.Contains(list.stdout, "PD94") || strings.Contains(list.stdout, "PHNhbW") {
		t.Fatalf("cache list: %s", list.stdout)
	}
	// Without the assertion's cache (new sign-in needed), a cached role still needs no IdP call.
	iw.ok(nil, "cache", "clear")
	iw.ok(nil, "prod", "saml-read", "-o", "bash")
	if got := iw.idpCalls(); got != calls+2 {
		t.Fatalf("after cache clear: %d IdP calls, want 2 (token, assertion)", got-calls)
	}
}

func (iw *idpWorld) samlFile(user, password string) {
	var b strings.Builder
	if user != "" {
		b.WriteString("username = " + user + "\n")
	}
	if password != "" {
		b.WriteString("password = " + password + "\n")
	}
	iw.write(".saml/credentials", b.String())
}

// The configuration file (OneLogin's names) in the config folder, with ONELOGIN_* winning.
func TestOneLoginConfigFile(t *testing.T) {
	iw := newOneLoginWorld(t)
	iw.samlFile("", olPassword)
	conf := iw.write(".config/assume-role/onelogin.conf", "client_id = "+olClientID+"\nclient_secret = "+olClientSecret+
		"\nregion = us\napi_url = "+iw.env["ONELOGIN_API_URL"]+"\nsubdomain = acme\napp_id = 999\nusername = "+samlUser+"\n")
	only := map[string]string{"ONELOGIN_CLIENT_ID": "", "ONELOGIN_CLIENT_SECRET": "", "ONELOGIN_API_URL": "", "ONELOGIN_SUBDOMAIN": "", "ONELOGIN_USERNAME": ""}
	// app_id 999 in the file is wrong; ONELOGIN_APP_ID wins.
	wantKey(t, iw.ok(only, "prod", "saml-read", "-o", "bash"))
	r := iw.run(merge(only, map[string]string{"ONELOGIN_APP_ID": ""}), "--no-cache", "prod", "saml-read", "-o", "bash")
	wantFailure(t, r, 5, "not assigned", olPassword, olClientSecret)
	if !strings.Contains(r.stderr, "app_id") {
		t.Fatalf("the hint does not name app_id: %s", r.stderr)
	}
	// Readable by others: ignored with a warning.
	if err := os.Chmod(conf, 0o644); err != nil {
		t.Fatal(err)
	}
	r = iw.run(only, "--no-cache", "prod", "saml-read")
	wantFailure(t, r, 3, "OneLogin sign-in needs client_id", olClientSecret)
	if !strings.Contains(r.stderr, "readable by other users") {
		t.Fatalf("no warning about the file's mode: %s", r.stderr)
	}
}

func TestOneLoginMFA(t *testing.T) {
	iw := newOneLoginWorld(t, olidp.User{Name: samlUser, Password: olPassword, Devices: []olidp.Device{
		{ID: "1111", Type: "OneLogin Protect", Code: "111111"}, {ID: "2222", Type: "Google Authenticator", Code: "222222"}}})
	iw.samlFile(samlUser, olPassword)
	// Several devices, no terminal, nothing remembered: one line naming them.
	r := iw.run(nil, "prod", "saml-read", "--token-code", "222222")
	wantFailure(t, r, 6, "several MFA devices", olPassword, "222222")
	if !strings.Contains(r.stderr, "Google Authenticator (2222)") {
		t.Fatalf("devices not listed: %s", r.stderr)
	}
	// A wrong code.
	r = iw.run(nil, "prod", "saml-read", "--mfa-device", "2222", "--token-code", "123456")
	wantFailure(t, r, 6, "refused the MFA code", olPassword, "123456")
	// The right one, positional MFA_TOKEN, device by name.
	wantKey(t, iw.ok(nil, "prod", "saml-read", "222222", "--mfa-device", "google authenticator", "-o", "bash"))
	// The choice is remembered (a small state file without secrets).
	st, err := os.ReadFile(filepath.Join(iw.home, ".config", "assume-role", "idp-state.json"))
	if err != nil || !strings.Contains(string(st), `"2222"`) || strings.Contains(string(st), olPassword) {
		t.Fatalf("state file: %q %v", st, err)
	}
	// mfa_process, and the remembered device, with no --mfa-device.
	wantKey(t, iw.ok(map[string]string{"ONELOGIN_MFA_PROCESS": "echo 222222"}, "--no-cache", "prod", "saml-admin", "-o", "bash"))
	// An unknown --mfa-device.
	r = iw.run(nil, "--no-cache", "prod", "saml-read", "--mfa-device", "yubikey", "--token-code", "222222")
	wantFailure(t, r, 2, "is not one of your OneLogin MFA devices", olPassword)
}

func TestOneLoginErrors(t *testing.T) {
	iw := newOneLoginWorld(t,
		olidp.User{Name: samlUser, Password: olPassword},
		olidp.User{Name: "locked@example.com", Password: olPassword, Locked: true},
		olidp.User{Name: "noapp@example.com", Password: olPassword, NoApp: true},
		olidp.User{Name: "noroles@example.com", Password: olPassword, Roles: []saml.Role{}})
	iw.samlFile("", olPassword)
	cases := []struct {
		name string
		env  map[string]string
		code int
		want string
	}{
		{"bad client credentials", map[string]string{"ONELOGIN_CLIENT_SECRET": "wrong-secret"}, 3, "refused the API credentials"},
		{"wrong password", map[string]string{"SAML_FILE": iw.write("wrongpw", "password = not-it\n")}, 4, "refused the username or password"},
		{"locked", map[string]string{"ONELOGIN_USERNAME": "locked@example.com"}, 5, "account is locked"},
		{"app not assigned", map[string]string{"ONELOGIN_USERNAME": "noapp@example.com"}, 5, "not assigned"},
		{"no AWS roles", map[string]string{"ONELOGIN_USERNAME": "noroles@example.com"}, 5, "no AWS role"},
		{"missing subdomain", map[string]string{"ONELOGIN_SUBDOMAIN": ""}, 3, "needs subdomain"},
		{"bad region", map[string]string{"ONELOGIN_API_URL": "", "ONELOGIN_REGION": "ap"}, 3, "is not us or eu"},
		{"plain http elsewhere", map[string]string{"ONELOGIN_API_URL": "http://onelogin.example.com"}, 3, "loopback"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := iw.idpCalls()
			r := iw.run(c.env, "--no-cache", "prod", "saml-read", "--debug")
			wantFailure(t, r, c.code, c.want, olPassword, olClientSecret, "not-it", "wrong-secret")
			if c.code == 3 && !strings.HasPrefix(c.name, "bad client") && iw.idpCalls() != before {
				t.Fatalf("a configuration error contacted the IdP")
			}
		})
	}
}

func TestOktaTOTPAndPush(t *testing.T) {
	iw := newOktaWorld(t,
		oktaidp.User{Name: samlUser, Password: oktaPassword, Factors: []oktaidp.Factor{
			{ID: "uft1", Type: "token:software:totp", Provider: "GOOGLE", Code: "424242"},
			{ID: "opf1", Type: "push", Provider: "OKTA", Waits: 1}}},
		oktaidp.User{Name: "reject@example.com", Password: oktaPassword, Factors: []oktaidp.Factor{{ID: "opf2", Type: "push", Provider: "OKTA", Push: oktaidp.Reject}}},
		oktaidp.User{Name: "timeout@example.com", Password: oktaPassword, Factors: []oktaidp.Factor{{ID: "opf3", Type: "push", Provider: "OKTA", Push: oktaidp.Timeout}}},
	)
	iw.samlFile("", oktaPassword)
	// A code given: the TOTP factor is used.
	wantKey(t, iw.ok(nil, "prod", "saml-read", "--token-code", "424242", "-o", "bash"))
	if got := iw.okta.Logins(); len(got) != 1 || got[0].Password != oktaPassword {
		t.Fatalf("authn: %+v", got)
	}
	// Another role of the same assertion: no IdP call, no code.
	calls := iw.idpCalls()
	wantKey(t, iw.ok(nil, "staging", "saml-read", "-o", "bash"))
	if iw.idpCalls() != calls {
		t.Fatal("a role switch called Okta again")
	}
	// Push, approved after a poll.
	r := iw.ok(nil, "--no-cache", "prod", "saml-admin", "--mfa-device", "opf1", "-o", "bash")
	wantKey(t, r)
	if !strings.Contains(r.stderr, "waiting for approval") {
		t.Fatalf("no waiting message: %s", r.stderr)
	}
	// Rejected and timed out.
	r = iw.run(map[string]string{"OKTA_USERNAME": "reject@example.com"}, "--no-cache", "prod", "saml-read")
	wantFailure(t, r, 6, "push was rejected", oktaPassword)
	r = iw.run(map[string]string{"OKTA_USERNAME": "timeout@example.com"}, "--no-cache", "prod", "saml-read")
	wantFailure(t, r, 6, "not answered in time", oktaPassword)
	// A wrong code.
	r = iw.run(nil, "--no-cache", "prod", "saml-read", "--token-code", "000000")
	wantFailure(t, r, 6, "MFA code was refused by Okta", oktaPassword, "000000")
}

func TestOktaErrors(t *testing.T) {
	iw := newOktaWorld(t,
		oktaidp.User{Name: samlUser, Password: oktaPassword},
		oktaidp.User{Name: "locked@example.com", Password: oktaPassword, Locked: true},
		oktaidp.User{Name: "noapp@example.com", Password: oktaPassword, NoApp: true},
		oktaidp.User{Name: "noroles@example.com", Password: oktaPassword, Roles: []saml.Role{}})
	iw.samlFile("", oktaPassword)
	cases := []struct {
		name string
		env  map[string]string
		code int
		want string
	}{
		{"wrong password", map[string]string{"SAML_FILE": iw.write("wrongpw", "password = not-it\n")}, 4, "username or password was refused by Okta"},
		{"locked", map[string]string{"OKTA_USERNAME": "locked@example.com"}, 5, "account is locked"},
		{"app not assigned", map[string]string{"OKTA_USERNAME": "noapp@example.com"}, 5, "not assigned"},
		{"no AWS roles", map[string]string{"OKTA_USERNAME": "noroles@example.com"}, 5, "no AWS role"},
		{"missing app_url", map[string]string{"OKTA_APP_URL": ""}, 3, "needs app_url"},
		{"plain http elsewhere", map[string]string{"OKTA_ORG_URL": "http://acme.okta.example"}, 3, "loopback"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := iw.run(c.env, "--no-cache", "prod", "saml-read", "--debug")
			wantFailure(t, r, c.code, c.want, oktaPassword, "not-it")
		})
	}
}

// Prompts through a real terminal: the username is configured, the password is asked hidden, the
// device is chosen in a list, the code asked; the push waits with a message.
func TestIdPPromptsOnTerminal(t *testing.T) {
	iw := newOneLoginWorld(t, olidp.User{Name: samlUser, Password: olPassword, Devices: []olidp.Device{
		{ID: "1111", Type: "OneLogin Protect", Code: "111111"}, {ID: "2222", Type: "Google Authenticator", Code: "222222"}}})
	s := startPTY(t, iw.world, iw.env, false, "-o", "bash")
	s.expect("OneLogin password for " + samlUser + ": ")
	s.send(olPassword)
	s.expect("2) Google Authenticator (2222)")
	s.expect("Choice [1-2]: ")
	s.send("2")
	s.expect("Enter MFA code for Google Authenticator: ")
	s.send("222222")
	s.expect("3) numeric (333333333333) saml-read")
	s.send("3")
	out, code := s.wait()
	if code != 0 || !strings.Contains(out, "333333333333") {
		t.Fatalf("exit %d, stdout %q, screen:\n%s", code, out, s.Screen())
	}
	if strings.Contains(s.Screen(), olPassword) {
		t.Fatal("the password was echoed")
	}

	ow := newOktaWorld(t, oktaidp.User{Name: samlUser, Password: oktaPassword, Factors: []oktaidp.Factor{{ID: "opf1", Type: "push", Provider: "OKTA", Waits: 1}}})
	s = startPTY(t, ow.world, ow.env, false, "prod", "saml-read", "-o", "bash")
	s.expect("Okta password for " + samlUser + ": ")
	s.send(oktaPassword)
	s.expect("waiting for approval")
	out, code = s.wait()
	if code != 0 || !strings.Contains(out, "AWS_SESSION_TOKEN") || strings.Contains(s.Screen(), oktaPassword) {
		t.Fatalf("exit %d, stdout %q, screen:\n%s", code, out, s.Screen())
	}
}

// --remember-password keeps the password in the cache's keyring backend after a successful sign-in;
// the next sign-in uses it without a prompt; the file backend is refused.
func TestIdPRememberPassword(t *testing.T) {
	iw := newOneLoginWorldValidity(t, 20*time.Second)
	r := iw.run(nil, "--remember-password", "prod", "saml-read")
	wantFailure(t, r, 2, "--remember-password keeps the password in an OS keyring")
	keyring := map[string]string{"ASSUME_ROLE_CACHE_BACKEND": "encrypted-file", "ASSUME_ROLE_CACHE_PASSPHRASE": "cache-passphrase"}
	s := startPTY(t, iw.world, merge(iw.env, keyring), false, "--remember-password", "prod", "saml-read", "-o", "bash")
	s.expect("OneLogin password for " + samlUser + ": ")
	s.send(olPassword)
	if _, code := s.wait(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.Screen())
	}
	// No password on disk in clear.
	_ = filepath.Walk(iw.home, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), olPassword) {
				t.Errorf("the password is in clear in %s", p)
			}
		}
		return nil
	})
	// A role not cached yet, with no terminal: the assertion (valid 20 s here) is not reused, so
	// this signs in again with the remembered password.
	r = iw.run(keyring, "staging", "saml-read", "-o", "bash")
	wantKey(t, r)
	logins := iw.ol.Logins()
	if len(logins) != 2 || logins[1].Password != olPassword {
		t.Fatalf("logins %d, want 2 with the remembered password", len(logins))
	}
}

// A code typed at the terminal that the IdP refuses is asked again.
func TestIdPWrongCodeAskedAgain(t *testing.T) {
	ow := newOktaWorld(t, oktaidp.User{Name: samlUser, Password: oktaPassword, Factors: []oktaidp.Factor{
		{ID: "uft1", Type: "token:software:totp", Provider: "GOOGLE", Code: "424242"}}})
	ow.samlFile("", oktaPassword)
	s := startPTY(t, ow.world, ow.env, false, "prod", "saml-read", "-o", "bash")
	s.expect("Enter MFA code for Google Authenticator code: ")
	s.send("000000")
	s.expect("Okta refused the code; try again")
	s.send("424242")
	out, code := s.wait()
	if code != 0 || !strings.Contains(out, "AWS_SESSION_TOKEN") {
		t.Fatalf("exit %d:\n%s", code, s.Screen())
	}
}

// A remembered password that the IdP refuses (changed elsewhere) is removed from the keyring;
// --debug shows no secret on a successful sign-in either.
func TestIdPRememberedPasswordRefused(t *testing.T) {
	iw := newOneLoginWorldValidity(t, 20*time.Second)
	keyring := map[string]string{"ASSUME_ROLE_CACHE_BACKEND": "encrypted-file", "ASSUME_ROLE_CACHE_PASSPHRASE": "cache-passphrase"}
	s := startPTY(t, iw.world, merge(iw.env, keyring), false, "--remember-password", "--debug", "prod", "saml-read", "-o", "bash")
	s.expect("OneLogin password for " + samlUser + ": ")
	s.send(olPassword)
	if _, code := s.wait(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.Screen())
	}
	for _, secret := range []string{olPassword, olClientSecret} {
		if strings.Contains(s.Screen(), secret) {
			t.Fatalf("--debug showed a secret:\n%s", s.Screen())
		}
	}
	iw.ol.SetPassword(samlUser, "changed-elsewhere")
	r := iw.run(keyring, "staging", "saml-read")
	wantFailure(t, r, 4, "refused the username or password", olPassword)
	if !strings.Contains(r.stderr, "removed from the keyring") {
		t.Fatalf("no word about the removed password: %s", r.stderr)
	}
	// Now it is asked for (no terminal here: a clear error).
	r = iw.run(keyring, "staging", "saml-read")
	wantFailure(t, r, 4, "no OneLogin password", olPassword)
}

// With no username configured, it is asked once and remembered: the next switch, with no
// terminal, finds the cached credentials without any prompt.
func TestIdPUsernameAskedAndRemembered(t *testing.T) {
	iw := newOneLoginWorld(t)
	env := merge(iw.env, map[string]string{"ONELOGIN_USERNAME": ""})
	s := startPTY(t, iw.world, env, false, "prod", "saml-read", "-o", "bash")
	s.expect("OneLogin username: ")
	s.send(samlUser)
	s.expect("OneLogin password for " + samlUser + ": ")
	s.send(olPassword)
	if _, code := s.wait(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, s.Screen())
	}
	calls := iw.idpCalls()
	wantKey(t, iw.ok(map[string]string{"ONELOGIN_USERNAME": ""}, "prod", "saml-read", "-o", "bash"))
	wantKey(t, iw.ok(map[string]string{"ONELOGIN_USERNAME": ""}, "staging", "saml-read", "-o", "bash"))
	if iw.idpCalls() != calls {
		t.Fatal("the remembered sign-in called OneLogin again")
	}
}

// Processes switching to several roles at once, before any sign-in, sign in once: the others wait
// on the assertion's lock and use it.
func TestIdPParallelSwitchesSignInOnce(t *testing.T) {
	iw := newOneLoginWorld(t)
	iw.samlFile(samlUser, olPassword)
	targets := [][]string{{"prod", "saml-read"}, {"prod", "saml-admin"}, {"staging", "saml-read"}, {"prod", "saml-read"}}
	results := make(chan result, len(targets))
	for _, tg := range targets {
		go func() { results <- iw.run(nil, append(tg, "-o", "bash")...) }()
	}
	for range targets {
		if r := <-results; r.code != 0 {
			t.Fatalf("%s", r)
		}
	}
	if n := iw.ol.Calls("/api/2/saml_assertion"); n != 1 {
		t.Fatalf("%d sign-ins, want 1", n)
	}
	if n := iw.count("AssumeRoleWithSAML"); n != 3 {
		t.Fatalf("%d AssumeRoleWithSAML calls, want 3", n)
	}
}
