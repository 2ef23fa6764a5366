package e2e

import (
	"encoding/base64"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/internal/testidp"
	"github.com/assume-role/assume-role/saml"
)

const (
	samlUser     = "dev@example.com"
	samlPassword = "correct horse battery staple"
	oidcSecret   = "emulator-oidc-hs256-secret-not-a-real-key"
	webReadRole  = "arn:aws:iam::222222222222:role/web-read"
)

// fedWorld is a world with a loopback IdP speaking coinbase's contract and the environment of
// coinbase's SAML scheme.
type fedWorld struct {
	*world
	idp    *testidp.IdP
	idpURL string
	saml   map[string]string // the scheme's variables
}

func newFedWorld(t *testing.T, o testidp.Options) *fedWorld {
	t.Helper()
	w := newWorld(t, nil)
	if o.Users == nil {
		o.Users = []testidp.User{{Name: samlUser, Password: samlPassword}}
	}
	if o.Roles == nil {
		o.Roles = append(testidp.EmulatorRoles("222222222222", "saml-read", "saml-admin"), testidp.EmulatorRoles("333333333333", "saml-read")...)
	}
	idp := testidp.New(o)
	srv := httptest.NewServer(idp)
	t.Cleanup(srv.Close)
	fw := &fedWorld{world: w, idp: idp, idpURL: srv.URL + "/api/v1/saml"}
	fw.saml = map[string]string{
		"AWS_ASSUME_ROLE_AUTH_SCHEME": "saml",
		"SAML_IDP_ASSERTION_URL":      fw.idpURL,
		"SAML_IDP_NAME":               "emulator-idp",
		"AWS_REGION":                  "us-east-1",
	}
	fw.samlCredentials(samlUser, samlPassword)
	return fw
}

// samlCredentials writes ~/.saml/credentials (mode 0600); empty values are left out.
func (fw *fedWorld) samlCredentials(user, password string) string {
	var b strings.Builder
	if user != "" {
		b.WriteString("username = " + user + "\n")
	}
	if password != "" {
		b.WriteString("password = " + password + "\n")
	}
	return fw.write(".saml/credentials", b.String())
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// detached runs the binary in a new session (so it has no controlling terminal whatever runs the
// tests) with stdin as given.
func (fw *fedWorld) samlRun(extra map[string]string, args ...string) result {
	fw.t.Helper()
	return fw.detached("", merge(fw.saml, extra), args...)
}

func (fw *fedWorld) samlOK(extra map[string]string, args ...string) result {
	fw.t.Helper()
	r := fw.samlRun(extra, args...)
	if r.code != 0 {
		fw.t.Fatalf("assume-role %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// wantFailure checks the exit code, a one-line error containing want, nothing on stdout, and
// that none of the secrets appear anywhere.
func wantFailure(t *testing.T, r result, code int, want string, secrets ...string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stderr, want) {
		t.Fatalf("want exit %d and %q in stderr, got %s", code, want, r)
	}
	if r.stdout != "" {
		t.Fatalf("a failure printed on stdout: %q", r.stdout)
	}
	if n := strings.Count(r.stderr, "assume-role: error:"); n != 1 {
		t.Fatalf("%d error lines: %s", n, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if !strings.HasPrefix(line, "assume-role: ") {
			t.Fatalf("stray output line %q in %s", line, r.stderr)
		}
	}
	for _, s := range secrets {
		if s != "" && (strings.Contains(r.stderr, s) || strings.Contains(r.stdout, s)) {
			t.Fatalf("secret %q echoed: %s", s, r)
		}
	}
}

func mintAssertion(roles []saml.Role, mod func(*stsemu.SAMLAssertionOptions)) string {
	o := stsemu.SAMLAssertionOptions{Subject: samlUser, RoleSessionName: samlUser, NotOnOrAfter: time.Now().Add(5 * time.Minute)}
	for _, r := range roles {
		o.Roles = append(o.Roles, r.RoleARN+","+r.PrincipalARN)
	}
	if mod != nil {
		mod(&o)
	}
	return stsemu.MintSAMLAssertion(o)
}

func TestSAMLIdPSignInAndCache(t *testing.T) {
	fw := newFedWorld(t, testidp.Options{})
	r := fw.samlOK(nil, "prod", "saml-read", "-o", "bash")
	env := exportsOf(t, fw.world, r.stdout)
	if env["AWS_ACCOUNT_ID"] != "222222222222" || env["AWS_ACCOUNT_NAME"] != "prod" || env["AWS_ACCOUNT_ROLE"] != "saml-read" ||
		env["AWS_REGION"] != "us-east-1" || !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"], "ASIA") || env["AWS_SESSION_TOKEN"] == "" {
		t.Fatalf("exports: %v", env)
	}
	call := fw.lastCall("AssumeRoleWithSAML")
	if call.ErrorCode != "" || call.Params["RoleArn"] != "arn:aws:iam::222222222222:role/saml-read" ||
		call.Params["PrincipalArn"] != "arn:aws:iam::222222222222:saml-provider/emulator-idp" || call.Params["DurationSeconds"] != "3600" {
		t.Fatalf("AssumeRoleWithSAML call: %+v", call)
	}
	if strings.Contains(r.stderr, samlPassword) || strings.Contains(r.stdout, samlPassword) {
		t.Fatalf("password echoed: %s", r)
	}
	logins := fw.idp.Logins()
	if len(logins) != 1 || logins[0].User != samlUser || logins[0].Password != samlPassword {
		t.Fatalf("IdP logins: %+v", logins)
	}

	// The second switch is served from the cache: neither the IdP nor STS is contacted.
	r2 := fw.samlOK(nil, "prod", "saml-read", "-o", "bash")
	if got := exportsOf(t, fw.world, r2.stdout); got["AWS_ACCESS_KEY_ID"] != env["AWS_ACCESS_KEY_ID"] {
		t.Fatalf("second call not served from the cache: %s vs %s", got["AWS_ACCESS_KEY_ID"], env["AWS_ACCESS_KEY_ID"])
	}
	if n := fw.idp.Requests(); n != 1 {
		t.Fatalf("the IdP was called %d times", n)
	}
	if n := fw.count("AssumeRoleWithSAML"); n != 1 {
		t.Fatalf("AssumeRoleWithSAML called %d times", n)
	}
	// Not even a password is needed for a cached role.
	fw.samlCredentials(samlUser, "")
	fw.samlOK(nil, "prod", "saml-read", "-o", "json")
	if n := fw.idp.Requests(); n != 1 {
		t.Fatalf("the IdP was called %d times", n)
	}
	// Another role, or --refresh, signs in again.
	fw.samlCredentials(samlUser, samlPassword)
	fw.samlOK(nil, "staging", "saml-read", "-o", "json")
	fw.samlOK(nil, "prod", "saml-read", "-o", "json", "--refresh")
	if n := fw.idp.Requests(); n != 3 {
		t.Fatalf("the IdP was called %d times, want 3", n)
	}
	if got := fw.lastCall("AssumeRoleWithSAML").Params["PrincipalArn"]; got != "arn:aws:iam::222222222222:saml-provider/emulator-idp" {
		t.Fatalf("principal %q", got)
	}
}

func TestSAMLPasswordsArriveExactly(t *testing.T) {
	passwords := []string{
		`pa"ss"word`,
		`back\slash\\ and \"escaped\" \u0041`,
		`$saml_user ${saml_user} $saml_password`,
		`ünïcødé пароль 密码 🔑`,
		`x", "password": "injected`,
		"#not-a-comment;=",
	}
	users := []testidp.User{}
	for i, p := range passwords {
		users = append(users, testidp.User{Name: "user" + string(rune('a'+i)) + `"\ü`, Password: p})
	}
	fw := newFedWorld(t, testidp.Options{Users: users})
	for i, u := range users {
		fw.samlCredentials(u.Name, u.Password)
		extra := map[string]string{}
		if i%2 == 1 {
			extra["SAML_IDP_REQUEST_BODY_TEMPLATE"] = `{"username": "$saml_user", "password": "$saml_password", "service": "aws"}`
		}
		r := fw.samlRun(extra, "prod", "saml-read", "--no-cache", "-o", "json")
		if r.code != 0 {
			t.Fatalf("password %q: %s", u.Password, r)
		}
		logins := fw.idp.Logins()
		last := logins[len(logins)-1]
		if last.User != u.Name || last.Password != u.Password || !last.OK {
			t.Fatalf("IdP received user %q password %q, want %q %q (body %s)", last.User, last.Password, u.Name, u.Password, last.Body)
		}
		if strings.Contains(r.stderr, u.Password) {
			t.Fatalf("password echoed: %s", r)
		}
	}
}

func TestSAMLPasswordPrompt(t *testing.T) {
	fw := newFedWorld(t, testidp.Options{})
	fw.samlCredentials(samlUser, "")
	s := startPTY(t, fw.world, fw.saml, false, "prod", "saml-read", "-o", "bash")
	s.expect("SAML password: ")
	s.send(samlPassword)
	out, code := s.wait()
	if code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, s.Screen())
	}
	if strings.Contains(s.Screen(), samlPassword) || strings.Contains(s.Screen(), "SAML username") {
		t.Fatalf("the password was echoed or the username asked; screen:\n%s", s.Screen())
	}
	if env := exportsOf(t, fw.world, out); env["AWS_ACCOUNT_ROLE"] != "saml-read" {
		t.Fatalf("exports: %v", env)
	}
	if l := fw.idp.Logins(); len(l) != 1 || l[0].Password != samlPassword || l[0].User != samlUser {
		t.Fatalf("IdP logins: %+v", l)
	}

	// No credentials file at all: both are asked; the user name is visible, the password not.
	if err := os.Remove(filepath.Join(fw.home, ".saml", "credentials")); err != nil {
		t.Fatal(err)
	}
	s = startPTY(t, fw.world, fw.saml, false, "staging", "saml-read", "-o", "bash")
	s.expect("SAML username: ")
	s.send(samlUser)
	s.expect("SAML password: ")
	s.send(samlPassword)
	if _, code := s.wait(); code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, s.Screen())
	}
	if !strings.Contains(s.Screen(), samlUser) || strings.Contains(s.Screen(), samlPassword) {
		t.Fatalf("screen:\n%s", s.Screen())
	}

	// Without a terminal the missing password is an error, not a hang.
	r := fw.samlRun(nil, "prod", "saml-admin")
	wantFailure(t, r, 4, "no terminal to ask on")
	if n := fw.idp.Requests(); n != 2 {
		t.Fatalf("IdP requests %d", n)
	}
}

func TestSAMLIdPFailures(t *testing.T) {
	fw := newFedWorld(t, testidp.Options{})
	fw.samlCredentials(samlUser, "wrong-"+samlPassword)
	wantFailure(t, fw.samlRun(nil, "prod", "saml-read"), 4, "the IdP rejected the sign-in (401)", "wrong-"+samlPassword)
	fw.samlCredentials(samlUser, samlPassword)

	fw.idp.SetMode(testidp.ServerError)
	wantFailure(t, fw.samlRun(nil, "prod", "saml-read"), 8, "answered 500", samlPassword)
	fw.idp.SetMode(testidp.NoSAMLResponse)
	wantFailure(t, fw.samlRun(nil, "prod", "saml-read"), 3, "no saml_response", samlPassword)
	fw.idp.SetMode(testidp.ExpiredAssertion)
	wantFailure(t, fw.samlRun(nil, "prod", "saml-read"), 4, "the SAML assertion expired at", samlPassword)
	fw.idp.SetMode(testidp.Normal)

	// The IdP is down: nothing listens on the port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/saml"
	l.Close()
	r := fw.samlRun(map[string]string{"SAML_IDP_ASSERTION_URL": closed}, "prod", "saml-read")
	wantFailure(t, r, 8, "contacting the IdP at "+closed, samlPassword)

	// A role the IdP does not grant.
	wantFailure(t, fw.samlRun(nil, "prod", "read"), 5, "the SAML assertion does not grant arn:aws:iam::222222222222:role/read")

	if n := len(fw.calls()); n != 0 {
		t.Fatalf("failed sign-ins reached STS: %v", fw.calls())
	}
	if n := fw.idp.Requests(); n != 5 {
		t.Fatalf("IdP requests %d, want 5", n)
	}
}

func TestSAMLConfigurationErrors(t *testing.T) {
	fw := newFedWorld(t, testidp.Options{})
	wantFailure(t, fw.samlRun(map[string]string{"SAML_IDP_NAME": ""}, "prod", "saml-read"), 3, "needs SAML_IDP_NAME")
	wantFailure(t, fw.samlRun(map[string]string{"SAML_IDP_ASSERTION_URL": ""}, "prod", "saml-read"), 3, "needs SAML_IDP_ASSERTION_URL")
	wantFailure(t, fw.samlRun(nil, "prod", "saml-read", "123456"), 2, "SAML sign-in takes no MFA code")
	wantFailure(t, fw.samlRun(map[string]string{"SAML_FILE": filepath.Join(fw.home, "missing")}, "prod", "saml-read"), 3, "does not exist")
	if fw.idp.Requests() != 0 || len(fw.calls()) != 0 {
		t.Fatalf("bad configuration reached the network")
	}
	// A credentials file readable by others works, with a warning.
	p := fw.samlCredentials(samlUser, samlPassword)
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	r := fw.samlOK(nil, "prod", "saml-read", "-o", "json")
	if !strings.Contains(r.stderr, "readable by other users") || !strings.Contains(r.stderr, "chmod 600") {
		t.Fatalf("no permission warning: %s", r)
	}
}

func TestSAMLInsecureIdP(t *testing.T) {
	fw := newFedWorld(t, testidp.Options{})
	insecure := map[string]string{"SAML_IDP_ASSERTION_URL": "http://idp.invalid/saml"}
	r := fw.samlRun(insecure, "prod", "saml-read")
	wantFailure(t, r, 3, "refusing to send the password over plain http", samlPassword)
	if !strings.Contains(r.stderr, "--allow-insecure-idp") {
		t.Fatalf("no hint: %s", r)
	}
	// Refused before asking for a password, too.
	fw.samlCredentials(samlUser, "")
	s := startPTY(t, fw.world, merge(fw.saml, insecure), false, "prod", "saml-read")
	if _, code := s.wait(); code != 3 || strings.Contains(s.Screen(), "SAML password") {
		t.Fatalf("exit %d; screen:\n%s", code, s.Screen())
	}
	fw.samlCredentials(samlUser, samlPassword)
	// Allowed, it then fails to connect: a network error, not the refusal.
	r = fw.samlRun(insecure, "prod", "saml-read", "--allow-insecure-idp")
	wantFailure(t, r, 8, "contacting the IdP at http://idp.invalid/saml", samlPassword)
	if strings.Contains(r.stderr, "refusing") {
		t.Fatalf("refused although allowed: %s", r)
	}
}

func TestSAMLAssertionFileAndStdin(t *testing.T) {
	w := newWorld(t, nil)
	roles := testidp.EmulatorRoles("333333333333", "saml-read")
	b64 := mintAssertion(roles, nil)
	file := w.write("assertion.b64", b64+"\n")
	r := w.detached("", nil, "--saml-assertion", file, "-o", "json", "--region", "eu-west-1")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	var out struct {
		Credentials     struct{ AccessKeyId string }
		AssumedRoleUser struct{ Arn string }
	}
	decodeJSON(t, r.stdout, &out)
	if out.AssumedRoleUser.Arn != "arn:aws:sts::333333333333:assumed-role/saml-read/"+samlUser || !strings.HasPrefix(out.Credentials.AccessKeyId, "ASIA") {
		t.Fatalf("output: %s", r.stdout)
	}
	c := w.lastCall("AssumeRoleWithSAML")
	if c.Params["PrincipalArn"] != roles[0].PrincipalARN || c.Params["RoleArn"] != roles[0].RoleARN {
		t.Fatalf("call: %+v", c)
	}
	if strings.Contains(r.stderr, b64[:40]) {
		t.Fatalf("assertion echoed: %s", r.stderr)
	}
	// The same assertion again is served from the cache.
	w.detached("", nil, "--saml-assertion", file, "-o", "json", "--region", "eu-west-1")
	if n := w.count("AssumeRoleWithSAML"); n != 1 {
		t.Fatalf("AssumeRoleWithSAML called %d times", n)
	}

	// Raw XML on stdin, provider ARN first in the Role value, policies passed on.
	xmlDoc, err := base64.StdEncoding.DecodeString(mintAssertion(nil, func(o *stsemu.SAMLAssertionOptions) {
		o.Roles = []string{roles[0].PrincipalARN + "," + roles[0].RoleARN}
	}))
	if err != nil {
		t.Fatal(err)
	}
	r = w.detached(string(xmlDoc), nil, "--saml-assertion", "-", "-o", "bash", "--region", "eu-west-1",
		"--policy-arns", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	if env := exportsOf(t, w, r.stdout); env["AWS_ACCOUNT_ID"] != "333333333333" || env["AWS_ACCOUNT_ROLE"] != "saml-read" {
		t.Fatalf("exports: %v", env)
	}
	c = w.lastCall("AssumeRoleWithSAML")
	if c.ErrorCode != "" || c.Params["PolicyArns.member.1.arn"] != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Fatalf("call: %+v", c)
	}
	wantFailure(t, w.detached("", nil, "--saml-assertion", "-"), 2, "is empty")
	wantFailure(t, w.detached("not an assertion", nil, "--saml-assertion", "-"), 2, "the SAML assertion is unusable")
}

func TestSAMLSeveralRoles(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/accounts", `{"prod": "222222222222", "staging": 333333333333}`)
	roles := append(testidp.EmulatorRoles("222222222222", "saml-read", "saml-admin"), testidp.EmulatorRoles("333333333333", "saml-read")...)
	file := w.write("assertion.b64", mintAssertion(roles, nil))
	region := map[string]string{"AWS_REGION": "us-east-1"}

	r := w.detached("", region, "prod", "saml-admin", "--saml-assertion", file, "-o", "json")
	if r.code != 0 || w.lastCall("AssumeRoleWithSAML").Params["RoleArn"] != roles[1].RoleARN {
		t.Fatalf("ROLE did not choose: %s", r)
	}
	r = w.detached("", region, "saml-admin", "--saml-assertion", file, "-o", "json")
	if r.code != 0 || w.lastCall("AssumeRoleWithSAML").Params["RoleArn"] != roles[1].RoleARN {
		t.Fatalf("a bare ROLE name did not choose: %s", r)
	}
	r = w.detached("", region, "-R", roles[2].RoleARN, "--saml-assertion", file, "-o", "json")
	if r.code != 0 || w.lastCall("AssumeRoleWithSAML").Params["RoleArn"] != roles[2].RoleARN {
		t.Fatalf("-R did not choose: %s", r)
	}
	before := len(w.calls())
	r = w.detached("", region, "--saml-assertion", file)
	wantFailure(t, r, 2, "the SAML assertion grants 3 roles")
	for _, role := range roles {
		if !strings.Contains(r.stderr, role.RoleARN) {
			t.Fatalf("role %s not listed: %s", role.RoleARN, r.stderr)
		}
	}
	r = w.detached("", region, "prod", "read", "--saml-assertion", file)
	wantFailure(t, r, 5, "the SAML assertion does not grant arn:aws:iam::222222222222:role/read; it grants: "+roles[0].RoleARN)
	if len(w.calls()) != before {
		t.Fatalf("a failed choice reached STS: %v", w.calls())
	}

	// On a terminal, a picker shows the roles with the account aliases.
	s := startPTY(t, w, region, false, "--saml-assertion", file, "-o", "bash")
	s.expect("1) prod (222222222222) saml-read")
	s.expect("2) prod (222222222222) saml-admin")
	s.expect("3) staging (333333333333) saml-read")
	s.expect("Choice [1-3]: ")
	s.send("3")
	out, code := s.wait()
	if code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, s.Screen())
	}
	if env := exportsOf(t, w, out); env["AWS_ACCOUNT_ID"] != "333333333333" || env["AWS_ACCOUNT_ROLE"] != "saml-read" || env["AWS_ACCOUNT_NAME"] != "staging" {
		t.Fatalf("exports: %v", env)
	}
	if got := w.lastCall("AssumeRoleWithSAML").Params["RoleArn"]; got != roles[2].RoleARN {
		t.Fatalf("picked %s", got)
	}
}

func TestSAMLExpiredAssertion(t *testing.T) {
	w := newWorld(t, nil)
	file := w.write("expired.b64", mintAssertion(testidp.EmulatorRoles("222222222222", "saml-read"), func(o *stsemu.SAMLAssertionOptions) {
		o.NotOnOrAfter = time.Now().Add(-time.Minute)
	}))
	r := w.detached("", map[string]string{"AWS_REGION": "us-east-1"}, "--saml-assertion", file)
	wantFailure(t, r, 4, "the SAML assertion expired at")
	if !strings.Contains(r.stderr, "sign in again") || len(w.calls()) != 0 {
		t.Fatalf("%s\ncalls %v", r, w.calls())
	}
}

func TestSAMLSessionDurationCapsT(t *testing.T) {
	w := newWorld(t, nil)
	file := w.write("a.b64", mintAssertion(testidp.EmulatorRoles("222222222222", "saml-read"), func(o *stsemu.SAMLAssertionOptions) {
		o.SessionDuration = 1800
	}))
	region := map[string]string{"AWS_REGION": "us-east-1"}
	r := w.detached("", region, "--saml-assertion", file, "-T", "7200", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stderr, "at most 1800 s") {
		t.Fatalf("%s", r)
	}
	if got := w.lastCall("AssumeRoleWithSAML").Params["DurationSeconds"]; got != "1800" {
		t.Fatalf("DurationSeconds %s", got)
	}
	r = w.detached("", region, "--saml-assertion", file, "-T", "900", "-o", "json", "--no-cache")
	if r.code != 0 || strings.Contains(r.stderr, "warning") || w.lastCall("AssumeRoleWithSAML").Params["DurationSeconds"] != "900" {
		t.Fatalf("%s %v", r, w.lastCall("AssumeRoleWithSAML").Params)
	}
	// Through the IdP (coinbase's scheme) too.
	fw := newFedWorld(t, testidp.Options{SessionDuration: 1200})
	r = fw.samlOK(nil, "prod", "saml-read", "-T", "3600", "-o", "json")
	if got := fw.lastCall("AssumeRoleWithSAML").Params["DurationSeconds"]; got != "1200" || !strings.Contains(r.stderr, "at most 1200 s") {
		t.Fatalf("DurationSeconds %s; %s", got, r)
	}
}

func webToken(t *testing.T, w *world, claims map[string]any) string {
	t.Helper()
	c := map[string]any{"iss": "https://oidc.emulator.example", "aud": "emulator-client",
		"sub": "repo:assume-role/assume-role:ref:refs/heads/main", "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		c[k] = v
	}
	f, err := os.CreateTemp(w.home, "token-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(stsemu.MintWebIdentityToken(oidcSecret, c) + "\n"); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

func TestOIDCWebIdentityTokenFile(t *testing.T) {
	w := newWorld(t, nil)
	file := webToken(t, w, nil)
	region := map[string]string{"AWS_REGION": "us-east-1"}
	r := w.detached("", region, "--web-identity-token-file", file, "-R", webReadRole, "-o", "bash")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	env := exportsOf(t, w, r.stdout)
	if env["AWS_ACCOUNT_ID"] != "222222222222" || env["AWS_ACCOUNT_ROLE"] != "web-read" || !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"], "ASIA") {
		t.Fatalf("exports: %v", env)
	}
	c := w.lastCall("AssumeRoleWithWebIdentity")
	if c.ErrorCode != "" || c.Params["RoleArn"] != webReadRole || c.Params["DurationSeconds"] != "3600" ||
		c.Params["RoleSessionName"] != "repo-assume-role-assume-role-ref-refs-heads-main" {
		t.Fatalf("call: %+v", c)
	}
	// Cached under the token: the same token is not sent again.
	w.detached("", region, "--web-identity-token-file", file, "-R", webReadRole, "-o", "json")
	if n := w.count("AssumeRoleWithWebIdentity"); n != 1 {
		t.Fatalf("AssumeRoleWithWebIdentity called %d times", n)
	}
	// Session name and duration flags apply.
	r = w.detached("", region, "--web-identity-token-file", file, "-R", webReadRole, "--role-session-name", "ci-job", "-T", "900", "-o", "json")
	if c := w.lastCall("AssumeRoleWithWebIdentity"); r.code != 0 || c.Params["RoleSessionName"] != "ci-job" || c.Params["DurationSeconds"] != "900" {
		t.Fatalf("%s %v", r, c.Params)
	}
}

func TestOIDCWebIdentityFromEnvironment(t *testing.T) {
	w := newWorld(t, nil)
	file := webToken(t, w, nil)
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_WEB_IDENTITY_TOKEN_FILE": file, "AWS_ROLE_ARN": webReadRole,
		"AWS_ROLE_SESSION_NAME": "from-env"}
	r := w.detached("", env, "-o", "json")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	c := w.lastCall("AssumeRoleWithWebIdentity")
	if c.Params["RoleArn"] != webReadRole || c.Params["RoleSessionName"] != "from-env" {
		t.Fatalf("call: %+v", c)
	}
	if n := w.count("AssumeRole"); n != 0 {
		t.Fatalf("AssumeRole called %d times", n)
	}
}

func TestOIDCWebIdentityProfile(t *testing.T) {
	w := newWorld(t, nil)
	file := webToken(t, w, nil)
	w.write(".aws/config", "[profile web]\nregion = eu-west-1\nrole_arn = "+webReadRole+"\nweb_identity_token_file = "+file+"\nrole_session_name = profile-web\n")
	r := w.detached("", nil, "-p", "web", "-o", "bash")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	env := exportsOf(t, w, r.stdout)
	if !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"], "ASIA") || env["AWS_SESSION_TOKEN"] == "" {
		t.Fatalf("exports: %v", env)
	}
	c := w.lastCall("AssumeRoleWithWebIdentity")
	if c.ErrorCode != "" || c.Params["RoleArn"] != webReadRole {
		t.Fatalf("call: %+v", c)
	}
}

func TestOIDCBadTokens(t *testing.T) {
	w := newWorld(t, nil)
	region := map[string]string{"AWS_REGION": "us-east-1"}
	badAud := webToken(t, w, map[string]any{"aud": "someone-else"})
	tok, err := os.ReadFile(badAud)
	if err != nil {
		t.Fatal(err)
	}
	r := w.detached("", region, "--web-identity-token-file", badAud, "-R", webReadRole)
	wantFailure(t, r, 5, "the web identity token was refused: Incorrect token audience", string(tok))
	expired := webToken(t, w, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	wantFailure(t, w.detached("", region, "--web-identity-token-file", expired, "-R", webReadRole), 4, "the web identity token has expired")
	wrongSub := webToken(t, w, map[string]any{"sub": "repo:someone/else"})
	wantFailure(t, w.detached("", region, "--web-identity-token-file", wrongSub, "-R", webReadRole), 5, "may not assume "+webReadRole)
	wantFailure(t, w.detached("", region, "--web-identity-token-file", filepath.Join(w.home, "nope"), "-R", webReadRole), 4, "cannot read the web identity token file")
	wantFailure(t, w.detached("", region, "--web-identity-token-file", badAud), 2, "web identity sign-in needs a role")
	wantFailure(t, w.detached("", region, "--web-identity-token-file", badAud, "-R", webReadRole, "-I", "ext-123"), 2, "--external-id cannot be used with web identity sign-in")
}
