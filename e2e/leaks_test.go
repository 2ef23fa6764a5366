package e2e

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/testidp"
)

// ssoPortal is a stub of the IAM Identity Center portal's GetRoleCredentials on loopback: it
// answers with alice's keys when the bearer token is the expected one.
type ssoPortal struct {
	url   string
	token string
	mu    sync.Mutex
	calls int
}

func newSSOPortal(t *testing.T, token string) *ssoPortal {
	t.Helper()
	p := &ssoPortal{token: token}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.calls++
		p.mu.Unlock()
		if r.URL.Path != "/federation/credentials" || r.Header.Get("x-amz-sso_bearer_token") != token ||
			r.URL.Query().Get("account_id") != "111111111111" || r.URL.Query().Get("role_name") != "admin" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"Session token not found or invalid"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"roleCredentials":{"accessKeyId":%q,"secretAccessKey":%q,"sessionToken":"","expiration":%d}}`,
			aliceKey, aliceSecret, time.Now().Add(time.Hour).UnixMilli())
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// ssoCache writes the token cache file the AWS CLI writes after `aws sso login`: named after the
// SHA-1 of the start URL (legacy profiles) or of the sso-session name.
func ssoCache(w *world, key, startURL, token string) {
	sum := sha1.Sum([]byte(key))
	b, _ := json.Marshal(map[string]string{
		"startUrl": startURL, "region": "us-east-1", "accessToken": token,
		"expiresAt": time.Now().Add(8 * time.Hour).UTC().Format(time.RFC3339),
	})
	w.write(".aws/sso/cache/"+hex.EncodeToString(sum[:])+".json", string(b))
}

// TestDebugTraceHidesSSOToken: --debug shows the SSO call (operation, endpoint, non-secret
// parameters) but never the portal bearer token, whichever form the SSO profile takes.
func TestDebugTraceHidesSSOToken(t *testing.T) {
	const startURL = "https://example.awsapps.com/start"
	configs := map[string]string{
		"legacy": "[profile sso]\nsso_start_url = " + startURL + "\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = admin\n",
		"sso-session": "[profile sso]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = admin\n\n" +
			"[sso-session corp]\nsso_start_url = " + startURL + "\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
	}
	for name, config := range configs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const token = "SSOBEARERaBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
			w := newWorld(t, nil)
			portal := newSSOPortal(t, token)
			w.write(".aws/config", config)
			key := startURL
			if name == "sso-session" {
				key = "corp"
			}
			ssoCache(w, key, startURL, token)
			env := map[string]string{"AWS_ENDPOINT_URL_SSO": portal.url, "AWS_REGION": "us-east-1"}
			r := w.runEnv(env, "--debug", "--source-profile", "sso", "prod", "read", "-o", "json")
			if r.code != 0 {
				t.Fatalf("%s", r)
			}
			if portal.calls == 0 {
				t.Fatalf("the SSO portal was never called: the test proves nothing\n%s", r)
			}
			var out cliJSONOutput
			decodeJSON(t, r.stdout, &out)
			for _, secret := range []string{token, token[:20], aliceSecret, out.Credentials.SecretAccessKey, out.Credentials.SessionToken} {
				if strings.Contains(r.stderr, secret) {
					t.Errorf("--debug shows a secret (%.12s…):\n%s", secret, r.stderr)
				}
			}
			for _, want := range []string{"SSO.GetRoleCredentials", `AccessToken="<redacted>"`, `AccountId="111111111111"`, `RoleName="admin"`,
				"-> GET " + portal.url + "/federation/credentials (signing region", "STS.AssumeRole"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("--debug lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
}

// TestDebugTraceHidesFederationSecrets: the SAML assertion, the web identity token and the MFA
// code never appear in the trace; the parameters that are not secrets do.
func TestDebugTraceHidesFederationSecrets(t *testing.T) {
	w := newWorld(t, nil)
	region := map[string]string{"AWS_REGION": "us-east-1"}

	b64 := mintAssertion(testidp.EmulatorRoles("333333333333", "saml-read"), nil)
	r := w.runEnv(region, "--debug", "--saml-assertion", w.write("assertion.b64", b64), "-o", "json")
	requireTraceWithout(t, r, "STS.AssumeRoleWithSAML", `SAMLAssertion="<redacted>"`, b64[:24], b64[len(b64)/2:len(b64)/2+24])

	file := webToken(t, w, nil)
	r = w.runEnv(region, "--debug", "--web-identity-token-file", file, "-R", webReadRole, "-o", "json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(b))
	requireTraceWithout(t, r, "STS.AssumeRoleWithWebIdentity", `WebIdentityToken="<redacted>"`, tok[:24], tok[len(tok)-24:])
	if !strings.Contains(r.stderr, `RoleArn="`+webReadRole+`"`) {
		t.Errorf("the role ARN is not shown:\n%s", r.stderr)
	}

	r = w.runEnv(region, "--debug", "--mfa-on-assume", "--token-code", "123481", "--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`,
		"--external-id", "not-a-secret", "prod", "read", "-o", "json")
	requireTraceWithout(t, r, "STS.AssumeRole", `TokenCode="<redacted>"`, "123481")
	for _, want := range []string{`ExternalId="not-a-secret"`, `Policy="{\"Version\":\"2012-10-17\"`, `SerialNumber="` + aliceMFA + `"`, "request-id "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("--debug lacks %q:\n%s", want, r.stderr)
		}
	}
}

// requireTraceWithout checks a successful --debug run: the trace shows op and want, none of the
// secrets, and none of the credentials printed on stdout.
func requireTraceWithout(t *testing.T, r result, op, want string, secrets ...string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	var out cliJSONOutput
	decodeJSON(t, r.stdout, &out)
	secrets = append(secrets, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	for _, s := range secrets {
		if s == "" || strings.Contains(r.stderr, s) {
			t.Errorf("--debug shows a secret (%.12s…):\n%s", s, r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "assume-role: debug: "+op+" ") || !strings.Contains(r.stderr, want) {
		t.Errorf("--debug lacks %s or %q:\n%s", op, want, r.stderr)
	}
}

// TestCredentialProcessOutputNeverEchoed: a credential_process whose output is unusable fails
// with the shape of the problem, never with what it printed (which holds the secret).
func TestCredentialProcessOutputNeverEchoed(t *testing.T) {
	const secret = "TOPSECRETcredentialPROCESSvalue0123456789"
	processes := []struct {
		name, command, want string
	}{
		{"truncated", `printf '{"Version": 1, "AccessKeyId": "AKIAEXAMPLEALICE0001", "SecretAccessKey": "` + secret + `", '`,
			"printed output that is not valid JSON"},
		{"text", `echo 'AccessKeyId=AKIAEXAMPLEALICE0001 SecretAccessKey=` + secret + `'`, "printed output that is not valid JSON"},
		{"empty", `true`, "printed nothing"},
		{"version", `printf '{"Version": 2, "AccessKeyId": "AKIAEXAMPLEALICE0001", "SecretAccessKey": "` + secret + `"}'`,
			"Version is not 1"},
		{"no-key", `printf '{"Version": 1, "SecretAccessKey": "` + secret + `"}'`, "without AccessKeyId"},
		{"type", `printf '{"Version": "1", "AccessKeyId": "AKIAEXAMPLEALICE0001", "SecretAccessKey": "` + secret + `"}'`,
			"Version has the wrong type"},
		{"shape", `printf '{"Version": 1, "AccessKeyId": "AKIAEXAMPLEALICE0001", "SecretAccessKey": "` + secret + `", "Expiration": 12345}'`,
			"does not have the Version 1 format"},
		{"bad-time", `printf '{"Version": 1, "AccessKeyId": "AKIAEXAMPLEALICE0001", "SecretAccessKey": "` + secret + `", "Expiration": "` + secret + `"}'`,
			"Expiration that is not an RFC 3339 time"},
		{"exit", `sh -c 'echo ` + secret + `; exit 3'`, "exited with status 3"},
	}
	var config strings.Builder
	for _, p := range processes {
		fmt.Fprintf(&config, "[profile %s]\ncredential_process = %s\n\n", p.name, p.command)
		fmt.Fprintf(&config, "[profile role-%s]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = %s\n\n", p.name, p.name)
	}
	w := newWorld(t, nil)
	w.write(".aws/config", config.String())
	region := map[string]string{"AWS_REGION": "us-east-1"}
	for _, p := range processes {
		for _, args := range [][]string{
			{"--source-profile", p.name, "prod", "read"},
			{"-p", p.name},
			{"-p", "role-" + p.name},
			{"--debug", "--source-profile", p.name, "prod", "read", "-o", "json"},
		} {
			r := w.runEnv(region, args...)
			errLine := ""
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.HasPrefix(l, "assume-role: error: ") {
					errLine = l
				}
			}
			if r.code != 4 || !strings.HasPrefix(errLine, "assume-role: error: the credential_process of profile") ||
				!strings.Contains(errLine, p.want) || strings.Contains(r.stderr, secret) || strings.Contains(r.stdout, secret) ||
				strings.Count(r.stderr, "assume-role: error:") != 1 {
				t.Errorf("%s %v: want exit 4 and %q without the process's output, got %s", p.name, args, p.want, r)
			}
		}
	}
}

// TestTerminalHintLeavesOutMFACode: the hint that repeats the command line for eval never repeats
// an MFA code (MFA_TOKEN or --token-code), and keeps everything that selects the credentials.
func TestTerminalHintLeavesOutMFACode(t *testing.T) {
	cases := []struct {
		args []string
		want string
		code string
	}{
		{[]string{"prod", "read", "123456"}, `eval "$(assume-role prod read)"`, "123456"},
		{[]string{"prod", "read", "123457", "eu-west-1"}, `eval "$(assume-role prod read eu-west-1)"`, "123457"},
		{[]string{"--token-code", "123458", "-R", "arn:aws:iam::222222222222:role/read", "--external-id", "ext-id-1", "-T", "900"},
			`eval "$(assume-role --external-id ext-id-1 --role arn:aws:iam::222222222222:role/read --session-duration 900)"`, "123458"},
		{[]string{"--mfa-on-assume", "--token-code=123459", "prod", "read"}, `eval "$(assume-role --mfa-on-assume prod read)"`, "123459"},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, nil)
			screen, code := runInPTY(t, w, map[string]string{"AWS_REGION": "us-east-1"}, c.args...)
			if code != 0 || !strings.Contains(screen, c.want) || strings.Contains(screen, c.code) {
				t.Fatalf("assume-role %v on a terminal: exit %d, want the hint %s without the MFA code; screen:\n%s", c.args, code, c.want, screen)
			}
			if strings.Contains(screen, "AWS_SECRET_ACCESS_KEY") {
				t.Fatalf("secrets on the terminal:\n%s", screen)
			}
		})
	}
}
