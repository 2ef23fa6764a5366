package e2e

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// sdkNoise is the AWS SDK's own error text, which must never reach a user.
var sdkNoise = []string{"operation error", "https response error", "RequestID", "StatusCode", "failed to refresh cached",
	"<nil>", "failed to load assume role", "static credentials are empty", "get identity", "exceeded maximum number of attempts",
	"api error", "Error using profile"}

// failClean runs a failing command and checks its stderr is one error line and one hint line,
// in our words.
func (w *world) failClean(extra map[string]string, code int, want, hint string, args ...string) result {
	w.t.Helper()
	r := w.failEnv(extra, code, want, args...)
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "assume-role: error: ") || !strings.HasPrefix(lines[1], "assume-role: hint: ") {
		w.t.Fatalf("assume-role %s: want an error line and a hint line, got:\n%s", strings.Join(args, " "), r.stderr)
	}
	if !strings.Contains(lines[1], hint) {
		w.t.Fatalf("assume-role %s: hint lacks %q:\n%s", strings.Join(args, " "), hint, r.stderr)
	}
	for _, n := range sdkNoise {
		if strings.Contains(r.stderr, n) {
			w.t.Fatalf("assume-role %s: the SDK's text %q reached the user:\n%s", strings.Join(args, " "), n, r.stderr)
		}
	}
	if strings.Contains(r.stderr, aliceSecret) {
		w.t.Fatalf("secret in stderr: %s", r.stderr)
	}
	return r
}

const brokenProfiles = `[profile emptyrole]
role_arn = arn:aws:iam::222222222222:role/read
source_profile = empty

[profile a]
role_arn = arn:aws:iam::222222222222:role/read
source_profile = b

[profile b]
role_arn = arn:aws:iam::333333333333:role/read
source_profile = a

[profile hop]
role_arn = arn:aws:iam::222222222222:role/admin
source_profile = default

[profile hop2]
role_arn = arn:aws:iam::222222222222:role/chain
source_profile = hop

[profile envrole]
role_arn = arn:aws:iam::222222222222:role/read
credential_source = Environment

[profile badsrc]
role_arn = arn:aws:iam::222222222222:role/read
source_profile = nope
`

func TestBrokenProfilesAreExplained(t *testing.T) {
	creds := "/.aws/credentials" // under the world's home
	cases := []struct {
		name       string
		code       int
		want, hint string
		args       []string
	}{
		// Empty static keys, as the source of a role profile and as the source itself.
		{"empty keys of a source_profile", 4, `aws_access_key_id of profile "empty" (the source_profile of "emptyrole") is empty in ` + creds,
			"aws configure --profile empty", []string{"-p", "emptyrole"}},
		{"empty keys of the source", 4, `aws_access_key_id of profile "empty" is empty in ` + creds,
			"aws configure --profile empty", []string{"--source-profile", "empty", "prod", "read"}},
		// credential_source = Environment with nothing in the environment ("static credentials are empty").
		{"credential_source without keys", 4, `profile "envrole" takes its keys from the environment (credential_source = Environment), and there are none`,
			"export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", []string{"-p", "envrole"}},
		{"source_profile cycle", 3, "the source_profile settings form a cycle: a → b → a", "end the chain", []string{"-p", "a"}},
		// Not "profile badsrc is not in …": badsrc is there, its source_profile is not.
		{"missing source_profile", 3, `profile "badsrc" names source_profile "nope", which is not in`, "create [profile nope]", []string{"-p", "badsrc"}},
		// An AssumeRole hop of the chain (performed by the SDK) refused: which profile, which role, why.
		{"hop of a chain refused", 5, aliceARN + " may not assume arn:aws:iam::222222222222:role/admin",
			"the role requires MFA", []string{"-p", "hop2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, nil)
			w.write(".aws/config", brokenProfiles)
			w.write(".aws/credentials", fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n[empty]\naws_access_key_id =\naws_secret_access_key =\n", aliceKey, aliceSecret))
			want := strings.ReplaceAll(c.want, creds, w.home+creds)
			w.failClean(map[string]string{"AWS_REGION": "us-east-1"}, c.code, want, c.hint, append(c.args, "-o", "bash")...)
		})
	}
}

// TestAccessDeniedKeepsAWSReason: a refusal for sts:TagSession or sts:SetSourceIdentity says so,
// in AWS's words, with the matching hint.
func TestAccessDeniedKeepsAWSReason(t *testing.T) {
	w := newWorld(t, nil)
	region := map[string]string{"AWS_REGION": "us-east-1"}
	r := w.failClean(region, 5, "AWS said AccessDenied: User: "+aliceARN+" is not authorized to perform: sts:TagSession on resource: arn:aws:iam::222222222222:role/read",
		"--tags and --transitive-tag-keys need sts:TagSession", "prod", "read", "--tags", "team=blue", "-o", "bash")
	if strings.Contains(r.stderr, "none was sent: --external-id") {
		t.Fatalf("the generic trust hint for a TagSession refusal: %s", r.stderr)
	}
	w.failClean(region, 5, "AWS said AccessDenied: User: "+aliceARN+" is not authorized to perform: sts:SetSourceIdentity on resource: arn:aws:iam::222222222222:role/read",
		"--source-identity needs sts:SetSourceIdentity", "prod", "read", "--source-identity", "alice-laptop", "-o", "bash")
	// A role whose trust allows both works with both.
	w.ok("prod", "tagger", "--tags", "team=blue", "--source-identity", "alice-laptop", "-o", "bash")
	// The plain refusal keeps its sentence and the usual causes.
	w.failClean(region, 5, aliceARN+" may not assume arn:aws:iam::222222222222:role/chain", "the role's trust policy does not trust", "prod", "chain", "-o", "bash")
}

// ssoWorld is a world whose default credentials come from IAM Identity Center (legacy profile
// settings), with a token cache the test writes.
func ssoWorld(t *testing.T, expires time.Time) *world {
	t.Helper()
	w := newWorld(t, nil)
	const start = "https://example.awsapps.com/start"
	w.write(".aws/config", "[profile sso]\nsso_start_url = "+start+"\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = dev\nregion = us-east-1\n")
	sum := sha1.Sum([]byte(start))
	w.write(".aws/sso/cache/"+hex.EncodeToString(sum[:])+".json", fmt.Sprintf(`{"accessToken": "sso-bearer-token-not-a-secret-here", "expiresAt": %q, "region": "us-east-1", "startUrl": %q}`,
		expires.UTC().Format(time.RFC3339), start))
	return w
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestSSOPortalUnreachableIsANetworkError(t *testing.T) {
	w := ssoWorld(t, time.Now().Add(8*time.Hour))
	portal := closedPort(t)
	env := map[string]string{"AWS_ENDPOINT_URL_SSO": portal}
	w.failClean(env, 8, "cannot reach the SSO portal at "+portal+": connection refused", "the SSO session of profile sso may still be valid", "-p", "sso", "-o", "bash")
	w.failClean(env, 8, "cannot reach the SSO portal at "+portal, "AWS_ENDPOINT_URL_SSO", "--source-profile", "sso", "prod", "read", "-o", "bash")

	// The same profile with an expired token cache: that is the expired session.
	expired := ssoWorld(t, time.Now().Add(-time.Hour))
	expired.failClean(env, 4, `the SSO session of profile "sso" has expired or was never started`, "run: assume-role sso login --profile sso (or aws sso login --profile sso)", "-p", "sso", "-o", "bash")

	// A portal that answers 401: the session is over too.
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.Header().Set("X-Amzn-ErrorType", "UnauthorizedException")
		rw.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(rw, `{"message":"Session token not found or invalid"}`)
	}))
	t.Cleanup(srv.Close)
	w.failClean(map[string]string{"AWS_ENDPOINT_URL_SSO": srv.URL}, 4, `the SSO session of profile "sso" has expired or was never started`, "run: assume-role sso login --profile sso (or aws sso login --profile sso)", "-p", "sso", "-o", "bash")
}
