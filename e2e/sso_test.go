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
		sc.Roles = append(sc.Roles, &stsemu.Role{ARN: "arn:aws:iam::333333333333:role/from-sso", MaxSessionDuration: 3600,
			TrustPolicy: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}]}`)})
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
	// --debug traces the portal calls of sso commands, never a token.
	r = w.ok("sso", "accounts", "--refresh", "--debug")
	if !strings.Contains(r.stderr, "SSO.ListAccounts") || strings.Contains(r.stderr, tok["accessToken"].(string)) {
		t.Fatalf("debug: %s", r.stderr)
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
role_arn = arn:aws:iam::333333333333:role/from-sso
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
	// An SSO profile as the source_profile of a role chain.
	r = w.ok("-p", "chain", "-o", "json")
	if !strings.Contains(r.stdout, "assumed-role/from-sso/chained") {
		t.Fatalf("chain: %s", r.stdout)
	}
	if e := w.lastCall("AssumeRole"); !strings.Contains(e.CallerARN, "AWSReservedSSO_Reader") {
		t.Fatalf("AssumeRole signed by %s", e.CallerARN)
	}
}

// TestSSOTokenSharedWithAWSTools: the token assume-role wrote is the AWS CLI's: boto3 (which
// honours AWS_ENDPOINT_URL_SSO) signs in with it, and the AWS CLI v2 2.9 (which predates
// AWS_ENDPOINT_URL_*, so its portal call cannot reach the emulator; the proxy guard stops it at
// the loopback) reads it and goes on to the portal instead of asking for a login.
func TestSSOTokenSharedWithAWSTools(t *testing.T) {
	w := idcWorld(t, nil)
	stop := w.approve()
	w.ok("sso", "login")
	stop()
	py := requireTool(t, "python3")
	script := "import boto3,json; print(json.dumps(boto3.Session(profile_name='dev').client('sts').get_caller_identity()))"
	r := runProcess(t, w.environ(noEgress), w.home, "", py, "-c", script)
	if r.code != 0 || !strings.Contains(r.stdout, "AWSReservedSSO_Reader") {
		t.Fatalf("boto3: %s", r)
	}
	if w.count("GetRoleCredentials") != 1 {
		t.Fatalf("calls %v", w.calls())
	}
	if _, err := os.Stat("/usr/bin/aws"); err != nil {
		requireTool(t, "/usr/bin/aws")
	}
	r = runProcess(t, w.environ(noEgress), w.home, "", "/usr/bin/aws", "--debug", "sts", "get-caller-identity", "--profile", "dev", "--endpoint-url", w.url)
	if r.code == 0 || strings.Contains(r.stderr, "Error loading SSO Token") || strings.Contains(r.stderr, "aws sso login") ||
		!strings.Contains(r.stderr, "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?role_name=Reader&account_id=222222222222") {
		t.Fatalf("aws did not use the token: exit %d, %s", r.code, r.stderr[max(0, len(r.stderr)-600):])
	}
	// And the reverse: a token file as `aws sso login` writes it (its own field order and time
	// format, no refresh token) is what assume-role uses: no sign-in, and the switch works.
	tok := w.ssoToken("corp")
	sum := sha1.Sum([]byte("corp"))
	w.write(".aws/sso/cache/"+hex.EncodeToString(sum[:])+".json", `{"startUrl": "`+ssoStart+`", "region": "eu-west-1", "accessToken": "`+
		tok["accessToken"].(string)+`", "expiresAt": "`+time.Now().Add(2*time.Hour).UTC().Format("2006-01-02T15:04:05Z")+`"}`)
	r = w.ok("sso", "login", "--wait", "2s")
	if !strings.Contains(r.stderr, "already signed in") {
		t.Fatal(r)
	}
	w.ok("--sso", "222222222222", "Reader", "-o", "json")
}

// TestSSORoleListing200Accounts lists the roles of 200 accounts (210 portal requests) through the
// emulator's 20 requests/s limit (a token bucket, as AWS's): no request may fail for good (the
// client spaces its requests at 20/s and retries a throttled one). The time and the rates the
// emulator saw are logged, not asserted (timing depends on the machine).
func TestSSORoleListing200Accounts(t *testing.T) {
	w := idcWorld(t, func(c *stsemu.SSOConfig) { c.Assignments = nil; c.GeneratedAccounts = 200 })
	stop := w.approve()
	w.ok("sso", "login", "--sso-session", "corp")
	stop()
	start := time.Now()
	r := w.ok("sso", "roles", "--sso-session", "corp", "--json")
	elapsed := time.Since(start)
	var accts []struct {
		ID    string   `json:"accountId"`
		Roles []string `json:"roles"`
	}
	decodeJSON(t, r.stdout, &accts)
	if len(accts) != 200 || len(accts[199].Roles) != 2 {
		t.Fatalf("got %d accounts", len(accts))
	}
	st := w.srv.SSOStats()
	span := st.Last.Sub(st.First).Seconds()
	t.Logf("200 accounts: %d portal requests (%d throttled) in %s, %.1f req/s on average, at most %d in one second",
		st.Requests, st.Throttled, elapsed.Round(time.Millisecond), float64(st.Requests)/span, st.MaxPerSecond)
	if st.Requests-st.Throttled != 210 {
		t.Fatalf("want 210 answered requests (10 account pages, 200 role lists), got %d", st.Requests-st.Throttled)
	}
	// The listing is cached: the next command asks nothing; --refresh asks again.
	before := st.Requests
	w.ok("sso", "roles", "--sso-session", "corp", "--account", "acct-0007")
	if w.srv.SSOStats().Requests != before {
		t.Fatal("a cached listing called the portal")
	}
	r = w.ok("sso", "accounts", "--sso-session", "corp", "--refresh", "--cache-ttl", "1h")
	if w.srv.SSOStats().Requests != before+10 || !strings.Contains(r.stdout, "900000000200  acct-0200") {
		t.Fatalf("requests %d, stdout %s", w.srv.SSOStats().Requests-before, r.stdout)
	}
}

func TestSSOProfilesGeneratedAndPruned(t *testing.T) {
	w := idcWorld(t, nil)
	stop := w.approve()
	w.ok("sso", "login", "--sso-session", "corp")
	stop()
	hand := ssoConfig + "\n# hand-written below\n[profile sso-prod-Admin]\nregion = us-west-2\n"
	cfg := w.write(".aws/config", hand)
	r := w.ok("sso", "profiles", "--sso-session", "corp", "--prefix", "sso-")
	if !strings.Contains(r.stderr, "2 added") || !strings.Contains(r.stderr, "[profile sso-prod-Admin] exists and was not written by assume-role") {
		t.Fatal(r)
	}
	data, _ := os.ReadFile(cfg)
	if !strings.HasPrefix(string(data), hand) || !strings.Contains(string(data), "[profile sso-staging-Reader]\n# managed by assume-role") {
		t.Fatalf("config:\n%s", data)
	}
	// A generated profile works as a source, through the SDK and the token we wrote.
	r = w.ok("-p", "sso-staging-Reader", "-o", "json")
	if !strings.Contains(r.stdout, "333333333333") {
		t.Fatal(r)
	}
	// The portal stops granting staging: --refresh --prune removes only that generated section.
	w.srv.SetSSOAssignments([]stsemu.SSOAssignment{{AccountID: "222222222222", AccountName: "prod", Roles: []string{"Reader", "Admin"}}})
	r = w.ok("sso", "profiles", "--sso-session", "corp", "--prefix", "sso-", "--prune", "--refresh")
	if !strings.Contains(r.stderr, "1 removed") {
		t.Fatal(r)
	}
	after, _ := os.ReadFile(cfg)
	if !strings.HasPrefix(string(after), hand) || strings.Contains(string(after), "staging") || !strings.Contains(string(after), "[profile sso-prod-Reader]") {
		t.Fatalf("config after prune:\n%s", after)
	}
}

func TestSSOFlagWithoutProfile(t *testing.T) {
	w := idcWorld(t, nil)
	// Not signed in yet: the error says how to sign in, before any portal call.
	w.fail(4, "not signed in to sso-session corp", "--sso", "222222222222", "Reader", "-o", "json")
	stop := w.approve()
	w.ok("sso", "login")
	stop()
	r := w.ok("--sso", "prod", "Admin", "-o", "json") // an alias of ~/.aws/accounts
	if !strings.Contains(r.stdout, "assumed-role/AWSReservedSSO_Admin_") || !strings.Contains(r.stdout, "222222222222") {
		t.Fatal(r)
	}
	// --debug traces the portal call with the account and role, never the token.
	r = w.ok("--sso", "prod", "Admin", "-o", "json", "--no-cache", "--debug")
	tok := w.ssoToken("corp")["accessToken"].(string)
	if !strings.Contains(r.stderr, "SSO.GetRoleCredentials") || !strings.Contains(r.stderr, "222222222222") || strings.Contains(r.stderr, tok) {
		t.Fatalf("debug: %s", r.stderr)
	}
	// Cached: a second switch calls nothing.
	n := len(w.calls())
	w.ok("--sso", "prod", "Admin", "-o", "json")
	if len(w.calls()) != n {
		t.Fatalf("calls %v", w.calls()[n:])
	}
	// As the source of a role that trusts the SSO account.
	r = w.ok("--sso", "222222222222", "Reader", "-R", "arn:aws:iam::333333333333:role/from-sso", "-o", "json")
	if !strings.Contains(r.stdout, "arn:aws:sts::333333333333:assumed-role/from-sso/") {
		t.Fatal(r)
	}
	if e := w.lastCall("AssumeRole"); !strings.Contains(e.CallerARN, "AWSReservedSSO_Reader") {
		t.Fatalf("AssumeRole signed by %s", e.CallerARN)
	}
	w.fail(5, "does not give you that account or role", "--sso", "333333333333", "Admin", "-o", "json")
	w.fail(2, "--sso needs ACCOUNT and ROLE", "--sso", "222222222222")
	// doctor shows the portal role as the source, without calling anything.
	n = len(w.calls())
	r = w.ok("doctor", "--sso", "prod", "Reader", "-R", "arn:aws:iam::333333333333:role/from-sso")
	if out := r.stdout + r.stderr; !strings.Contains(out, "SSO role Reader in account 222222222222 (sso-session corp)") || !strings.Contains(out, "from-sso") {
		t.Fatalf("doctor: %s", out)
	}
	if len(w.calls()) != n {
		t.Fatalf("doctor called %v", w.calls()[n:])
	}
}

// TestSSOParallelCommandsNeedingALogin: 20 switches started at once without a token, each allowed
// to sign in (--sso-login), produce one sign-in (one browser tab, not twenty) and all succeed: with
// --sso and with an SSO profile (-p) as the source.
func TestSSOParallelCommandsNeedingALogin(t *testing.T) {
	for _, args := range [][]string{{"--sso", "222222222222", "Reader"}, {"-p", "dev"}} {
		t.Run(args[0], func(t *testing.T) {
			w := idcWorld(t, nil)
			w.approve()
			var wg sync.WaitGroup
			results := make([]result, 20)
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = w.run(append(args, "--sso-login", "-o", "json", "--no-cache")...)
				}()
			}
			wg.Wait()
			for _, r := range results {
				if r.code != 0 || !strings.Contains(r.stdout, "AWSReservedSSO_Reader") {
					t.Fatal(r)
				}
			}
			if st := w.srv.SSOStats(); st.Authorizations != 1 || w.count("StartDeviceAuthorization") != 1 || w.count("GetRoleCredentials") != 20 {
				t.Fatalf("want one sign-in, got %d authorizations, %d StartDeviceAuthorization, %d GetRoleCredentials",
					st.Authorizations, w.count("StartDeviceAuthorization"), w.count("GetRoleCredentials"))
			}
		})
	}
}
