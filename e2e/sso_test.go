package e2e

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
)

const ssoStart = "https://emulator.awsapps.com/start"

const ssoConfig = `[sso-session corp]
sso_start_url = ` + ssoStart + `
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Reader
region = eu-west-1
`

// idcWorld is a world whose emulator also serves IAM Identity Center, reached through the SDK's
// AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO settings.
func idcWorld(t *testing.T, adjust func(*stsemu.SSOConfig)) *world {
	t.Helper()
	w := newWorld(t, func(sc *stsemu.Scenario) {
		sc.SSO = &stsemu.SSOConfig{StartURL: ssoStart, UserName: "carol@example.com", Assignments: []stsemu.SSOAssignment{
			{AccountID: "222222222222", AccountName: "prod", Email: "prod@example.com", Roles: []string{"Reader", "Admin"}},
			{AccountID: "333333333333", AccountName: "staging", Email: "staging@example.com", Roles: []string{"Reader"}},
		}}
		if adjust != nil {
			adjust(sc.SSO)
		}
	})
	w.env["AWS_ENDPOINT_URL_SSO_OIDC"] = w.url
	w.env["AWS_ENDPOINT_URL_SSO"] = w.url
	w.write(".aws/config", ssoConfig)
	return w
}

// approve plays the user at the browser: every pending sign-in is approved until the test's
// cleanup (or stop) ends it.
func (w *world) approve() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			for _, p := range w.srv.PendingSSO() {
				_ = w.srv.ApproveSSO(ctx, p.ID)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	stop = func() { cancel(); wg.Wait() }
	w.t.Cleanup(stop)
	return stop
}

func (w *world) ssoToken(key string) map[string]any {
	w.t.Helper()
	sum := sha1.Sum([]byte(key))
	p := filepath.Join(w.home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
	fi, err := os.Stat(p)
	if err != nil {
		w.t.Fatalf("no token file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		w.t.Fatalf("token file mode %v", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(p)
	var m map[string]any
	decodeJSON(w.t, string(data), &m)
	return m
}

func TestSSOLoginDeviceCodeThenIdempotent(t *testing.T) {
	w := idcWorld(t, nil)
	stop := w.approve()
	r := w.ok("sso", "login", "--sso-session", "corp")
	stop()
	if !strings.Contains(r.stderr, "and check that it shows the code") || !strings.Contains(r.stderr, "signed in to sso-session corp") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	tok := w.ssoToken("corp")
	for _, k := range []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"} {
		if s, _ := tok[k].(string); s == "" {
			t.Fatalf("token file lacks %s: %v", k, tok)
		}
	}
	if strings.Contains(r.stderr, tok["accessToken"].(string)) || strings.Contains(r.stderr, tok["refreshToken"].(string)) {
		t.Fatal("a token was printed")
	}
	// A second login (the profile form) finds the valid token and calls nothing.
	w.srv.ResetLog()
	r = w.ok("sso", "login", "--profile", "dev", "--wait", "3s")
	if !strings.Contains(r.stderr, "already signed in") || len(w.calls()) != 0 {
		t.Fatalf("second login: %s calls %v", r.stderr, w.calls())
	}
	if st := w.srv.SSOStats(); st.Authorizations != 1 {
		t.Fatalf("authorizations = %d", st.Authorizations)
	}
	// logout signs out of the portal and deletes the token.
	w.ok("sso", "logout", "--sso-session", "corp")
	if w.count("Logout") != 1 {
		t.Fatalf("calls %v", w.calls())
	}
	r = w.ok("sso", "logout", "--sso-session", "corp")
	if !strings.Contains(r.stderr, "not signed in") {
		t.Fatal(r)
	}
}

func TestSSOLoginPKCEThroughBrowser(t *testing.T) {
	w := idcWorld(t, nil)
	w.approve()
	// A "browser" that loads the page; the approval hook plays the user and follows the redirect
	// to the loopback listener, as the browser would.
	browser := w.write("bin/browser", "#!/bin/sh\nexec "+requireTool(t, "curl")+" -s -o /dev/null \"$1\"\n")
	if err := os.Chmod(browser, 0o700); err != nil {
		t.Fatal(err)
	}
	r := w.runEnv(map[string]string{"BROWSER": browser}, "sso", "login", "--sso-session", "corp", "--wait", "30s")
	if r.code != 0 {
		t.Fatal(r)
	}
	if !strings.Contains(r.stderr, "/authorize?") || !strings.Contains(r.stderr, "code_challenge_method=S256") {
		t.Fatalf("no authorization URL: %s", r.stderr)
	}
	st := w.srv.SSOStats()
	if st.TokensIssued["authorization_code"] != 1 || st.Authorizations != 1 {
		t.Fatalf("stats %+v", st)
	}
	// --no-browser uses the device grant even with a browser.
	r = w.runEnv(map[string]string{"BROWSER": browser}, "sso", "login", "--sso-session", "corp", "--force", "--no-browser")
	if r.code != 0 || !strings.Contains(r.stderr, "shows the code") {
		t.Fatal(r)
	}
}

func TestSSOParallelLoginsShareOneSignIn(t *testing.T) {
	w := idcWorld(t, nil)
	w.approve()
	var wg sync.WaitGroup
	results := make([]result, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = w.run("sso", "login", "--sso-session", "corp", "--wait", "40s")
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.code != 0 {
			t.Fatal(r)
		}
	}
	st := w.srv.SSOStats()
	if st.Authorizations != 1 || w.count("StartDeviceAuthorization") != 1 {
		t.Fatalf("want one sign-in, got %d authorizations, %d StartDeviceAuthorization", st.Authorizations, w.count("StartDeviceAuthorization"))
	}
}

func TestSSOLoginRefreshesWithoutPrompt(t *testing.T) {
	// Tokens live 5 minutes, less than the 10-minute margin: the next login refreshes.
	w := idcWorld(t, func(c *stsemu.SSOConfig) { c.AccessTokenLifetimeSeconds = 300 })
	stop := w.approve()
	w.ok("sso", "login", "--sso-session", "corp")
	stop()
	before := w.ssoToken("corp")["accessToken"]
	r := w.ok("sso", "login", "--sso-session", "corp", "--wait", "3s")
	if !strings.Contains(r.stderr, "refreshed") || strings.Contains(r.stderr, "open ") {
		t.Fatal(r)
	}
	if w.ssoToken("corp")["accessToken"] == before || w.srv.SSOStats().TokensIssued["refresh_token"] != 1 {
		t.Fatal("the token was not refreshed")
	}
}

func TestSSOProfileAsSource(t *testing.T) {
	w := idcWorld(t, nil)
	stop := w.approve()
	w.ok("sso", "login", "--sso-session", "corp")
	stop()
	w.write(".aws/config", ssoConfig+`
[profile chain]
role_arn = arn:aws:iam::222222222222:role/read
source_profile = dev
role_session_name = chained
`)
	// -p SSO_PROFILE: the SDK's SSO provider reads our token.
	r := w.ok("-p", "dev", "-o", "json")
	if !strings.Contains(r.stdout, "AWSReservedSSO_Reader") {
		t.Fatalf("not the SSO role: %s", r.stdout)
	}
	if w.count("GetRoleCredentials") != 1 {
		t.Fatalf("calls %v", w.calls())
	}
}
