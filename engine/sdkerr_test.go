package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The SDK's errors, built as the SDK builds them: the API error inside the HTTP response error
// inside the operation error, wrapped by the credentials cache.

func apiErr(service, op string, status int, code, msg string) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient},
		},
		RequestID: "4b0c8a52-0d6a-4d0e-9d3c-6f1e8d1b2a77",
	}}
}

// refused is a request that never got an answer, after the retryer gave up.
func refused(service, op, endpoint string) error {
	send := &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: endpoint + "/", Err: &net.OpError{
		Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &retry.MaxAttemptsError{Attempt: 4,
		Err: &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{}}, Err: send}}}}
}

func cached(err error) error { return fmt.Errorf("failed to refresh cached credentials, %w", err) }

// sdkNoise is text of the SDK's own that must never reach a user.
var sdkNoise = []string{"operation error", "https response error", "RequestID", "StatusCode", "failed to refresh cached",
	"<nil>", "failed to load assume role", "get identity", "exceeded maximum number of attempts", "api error"}

func checkOneLine(t *testing.T, name string, p *problem.Problem) {
	t.Helper()
	for _, s := range []string{p.Msg, p.Hint} {
		if strings.ContainsAny(s, "\r\n") {
			t.Errorf("%s: not one line: %q", name, s)
		}
		for _, n := range sdkNoise {
			if strings.Contains(s, n) {
				t.Errorf("%s: SDK text %q in %q", name, n, s)
			}
		}
	}
}

func TestExplainSDKErrors(t *testing.T) {
	e := New(Options{})
	const alice, role = "arn:aws:iam::111111111111:user/alice", "arn:aws:iam::222222222222:role/read"
	denied := func(action, extra string) error {
		return apiErr("STS", "AssumeRole", 403, "AccessDenied", "User: "+alice+" is not authorized to perform: "+action+" on resource: "+role+extra)
	}
	assume := callInfo{op: "AssumeRole", role: role, stsRegion: "us-east-1"}
	cases := []struct {
		name      string
		err       error
		kind      problem.Kind
		want      []string
		hint      string
		notInMsg  string
		wantCause bool
	}{
		{"plain AccessDenied", denied("sts:AssumeRole", ""), problem.AccessDenied,
			[]string{alice + " may not assume " + role}, "trust policy does not trust", "AWS said", true},
		{"TagSession", denied("sts:TagSession", ""), problem.AccessDenied,
			[]string{"with session tags", "AccessDenied", "is not authorized to perform: sts:TagSession on resource: " + role}, "allow it for " + alice, "", true},
		{"SetSourceIdentity", denied("sts:SetSourceIdentity", ""), problem.AccessDenied,
			[]string{"with a source identity", "sts:SetSourceIdentity on resource: " + role}, "sts:SetSourceIdentity", "", true},
		{"explicit deny", denied("sts:AssumeRole", " with an explicit deny in a service control policy"), problem.AccessDenied,
			[]string{"may not assume", "with an explicit deny in a service control policy"}, "usual causes", "", true},
		{"unknown code keeps AWS's words", apiErr("STS", "AssumeRole", 400, "InvalidParameterValue", "Value x at 'roleSessionName' failed"), problem.Internal,
			[]string{"AssumeRole failed", "InvalidParameterValue", "Value x at 'roleSessionName' failed"}, "", "", true},
		{"refused", refused("STS", "AssumeRole", "http://127.0.0.1:9"), problem.Network,
			[]string{"cannot reach http://127.0.0.1:9", "connection refused"}, "AWS_ENDPOINT_URL_STS", "", true},
		{"empty static credentials", &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole",
			Err: fmt.Errorf("get identity: %w", fmt.Errorf("get credentials: %w", &credentials.StaticCredentialsEmptyError{}))}, problem.Internal,
			[]string{"the credentials are empty"}, "", "", true},
		{"canceled", cached(fmt.Errorf("operation error: %w", context.Canceled)), problem.Interrupted, []string{"interrupted"}, "", "", true},
	}
	for _, c := range cases {
		p := e.explain(c.err, assume)
		if p.Kind != c.kind {
			t.Errorf("%s: kind %v, want %v (%q)", c.name, p.Kind, c.kind, p.Msg)
		}
		for _, w := range c.want {
			if !strings.Contains(p.Msg, w) {
				t.Errorf("%s: message %q lacks %q", c.name, p.Msg, w)
			}
		}
		if !strings.Contains(p.Hint, c.hint) {
			t.Errorf("%s: hint %q lacks %q", c.name, p.Hint, c.hint)
		}
		if c.notInMsg != "" && strings.Contains(p.Msg, c.notInMsg) {
			t.Errorf("%s: message %q has %q", c.name, p.Msg, c.notInMsg)
		}
		if c.wantCause && !errors.Is(p, c.err) {
			t.Errorf("%s: the SDK error is not kept as the cause", c.name)
		}
		checkOneLine(t, c.name, p)
	}
}

// sharedWorld writes config and credentials files and returns an engine reading them.
func sharedWorld(t *testing.T, cfg, creds string) *Engine {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"HOME":                        dir,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
	}
	for name, body := range map[string]string{"config": cfg, "credentials": creds} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return New(Options{Getenv: func(k string) string { return env[k] }})
}

const aliceKeys = "[default]\naws_access_key_id = AKIAEXAMPLEALICE0001\naws_secret_access_key = aliceEMULATORsecretKEYdoNOTuse0000000001\n"

// TestConfigProblems loads broken profiles through the SDK itself, so the errors are exactly the
// SDK's, and checks what users are told.
func TestConfigProblems(t *testing.T) {
	cases := []struct {
		name, cfg, creds, profile string
		kind                      problem.Kind
		want, hint                string
	}{
		{"cycle", "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = a\n",
			aliceKeys, "a", problem.Config, "the source_profile settings form a cycle: a → b → a", "end the chain"},
		{"longer cycle", "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = c\n[profile c]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = b\n",
			aliceKeys, "a", problem.Config, "cycle: a → b → c → b", "end the chain"},
		{"empty key", "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = empty\n",
			aliceKeys + "[empty]\naws_access_key_id =\naws_secret_access_key = x\n", "r", problem.NoCredentials,
			`aws_access_key_id of profile "empty" (the source_profile of "r") is empty in `, "aws configure --profile empty"},
		{"missing secret", "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = half\n",
			aliceKeys + "[half]\naws_access_key_id = AKIAEXAMPLEALICE0001\n", "r", problem.NoCredentials,
			`aws_secret_access_key of profile "half" (the source_profile of "r") is missing`, "aws configure --profile half"},
		{"partial keys of the profile itself", "", aliceKeys + "[half]\naws_access_key_id = AKIAEXAMPLEALICE0001\n", "half", problem.NoCredentials,
			`aws_secret_access_key of profile "half" is missing in `, "aws configure --profile half"},
		{"source without credentials", "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = bare\n[profile bare]\nregion = eu-west-1\n",
			aliceKeys, "r", problem.NoCredentials, `profile "bare" (the source_profile of "r") has no credentials`, "credential_process"},
		{"missing source profile", "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = nope\n",
			aliceKeys, "r", problem.Config, `profile "r" names source_profile "nope", which is not in `, "create [profile nope]"},
		{"no role_arn", "[profile r]\nsource_profile = default\n", aliceKeys, "r", problem.Config,
			`profile "r" has source_profile but no role_arn`, "add role_arn"},
		{"two sources", "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\ncredential_source = Environment\n",
			aliceKeys, "r", problem.Config, `profile "r" sets source_profile and credential_source`, "keep one"},
		{"sso_session without section", "[profile s]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = dev\n",
			aliceKeys, "s", problem.Config, `profile "s" names sso_session "corp", but there is no [sso-session corp] section`, "aws configure sso-session"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := sharedWorld(t, c.cfg, c.creds)
			_, _, err := e.loadProfile(context.Background(), c.profile)
			if err == nil {
				_, err = e.loadConfig(context.Background(), c.profile, "us-east-1")
			}
			p := problem.As(err)
			if p == nil {
				t.Fatalf("no problem: %v", err)
			}
			if p.Kind != c.kind || !strings.Contains(p.Msg, c.want) || !strings.Contains(p.Hint, c.hint) {
				t.Fatalf("got kind %v %q (hint %q), want %v %q (hint %q)", p.Kind, p.Msg, p.Hint, c.kind, c.want, c.hint)
			}
			if p.Err == nil {
				t.Error("the SDK error is not kept as the cause")
			}
			checkOneLine(t, c.name, p)
		})
	}
}

// TestSourceProblems covers what the SDK's credential providers return for a source.
func TestSourceProblems(t *testing.T) {
	const ssoCfg = "[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = dev\n"
	const chainCfg = "[profile hop]\nrole_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = default\n" +
		"[profile hop2]\nrole_arn = arn:aws:iam::333333333333:role/read\nsource_profile = hop\n"
	const envCfg = "[profile env]\nrole_arn = arn:aws:iam::222222222222:role/read\ncredential_source = Environment\n"
	cases := []struct {
		name, cfg, profile string
		err                error
		kind               problem.Kind
		want, hint         string
	}{
		{"SSO portal refused the connection", ssoCfg, "sso", cached(refused("SSO", "GetRoleCredentials", "https://portal.sso.us-east-1.amazonaws.com")),
			problem.Network, "cannot reach the SSO portal at https://portal.sso.us-east-1.amazonaws.com: connection refused", "may still be valid"},
		{"SSO OIDC unreachable while refreshing", "[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = dev\n[sso-session corp]\nsso_start_url = https://x\nsso_region = us-east-1\n", "sso",
			cached(fmt.Errorf("refresh cached SSO token failed, %w", refused("SSO OIDC", "CreateToken", "https://oidc.us-east-1.amazonaws.com"))),
			problem.Network, "cannot reach the SSO sign-in service (SSO OIDC)", "AWS_ENDPOINT_URL_SSO"},
		{"SSO token expired", ssoCfg, "sso", cached(&ssocreds.InvalidTokenError{}),
			problem.NoCredentials, `the SSO session of profile "sso" has expired`, "aws sso login --profile sso"},
		{"SSO token cache missing", ssoCfg, "sso", cached(&ssocreds.InvalidTokenError{Err: fmt.Errorf("failed to read cached SSO token file, %w", &os.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT})}),
			problem.NoCredentials, "has expired or was never started", "aws sso login --profile sso"},
		{"SSO 401", ssoCfg, "sso", cached(apiErr("SSO", "GetRoleCredentials", 401, "UnauthorizedException", "Session token not found or invalid")),
			problem.NoCredentials, "has expired", "aws sso login --profile sso"},
		{"SSO no access to the role", ssoCfg, "sso", cached(apiErr("SSO", "GetRoleCredentials", 403, "ForbiddenException", "No access")),
			problem.AccessDenied, "the SSO portal refused role dev in account 111111111111: ForbiddenException: No access", "sso_role_name"},
		{"hop of a chain denied", chainCfg, "hop2", cached(apiErr("STS", "AssumeRole", 403, "AccessDenied",
			"User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/admin")),
			problem.AccessDenied, `profile "hop" (in the source_profile chain of "hop2"): arn:aws:iam::111111111111:user/alice may not assume arn:aws:iam::222222222222:role/admin`, "requires MFA"},
		{"hop of a chain unreachable", chainCfg, "hop2", cached(refused("STS", "AssumeRole", "https://sts.us-east-1.amazonaws.com")),
			problem.Network, `profile "hop" (in the source_profile chain of "hop2"): AssumeRole: cannot reach https://sts.us-east-1.amazonaws.com`, "HTTPS_PROXY"},
		{"credential_source Environment without keys", envCfg, "env", cached(&smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole",
			Err: fmt.Errorf("get identity: %w", fmt.Errorf("get credentials: %w", &credentials.StaticCredentialsEmptyError{}))}),
			problem.NoCredentials, `profile "env" takes its source credentials from the environment (credential_source = Environment), but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set`, "source_profile"},
		{"web identity token file missing", "[profile w]\nrole_arn = arn:aws:iam::222222222222:role/read\nweb_identity_token_file = /nonexistent/token\n", "w",
			cached(fmt.Errorf("failed to retrieve jwt from provide source, %w", fmt.Errorf("unable to read file at /nonexistent/token: %v", syscall.ENOENT))),
			problem.NoCredentials, `cannot read the web identity token file /nonexistent/token of profile "w"`, "web_identity_token_file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := sharedWorld(t, c.cfg, aliceKeys)
			_, ok, err := e.loadProfile(context.Background(), c.profile)
			if err != nil || !ok {
				t.Fatalf("profile %s: %v", c.profile, err)
			}
			p := e.explainSource(c.err, &Source{Profile: c.profile, Label: fmt.Sprintf("profile %q", c.profile)})
			if p.Kind != c.kind || !strings.Contains(p.Msg, c.want) || !strings.Contains(p.Hint, c.hint) {
				t.Fatalf("got kind %v %q (hint %q), want %v %q (hint %q)", p.Kind, p.Msg, p.Hint, c.kind, c.want, c.hint)
			}
			if !errors.Is(p, c.err) {
				t.Error("the SDK error is not kept as the cause")
			}
			checkOneLine(t, c.name, p)
			if strings.Contains(p.Msg+p.Hint, "aliceEMULATORsecret") {
				t.Error("a secret in the message")
			}
		})
	}
}

func TestLoadProfileMissingSourceIsNotAMissingProfile(t *testing.T) {
	e := sharedWorld(t, "[profile r]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = nope\n", aliceKeys)
	if _, _, err := e.loadProfile(context.Background(), "absent"); err != nil {
		t.Fatalf("an absent profile is not an error of loadProfile: %v", err)
	}
	_, ok, err := e.loadProfile(context.Background(), "r")
	if ok || err == nil || !strings.Contains(err.Error(), `names source_profile "nope"`) {
		t.Fatalf("profile r exists, its source does not: ok %v err %v", ok, err)
	}
	if !missingProfile(config.SharedConfigProfileNotExistError{Profile: "x"}) ||
		missingProfile(config.SharedConfigAssumeRoleError{Profile: "x", Err: config.SharedConfigProfileNotExistError{Profile: "x"}}) {
		t.Fatal("missingProfile")
	}
}
