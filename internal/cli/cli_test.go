package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/engine"
	"github.com/aws/aws-sdk-go-v2/aws"
)

func testIO(env map[string]string) (*IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &IO{
		In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC) },
	}, &out, &errb
}

func TestParsePositional(t *testing.T) {
	cases := []struct {
		args []string
		want positional
		err  string
	}{
		{[]string{"prod", "read"}, positional{account: "prod", role: "read"}, ""},
		{[]string{"prod", "read", "123456"}, positional{account: "prod", role: "read", token: "123456"}, ""},
		{[]string{"prod", "read", "123456", "eu-west-1"}, positional{"prod", "read", "123456", "eu-west-1"}, ""},
		{[]string{"prod", "read", "eu-west-1"}, positional{account: "prod", role: "read", region: "eu-west-1"}, ""},
		{[]string{"prod", "read", "eu-west-1", "123456"}, positional{}, "MFA_TOKEN must come before REGION"},
		{[]string{"prod", "read", "bogus"}, positional{}, `unexpected argument "bogus"`},
	}
	for _, c := range cases {
		got, err := parsePositional(c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: err %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: %+v %v", c.args, got, err)
		}
	}
}

func TestMainUsageErrorsExitTwoWithoutNetwork(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus"}, {"nope", "read"}, {"prod", "read", "-T", "12"}, {"-o", "tcsh", "-R", "arn:aws:iam::222222222222:role/r"},
		{"-R", "arn:aws:iam::222222222222:role/r", "1", "2"}, {"--unset", "prod"}, {"a", "b", "c", "d", "e"},
		{"cache", "list", "extra"}, {"shell-init", "tcsh"}, {"-T", "abc"},
	} {
		sio, out, errb := testIO(map[string]string{"HOME": t.TempDir(), "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"})
		code := Main(context.Background(), args, sio)
		if code != 2 || out.Len() != 0 || !strings.HasPrefix(errb.String(), "assume-role: error: ") {
			t.Errorf("%v: exit %d out %q err %q", args, code, out.String(), errb.String())
		}
	}
}

func TestCredentialVarsAndUnset(t *testing.T) {
	exp := time.Date(2026, 11, 21, 7, 0, 0, 0, time.UTC)
	r := &engine.Result{Ambient: "profile:bastion", Credentials: aws.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: exp},
		AccountID: "222222222222", RoleName: "read", Region: "eu-west-1"}
	vars := credentialVars(r, "prod", "read")
	got := map[string]string{}
	for _, v := range vars {
		got[v.Name] = v.Value
	}
	want := map[string]string{"AWS_ACCESS_KEY_ID": "ASIA1", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t", "AWS_SECURITY_TOKEN": "t",
		"AWS_CREDENTIAL_EXPIRATION": "2026-11-21T07:00:00Z", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
		"AWS_ACCOUNT_ID": "222222222222", "AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read",
		"ASSUME_ROLE_SOURCE": "profile:bastion", "ASSUME_ROLE_EXPORTED_KEY_ID": "ASIA1"}
	if len(got) != len(want) {
		t.Fatalf("vars %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if u := unsetFor(vars); strings.Join(u, ",") != "AWS_PROFILE,AWS_DEFAULT_PROFILE" {
		t.Errorf("unset %v", u)
	}
	// Long-term keys: no token, so a stale token from an earlier switch is unset.
	r.Credentials.SessionToken, r.Credentials.CanExpire = "", false
	u := strings.Join(unsetFor(credentialVars(r, "", "")), ",")
	if !strings.Contains(u, "AWS_SESSION_TOKEN") || !strings.Contains(u, "AWS_CREDENTIAL_EXPIRATION") {
		t.Errorf("unset %v", u)
	}
}

func TestResolveFormat(t *testing.T) {
	env := map[string]string{"SHELL": "/usr/bin/fish"}
	get := func(k string) string { return env[k] }
	o := outputFlags{}
	if f, explicit, _ := o.resolveFormat(get); f != "fish" || explicit {
		t.Errorf("from $SHELL: %s %v", f, explicit)
	}
	env["ASSUME_ROLE_SHELL"] = "zsh"
	if f, explicit, _ := o.resolveFormat(get); f != "zsh" || !explicit {
		t.Errorf("from integration: %s %v", f, explicit)
	}
	o.format = "json"
	if f, _, _ := o.resolveFormat(get); f != "json" {
		t.Errorf("explicit: %s", f)
	}
	o.format = "csh"
	if _, _, err := o.resolveFormat(get); err == nil {
		t.Error("csh accepted")
	}
}

func TestPromptCommand(t *testing.T) {
	sio, out, _ := testIO(map[string]string{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": "2026-11-21T06:47:00Z"})
	if code := Main(context.Background(), []string{"prompt"}, sio); code != 0 || out.String() != "aws:(prod:read 47m)\n" {
		t.Fatalf("prompt: %d %q", code, out.String())
	}
}

func TestCommandLineForHint(t *testing.T) {
	sio, _, _ := testIO(nil)
	cmd := NewRootCmd(sio)
	if err := cmd.ParseFlags([]string{"-R", "arn:aws:iam::222222222222:role/r", "-T", "900", "--tags", "a=b", "--tags", "c=d", "--no-cache", "-o", "json"}); err != nil {
		t.Fatal(err)
	}
	got := shellQuoteArgs(commandLine(cmd))
	for _, want := range []string{"--role arn:aws:iam::222222222222:role/r", "--session-duration 900", "--tags a=b --tags c=d", "--no-cache"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "json") {
		t.Errorf("%q keeps -o", got)
	}
}
