package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/internal/stsemu/stsemutest"
	"github.com/assume-role/assume-role/internal/testidp"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/saml"
	"github.com/aws/smithy-go"
)

// fakePrompter answers Choose with pick and records what it was shown.
type fakePrompter struct {
	interactive bool
	pick        int
	labels      []string
}

func (f *fakePrompter) CanPrompt() bool                    { return f.interactive }
func (f *fakePrompter) Ask(string, string) (string, error) { return "", errors.New("unexpected Ask") }
func (f *fakePrompter) Secret(string) (string, error)      { return "", errors.New("unexpected Secret") }
func (f *fakePrompter) Choose(_ string, options []string) (int, error) {
	f.labels = options
	return f.pick, nil
}

type fedEnv struct {
	emu    *stsemu.Server
	idp    *testidp.IdP
	idpURL string
	warn   bytes.Buffer
	cache  *cache.Cache
	env    map[string]string
}

func newFedEnv(t *testing.T) *fedEnv {
	t.Helper()
	srv, emuURL := stsemutest.Start(t, nil)
	f := &fedEnv{emu: srv}
	f.idp = testidp.New(testidp.Options{
		Users: []testidp.User{{Name: "dev", Password: "pw"}},
		Roles: append(testidp.EmulatorRoles("222222222222", "saml-read", "saml-admin"), testidp.EmulatorRoles("333333333333", "saml-read")...),
	})
	idp := httptest.NewServer(f.idp)
	t.Cleanup(idp.Close)
	f.idpURL = idp.URL
	home := t.TempDir()
	// The SDK reads its endpoint settings from the process environment.
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_STS": emuURL, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
	} {
		t.Setenv(k, v)
	}
	f.env = map[string]string{"HOME": home, "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials")}
	c, err := cache.Open(cache.Options{Backend: cache.BackendFile, Dir: filepath.Join(home, "cache")})
	if err != nil {
		t.Fatal(err)
	}
	f.cache = c
	return f
}

func (f *fedEnv) engine(p Prompter) *Engine {
	return New(Options{Getenv: func(k string) string { return f.env[k] }, Cache: f.cache, Prompter: p, Warn: &f.warn})
}

func (f *fedEnv) count(action string) int {
	n := 0
	for _, e := range f.emu.Log() {
		if e.Action == action && e.ErrorCode == "" {
			n++
		}
	}
	return n
}

func TestSAMLCoinbaseCacheSkipsIdP(t *testing.T) {
	f := newFedEnv(t)
	asked := 0
	src := func() *SAMLSource {
		return &SAMLSource{IdPURL: f.idpURL, IdPName: "emulator-idp", Username: "dev",
			Credentials: func() (string, string, error) { asked++; return "dev", "pw", nil }}
	}
	req := Request{RoleARN: "arn:aws:iam::222222222222:role/saml-admin", Scheme: "saml"}
	req.SAML = src()
	r, err := f.engine(nil).Assume(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Cached || r.AccountID != "222222222222" || r.RoleName != "saml-admin" || r.Region != "us-east-1" ||
		r.AssumedRoleARN != "arn:aws:sts::222222222222:assumed-role/saml-admin/dev" || r.SessionName != "dev" || !r.Credentials.CanExpire {
		t.Fatalf("result = %+v", r)
	}
	req.SAML = src()
	r2, err := f.engine(nil).Assume(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Cached || r2.Credentials.AccessKeyID != r.Credentials.AccessKeyID {
		t.Fatalf("second result not cached: %+v", r2)
	}
	if asked != 1 || f.idp.Requests() != 1 || f.count("AssumeRoleWithSAML") != 1 {
		t.Fatalf("password asked %d times, IdP called %d times, STS %d times", asked, f.idp.Requests(), f.count("AssumeRoleWithSAML"))
	}
	// Another user at the same IdP does not share the entry.
	req.SAML = src()
	req.SAML.Username = "other"
	if _, err := f.engine(nil).Assume(context.Background(), req); err == nil || problem.As(err).Kind != problem.NoCredentials {
		t.Fatalf("other user: %v", err)
	}
}

func TestSAMLPickerAndChoice(t *testing.T) {
	f := newFedEnv(t)
	p := &fakePrompter{interactive: true, pick: 2}
	names := map[string]string{"222222222222": "prod"}
	src := &SAMLSource{IdPURL: f.idpURL, IdPName: "emulator-idp", Username: "dev", Password: "pw", AccountNames: names}
	r, err := f.engine(p).Assume(context.Background(), Request{SAML: src})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"prod (222222222222) saml-read", "prod (222222222222) saml-admin", "333333333333 saml-read"}
	if fmt.Sprint(p.labels) != fmt.Sprint(want) {
		t.Fatalf("labels %q, want %q", p.labels, want)
	}
	if r.RoleARN != "arn:aws:iam::333333333333:role/saml-read" || r.AccountID != "333333333333" {
		t.Fatalf("result = %+v", r)
	}
	// Not interactive: the roles are listed in the error.
	_, err = f.engine(nil).Assume(context.Background(), Request{SAML: src, NoCache: true})
	if pr := problem.As(err); pr == nil || pr.Kind != problem.Usage || !strings.Contains(pr.Msg, "arn:aws:iam::222222222222:role/saml-admin") {
		t.Fatalf("non-interactive: %v", err)
	}
	// A role the assertion does not grant.
	_, err = f.engine(nil).Assume(context.Background(), Request{SAML: src, RoleARN: "arn:aws:iam::222222222222:role/read", NoCache: true})
	if pr := problem.As(err); pr == nil || pr.Kind != problem.AccessDenied || !strings.Contains(pr.Msg, "does not grant arn:aws:iam::222222222222:role/read") {
		t.Fatalf("not granted: %v", err)
	}
}

func TestSAMLGivenAssertion(t *testing.T) {
	f := newFedEnv(t)
	role := testidp.EmulatorRoles("222222222222", "saml-read")[0]
	assertion := stsemu.MintSAMLAssertion(stsemu.SAMLAssertionOptions{Roles: []string{role.PrincipalARN + "," + role.RoleARN},
		RoleSessionName: "given", SessionDuration: 1000, NotOnOrAfter: time.Now().Add(time.Minute)})
	e := f.engine(nil)
	r, err := e.Assume(context.Background(), Request{SAML: &SAMLSource{Assertion: []byte(assertion)}, DurationSeconds: 3600})
	if err != nil {
		t.Fatal(err)
	}
	if r.RoleARN != role.RoleARN || !strings.Contains(f.warn.String(), "at most 1000 s") {
		t.Fatalf("result %+v, warnings %q", r, f.warn.String())
	}
	if got := f.emu.Log()[len(f.emu.Log())-1].Params["DurationSeconds"]; got != "1000" {
		t.Fatalf("DurationSeconds %s", got)
	}
	// Expired: refused locally.
	expired := stsemu.MintSAMLAssertion(stsemu.SAMLAssertionOptions{Roles: []string{role.RoleARN + "," + role.PrincipalARN},
		RoleSessionName: "given", NotOnOrAfter: time.Now().Add(-time.Second)})
	before := len(f.emu.Log())
	_, err = e.Assume(context.Background(), Request{SAML: &SAMLSource{Assertion: []byte(expired)}})
	if pr := problem.As(err); pr == nil || !strings.Contains(pr.Msg, "expired") || len(f.emu.Log()) != before {
		t.Fatalf("expired: %v", err)
	}
	// Options STS does not take with SAML are refused.
	for _, req := range []Request{
		{ExternalID: "ext-123"}, {SessionName: "x1"}, {TokenCode: "123456"}, {Profile: "p"}, {SourceIdentity: "me"},
		{WebIdentityTokenFile: "/t"},
	} {
		req.SAML = &SAMLSource{Assertion: []byte(assertion)}
		if _, err := e.Assume(context.Background(), req); problem.As(err) == nil || problem.As(err).Kind != problem.Usage {
			t.Errorf("%+v: %v", req, err)
		}
	}
}

func TestWebIdentity(t *testing.T) {
	f := newFedEnv(t)
	dir := t.TempDir()
	tok := stsemu.MintWebIdentityToken("emulator-oidc-hs256-secret-not-a-real-key", map[string]any{
		"iss": "https://oidc.emulator.example", "aud": "emulator-client", "sub": "repo:assume-role/x", "exp": time.Now().Add(time.Hour).Unix()})
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	req := Request{WebIdentityTokenFile: file, RoleARN: "arn:aws:iam::222222222222:role/web-read"}
	r, err := f.engine(nil).Assume(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r.SessionName != "repo-assume-role-x" || r.RoleName != "web-read" {
		t.Fatalf("result %+v", r)
	}
	if r2, err := f.engine(nil).Assume(context.Background(), req); err != nil || !r2.Cached {
		t.Fatalf("not cached: %+v %v", r2, err)
	}
	// A new token in the file is a new sign-in.
	tok2 := stsemu.MintWebIdentityToken("emulator-oidc-hs256-secret-not-a-real-key", map[string]any{
		"iss": "https://oidc.emulator.example", "aud": "emulator-client", "sub": "repo:assume-role/y", "exp": time.Now().Add(time.Hour).Unix()})
	if err := os.WriteFile(file, []byte(tok2), 0o600); err != nil {
		t.Fatal(err)
	}
	if r3, err := f.engine(nil).Assume(context.Background(), req); err != nil || r3.Cached {
		t.Fatalf("rotated token served from the cache: %+v %v", r3, err)
	}
	f.env["AWS_ROLE_SESSION_NAME"] = "bad name"
	req.NoCache = true
	if _, err := f.engine(nil).Assume(context.Background(), req); problem.As(err) == nil || problem.As(err).Kind != problem.Usage {
		t.Fatalf("bad AWS_ROLE_SESSION_NAME: %v", err)
	}
	delete(f.env, "AWS_ROLE_SESSION_NAME")
	if _, err := f.engine(nil).Assume(context.Background(), Request{WebIdentityTokenFile: file}); problem.As(err) == nil || problem.As(err).Kind != problem.Usage {
		t.Fatalf("no role: %v", err)
	}
}

func TestCheckIdPTransport(t *testing.T) {
	for _, c := range []struct {
		url   string
		allow bool
		ok    bool
	}{
		{"https://idp.example.com/saml", false, true},
		{"http://127.0.0.1:8080/saml", false, true},
		{"http://localhost/saml", false, true},
		{"http://[::1]:9/saml", false, true},
		{"http://idp.example.com/saml", false, false},
		{"http://idp.example.com/saml", true, true},
		{"ftp://idp.example.com/saml", true, false},
		{"idp.example.com/saml", false, false},
	} {
		err := checkIdPTransport(c.url, c.allow)
		if (err == nil) != c.ok {
			t.Errorf("%s allow=%v: %v", c.url, c.allow, err)
		}
		if err != nil && !c.ok && strings.HasPrefix(c.url, "http://") && !errors.Is(err, saml.ErrInsecureIdP) {
			t.Errorf("%s: not ErrInsecureIdP: %v", c.url, err)
		}
	}
}

func TestIdPProblemKinds(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		err  error
		kind problem.Kind
	}{
		{fmt.Errorf("%w (401): check your username and password", saml.ErrIdPRejected), problem.NoCredentials},
		{fmt.Errorf("contacting the IdP at http://x/: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), problem.Network},
		{errors.New("the IdP at https://x/ answered 500 Internal Server Error"), problem.Network},
		{errors.New("the IdP's response has no saml_response (from https://x/)"), problem.Config},
		{fmt.Errorf("refusing the IdP's redirect: %w", saml.ErrInsecureIdP), problem.Config},
	}
	for _, c := range cases {
		if p := idpProblem(ctx, c.err); p.Kind != c.kind || strings.Contains(p.Msg, "\n") {
			t.Errorf("%v: kind %v, want %v", c.err, p.Kind, c.kind)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if p := idpProblem(cctx, context.Canceled); p.Kind != problem.Interrupted {
		t.Errorf("cancelled: %v", p.Kind)
	}
}

func TestExplainFederated(t *testing.T) {
	e := New(Options{})
	api := func(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }
	cases := []struct {
		err  error
		op   string
		kind problem.Kind
		want string
	}{
		{api("ExpiredTokenException", "Token must not be expired"), "AssumeRoleWithSAML", problem.NoCredentials, "the SAML assertion has expired"},
		{api("ExpiredTokenException", "Token expired"), "AssumeRoleWithWebIdentity", problem.NoCredentials, "the web identity token has expired"},
		{api("AccessDenied", "Not authorized"), "AssumeRoleWithSAML", problem.AccessDenied, "P may not assume R"},
		{api("InvalidIdentityToken", "Incorrect token audience"), "AssumeRoleWithWebIdentity", problem.AccessDenied, "refused: Incorrect token audience"},
		{api("IDPCommunicationError", "down"), "AssumeRoleWithWebIdentity", problem.Network, "could not reach"},
	}
	for _, c := range cases {
		p := e.explain(c.err, callInfo{op: c.op, role: "R", caller: map[bool]string{true: "P"}[c.op == "AssumeRoleWithSAML"]})
		if p.Kind != c.kind || !strings.Contains(p.Msg, c.want) || p.Hint == "" {
			t.Errorf("%s %v: %v %q (hint %q)", c.op, c.err, p.Kind, p.Msg, p.Hint)
		}
	}
}

func TestRoleLabel(t *testing.T) {
	names := map[string]string{"222222222222": "prod"}
	for arn, want := range map[string]string{
		"arn:aws:iam::222222222222:role/saml-read":  "prod (222222222222) saml-read",
		"arn:aws:iam::333333333333:role/ops/deploy": "333333333333 ops/deploy",
		"not-an-arn": "not-an-arn",
	} {
		if got := roleLabel(arn, names); got != want {
			t.Errorf("%s: %q, want %q", arn, got, want)
		}
	}
}

func TestValidateSAMLScheme(t *testing.T) {
	r := Request{Scheme: "saml", RoleARN: "arn:aws:iam::222222222222:role/saml-read"}
	if err := r.Validate(); problem.As(err) == nil || problem.As(err).Kind != problem.Usage {
		t.Fatalf("saml scheme without a source: %v", err)
	}
	r.SAML = &SAMLSource{IdPURL: "https://idp.example.com", IdPName: "x"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
}
