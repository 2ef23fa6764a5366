package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
)

// exportsOf evaluates bash output and returns the AWS variables it set.
func exportsOf(t *testing.T, w *world, out string) map[string]string {
	t.Helper()
	return evalIn(t, "bash", out, w.environ(nil))
}

func TestAliasTargets(t *testing.T) {
	w := newWorld(t, nil)
	cases := []struct {
		args                []string
		account, name, role string
	}{
		{[]string{"prod", "read"}, "222222222222", "prod", "read"},
		{[]string{"numeric", "read"}, "333333333333", "numeric", "read"},
		{[]string{"zero", "read"}, "012345678901", "zero", "read"},
		{[]string{"012345678901", "read"}, "012345678901", "zero", "read"},
		{[]string{"prod", "ops/deploy"}, "222222222222", "prod", "ops/deploy"},
	}
	for _, c := range cases {
		r := w.ok(append(c.args, "-o", "bash")...)
		env := exportsOf(t, w, r.stdout)
		if env["AWS_ACCOUNT_ID"] != c.account || env["AWS_ACCOUNT_NAME"] != c.name || env["AWS_ACCOUNT_ROLE"] != c.role {
			t.Errorf("%v: account vars = %q %q %q", c.args, env["AWS_ACCOUNT_ID"], env["AWS_ACCOUNT_NAME"], env["AWS_ACCOUNT_ROLE"])
		}
		call := w.lastCall("AssumeRole")
		if want := "arn:aws:iam::" + c.account + ":role/" + c.role; call.Params["RoleArn"] != want {
			t.Errorf("%v: RoleArn %q, want %q", c.args, call.Params["RoleArn"], want)
		}
		if call.Params["RoleSessionName"] != "alice" || call.Params["DurationSeconds"] != "3600" {
			t.Errorf("%v: session name %q duration %q", c.args, call.Params["RoleSessionName"], call.Params["DurationSeconds"])
		}
		if !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"], "ASIA") || env["AWS_SESSION_TOKEN"] == "" || env["AWS_SECURITY_TOKEN"] != env["AWS_SESSION_TOKEN"] {
			t.Errorf("%v: credentials not exported: %v", c.args, env)
		}
	}
}

func TestMalformedAccountID(t *testing.T) {
	w := newWorld(t, nil)
	for _, a := range []string{"12345", "1234567890123", "nope"} {
		w.fail(2, `account_id "`+a+`" is incorrectly formatted AWS account id`, a, "read")
	}
	if n := len(w.calls()); n != 0 {
		t.Fatalf("bad input reached the network: %v", w.calls())
	}
}

func TestRoleARNAndProwlerFlags(t *testing.T) {
	w := newWorld(t, nil)
	w.ok("-R", "arn:aws:iam::222222222222:role/ext", "-I", "ext-123", "-T", "1800", "--role-session-name", "audit.run@x", "-o", "json")
	c := w.lastCall("AssumeRole")
	if c.Params["ExternalId"] != "ext-123" || c.Params["DurationSeconds"] != "1800" || c.Params["RoleSessionName"] != "audit.run@x" {
		t.Fatalf("params = %v", c.Params)
	}
	// AWS_ROLE_SESSION_TIMEOUT as in coinbase's tool.
	r := w.runEnv(map[string]string{"AWS_ROLE_SESSION_TIMEOUT": "7200"}, "prod", "read", "-o", "bash", "--no-cache")
	if r.code != 0 || w.lastCall("AssumeRole").Params["DurationSeconds"] != "7200" {
		t.Fatalf("AWS_ROLE_SESSION_TIMEOUT not honoured: %s %v", r, w.lastCall("AssumeRole").Params)
	}
	// --sts-endpoint-region sends STS calls to that region's endpoint.
	w.ok("prod", "read", "--sts-endpoint-region", "eu-south-2", "--no-cache", "-o", "json")
	if got := w.lastCall("AssumeRole").Region; got != "eu-south-2" {
		t.Fatalf("signing region %q", got)
	}
}

func TestAWSCLIOptions(t *testing.T) {
	w := newWorld(t, nil)
	policy := w.write("policy.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	w.ok("-R", "arn:aws:iam::222222222222:role/tagger", "--policy", "@"+policy,
		"--policy-arns", "arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/SecurityAudit",
		"--tags", "Project=apollo", "--tags", "Team=a b", "--transitive-tag-keys", "Project",
		"--source-identity", "alice-laptop", "-o", "json")
	c := w.lastCall("AssumeRole")
	for k, want := range map[string]string{
		"PolicyArns.member.2.arn": "arn:aws:iam::aws:policy/SecurityAudit", "Tags.member.1.Key": "Project",
		"Tags.member.2.Value": "a b", "TransitiveTagKeys.member.1": "Project", "SourceIdentity": "alice-laptop",
	} {
		if c.Params[k] != want {
			t.Errorf("%s = %q, want %q (all: %v)", k, c.Params[k], want, c.Params)
		}
	}
	if !strings.Contains(c.Params["Policy"], "s3:GetObject") {
		t.Errorf("policy not sent: %v", c.Params)
	}
	// Local validation names the value and sends nothing.
	w.srv.ResetLog()
	w.fail(2, "at most 10", "prod", "read", "--policy-arns", strings.Repeat("arn:aws:iam::aws:policy/ReadOnlyAccess,", 10)+"arn:aws:iam::aws:policy/X")
	w.fail(2, `invalid --tags "k=v;rm": a tag value`, "prod", "read", "--tags", "k=v;rm")
	w.fail(2, "--source-identity", "prod", "read", "--source-identity", "aws:me")
	w.fail(2, "--external-id", "prod", "read", "-I", "x")
	w.fail(2, "--role-session-name", "prod", "read", "--role-session-name", "has space")
	w.fail(2, "6 digits", "prod", "read", "--token-code", "12ab56")
	w.fail(2, "not valid JSON", "prod", "read", "--policy", "{nope")
	w.fail(2, "--session-duration", "prod", "read", "-T", "50000")
	if len(w.calls()) != 0 {
		t.Fatalf("invalid input reached STS: %v", w.calls())
	}
}

func TestProfiles(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", `[profile bastion]
region = eu-west-1

[profile prod-read]
role_arn = arn:aws:iam::222222222222:role/read
source_profile = default
region = eu-central-1

[profile prod-chain]
role_arn = arn:aws:iam::222222222222:role/chain
source_profile = prod-read

[profile from-env]
role_arn = arn:aws:iam::222222222222:role/read
credential_source = Environment

[profile broken]
role_arn = arn:aws:iam::222222222222:role/read
`)
	env := exportsOf(t, w, w.ok("-p", "prod-read", "-o", "bash").stdout)
	if env["AWS_REGION"] != "eu-central-1" || env["AWS_ACCOUNT_ROLE"] != "read" {
		t.Fatalf("profile region/role: %v", env)
	}
	// A chain of two roles, resolved by the SDK for the source hop.
	w.srv.ResetLog()
	out := w.ok("-p", "prod-chain", "-o", "json").stdout
	if !strings.Contains(out, "assumed-role/chain/") {
		t.Fatalf("chain result: %s", out)
	}
	if w.count("AssumeRole") != 2 {
		t.Fatalf("chain made %v", w.calls())
	}
	// credential_source = Environment.
	r := w.runEnv(map[string]string{"AWS_ACCESS_KEY_ID": aliceKey, "AWS_SECRET_ACCESS_KEY": aliceSecret,
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(w.home, "none")}, "-p", "from-env", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, "assumed-role/read/") {
		t.Fatalf("credential_source: %s", r)
	}
	w.fail(3, `profile "broken" has role_arn but neither source_profile nor credential_source`, "-p", "broken")
	w.fail(3, `profile "nosuch"`, "-p", "nosuch")
	// --source-profile and AWS_PROFILE_ASSUME_ROLE pick the source.
	w.write(".aws/credentials", "[bastion]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = "+aliceSecret+"\n")
	w.ok("prod", "read", "--source-profile", "bastion", "--no-cache", "-o", "bash")
	r = w.runEnv(map[string]string{"AWS_PROFILE_ASSUME_ROLE": "bastion"}, "prod", "read", "--no-cache", "-o", "bash")
	if r.code != 0 {
		t.Fatalf("AWS_PROFILE_ASSUME_ROLE: %s", r)
	}
	w.fail(4, "no AWS credentials found", "prod", "read", "--no-cache")
}

func TestRegionOrder(t *testing.T) {
	w := newWorld(t, nil)
	get := func(extra map[string]string, args ...string) string {
		r := w.runEnv(extra, append(args, "-o", "bash")...)
		if r.code != 0 {
			t.Fatal(r)
		}
		return exportsOf(t, w, r.stdout)["AWS_REGION"]
	}
	w.write(".aws/config", "[default]\nregion = ap-south-1\n")
	if r := get(nil, "prod", "read"); r != "ap-south-1" {
		t.Errorf("profile region: %q", r)
	}
	if r := get(map[string]string{"AWS_DEFAULT_REGION": "eu-west-3"}, "prod", "read"); r != "eu-west-3" {
		t.Errorf("AWS_DEFAULT_REGION: %q", r)
	}
	if r := get(map[string]string{"AWS_DEFAULT_REGION": "eu-west-3", "AWS_REGION": "eu-west-2"}, "prod", "read"); r != "eu-west-2" {
		t.Errorf("AWS_REGION: %q", r)
	}
	if r := get(map[string]string{"AWS_REGION": "eu-west-2"}, "prod", "read", "sa-east-1"); r != "sa-east-1" {
		t.Errorf("argument: %q", r)
	}
	w.write(".aws/config", "")
	if r := get(nil, "prod", "read"); r != "us-east-1" {
		t.Errorf("default: %q", r)
	}
	// A China region puts the role in the aws-cn partition.
	w.run("prod", "read", "cn-north-1", "--no-cache", "-o", "bash")
	if arn := w.lastCall("AssumeRole").Params["RoleArn"]; arn != "arn:aws-cn:iam::222222222222:role/read" {
		t.Errorf("partition: %q", arn)
	}
}

func TestErrors(t *testing.T) {
	w := newWorld(t, nil)
	r := w.fail(5, "arn:aws:iam::111111111111:user/alice may not assume arn:aws:iam::222222222222:role/ext", "prod", "ext")
	if !strings.Contains(r.stderr, "none was sent: --external-id") {
		t.Errorf("hint does not say no external ID was sent: %s", r.stderr)
	}
	r = w.fail(5, "may not assume", "prod", "ext", "-I", "wrong-id")
	if !strings.Contains(r.stderr, "external ID sent differs") {
		t.Errorf("hint does not mention the differing external ID: %s", r.stderr)
	}
	w.fail(5, "may not assume", "prod", "deny-all")
	w.fail(5, "may not assume", "prod", "admin") // MFA required, none available non-interactively
	// Bad source keys.
	w.write(".aws/credentials", "[default]\naws_access_key_id = AKIAEMULATORUNKNOWN1\naws_secret_access_key = x\n")
	w.fail(4, "InvalidClientTokenId", "prod", "read")
	w.write(".aws/credentials", "[default]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = wrongwrongwrongwrongwrongwrongwrongwrong\n")
	w.fail(4, "secret access key does not match", "prod", "read")
	w.write(".aws/credentials", "[default]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = "+aliceSecret+"\n")
	// MaxSessionDuration: retried at 3600 with a warning.
	r = w.ok("prod", "ext", "-I", "ext-123", "-T", "7200", "-o", "bash")
	if !strings.Contains(r.stderr, "MaxSessionDuration") || w.lastCall("AssumeRole").Params["DurationSeconds"] != "3600" {
		t.Errorf("MaxSessionDuration retry: %s", r)
	}
	// Region disabled.
	r = w.fail(8, "STS is not activated in region ap-east-1", "prod", "read", "--sts-endpoint-region", "ap-east-1")
	if !strings.Contains(r.stderr, "--sts-endpoint-region") {
		t.Errorf("no hint: %s", r.stderr)
	}
	// Unreachable endpoint.
	w.failEnv(map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"}, 8, "cannot reach http://127.0.0.1:1", "prod", "read", "--no-cache")
}

func TestExpiredSourceAndChainingCap(t *testing.T) {
	w := newWorld(t, func(s *stsemu.Scenario) { s.CredentialLifetimeSeconds = 1 })
	env := exportsOf(t, w, w.ok("prod", "read", "-o", "bash", "--no-cache").stdout)
	time.Sleep(1500 * time.Millisecond)
	// Use the expired session as the source of a chain: ExpiredToken.
	w.failEnv(map[string]string{
		"AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": env["AWS_SECRET_ACCESS_KEY"],
		"AWS_SESSION_TOKEN": env["AWS_SESSION_TOKEN"],
	}, 4, "have expired", "-R", "arn:aws:iam::222222222222:role/chain", "--no-cache")

	w2 := newWorld(t, nil)
	env = exportsOf(t, w2, w2.ok("prod", "read", "-o", "bash").stdout)
	chained := map[string]string{"AWS_ACCESS_KEY_ID": env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": env["AWS_SECRET_ACCESS_KEY"], "AWS_SESSION_TOKEN": env["AWS_SESSION_TOKEN"]}
	r := w2.runEnv(chained, "-R", "arn:aws:iam::222222222222:role/chain", "-T", "7200", "-o", "bash")
	if r.code != 0 || !strings.Contains(r.stderr, "at most 1 hour") || w2.lastCall("AssumeRole").Params["DurationSeconds"] != "3600" {
		t.Fatalf("clamp: %s", r)
	}
	w2.failEnv(chained, 7, "1-hour cap", "-R", "arn:aws:iam::222222222222:role/chain", "-T", "7200", "--strict-duration", "--no-cache")
}

func TestThrottlingIsRetried(t *testing.T) {
	w := newWorld(t, func(s *stsemu.Scenario) { s.ThrottleFirstN = 2 })
	w.ok("prod", "read", "-o", "bash")
	if w.count("AssumeRole") != 1 {
		t.Fatalf("calls: %v", w.calls())
	}
}

func TestNoCredentialsIsQuick(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/credentials", "")
	start := time.Now()
	w.fail(4, "no AWS credentials found", "prod", "read")
	t.Logf("no-credentials error after %s", time.Since(start)) // reported, not asserted: timings are benchmarks
}

func TestTerminalStdoutHidesSecrets(t *testing.T) {
	w := newWorld(t, nil)
	region := map[string]string{"AWS_REGION": "us-east-1"} // no region prompt
	out, _ := runInPTY(t, w, region, "prod", "read")
	if strings.Contains(out, "export AWS_SECRET_ACCESS_KEY") || !strings.Contains(out, `eval "$(assume-role prod read)"`) {
		t.Fatalf("terminal output:\n%s", out)
	}
	out, _ = runInPTY(t, w, region, "prod", "read", "-o", "bash")
	if !strings.Contains(out, "export AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("explicit -o did not print:\n%s", out)
	}
}

func TestDebugRedactsSecrets(t *testing.T) {
	w := newWorld(t, nil)
	r := w.ok("prod", "read", "--debug", "-o", "bash", "--mfa-on-assume", "--token-code", "123456")
	env := exportsOf(t, w, r.stdout)
	for _, secret := range []string{aliceSecret, env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"], "123456"} {
		if strings.Contains(r.stderr, secret) {
			t.Fatalf("debug output leaks a secret:\n%s", r.stderr)
		}
	}
	if !strings.Contains(r.stderr, "AssumeRole") || !strings.Contains(r.stderr, "TokenCode=\"<redacted>\"") {
		t.Fatalf("debug output lacks the trace:\n%s", r.stderr)
	}
}

func TestUnset(t *testing.T) {
	w := newWorld(t, nil)
	out := w.ok("--unset", "-o", "bash").stdout
	env := evalIn(t, "bash", "export AWS_ACCESS_KEY_ID=x AWS_PROFILE=y AWS_ACCOUNT_NAME=z\n"+out, w.environ(nil))
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_ACCOUNT_NAME"} {
		if _, ok := env[k]; ok {
			t.Errorf("%s still set", k)
		}
	}
}

func TestPreviousExportsAreNotTheSource(t *testing.T) {
	w := newWorld(t, nil)
	env := exportsOf(t, w, w.ok("prod", "read", "-o", "bash").stdout)
	extra := map[string]string{}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCOUNT_ID", "AWS_ACCOUNT_ROLE"} {
		extra[k] = env[k]
	}
	// Exports that do not say where they came from (an older version's) are refused, not guessed.
	w.failEnv(extra, 4, "do not say which source", "staging", "read", "-o", "bash")
	extra["ASSUME_ROLE_SOURCE"], extra["ASSUME_ROLE_EXPORTED_KEY_ID"] = env["ASSUME_ROLE_SOURCE"], env["ASSUME_ROLE_EXPORTED_KEY_ID"]
	w.srv.ResetLog()
	r := w.runEnv(extra, "staging", "read", "-o", "bash")
	if r.code != 0 {
		t.Fatal(r)
	}
	if c := w.lastCall("AssumeRole"); c.CallerARN != aliceARN {
		t.Fatalf("switch was signed by %q, want the bastion user", c.CallerARN)
	}
}

var _ = os.Getenv

// TestDerivedSessionNameCostsOneCallOnce: the caller's identity (for the default session name) is
// asked once per access key, not on every switch.
func TestDerivedSessionNameCostsOneCallOnce(t *testing.T) {
	w := newWorld(t, nil)
	w.ok("prod", "read", "-o", "bash")
	w.ok("staging", "read", "-o", "bash")
	w.ok("zero", "read", "-o", "bash")
	if got := strings.Join(w.calls(), " "); got != "GetCallerIdentity AssumeRole AssumeRole AssumeRole" {
		t.Fatalf("calls: %s", got)
	}
	if w.lastCall("AssumeRole").Params["RoleSessionName"] != "alice" {
		t.Fatal("session name not derived")
	}
}
