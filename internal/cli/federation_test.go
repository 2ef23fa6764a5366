package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/saml"
	"github.com/spf13/pflag"
)

type scriptedPrompter struct {
	tty            bool
	asked, secrets []string
	user, password string
}

func (s *scriptedPrompter) CanPrompt() bool { return s.tty }
func (s *scriptedPrompter) Ask(label, def string) (string, error) {
	s.asked = append(s.asked, label)
	return s.user, nil
}
func (s *scriptedPrompter) Secret(label string) (string, error) {
	s.secrets = append(s.secrets, label)
	return s.password, nil
}
func (s *scriptedPrompter) Choose(string, []string) (int, error) { return 0, nil }

func buildTarget(t *testing.T, env map[string]string, stdin string, args ...string) (*target, string, error) {
	t.Helper()
	sio, _, errb := testIO(env)
	sio.In = strings.NewReader(stdin)
	var tf targetFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	tf.register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	tg, err := tf.build(sio, fs.Args())
	return tg, errb.String(), err
}

func samlEnv(t *testing.T) map[string]string {
	home := t.TempDir()
	return map[string]string{
		"HOME": home, "AWS_ASSUME_ROLE_AUTH_SCHEME": "SAML", "SAML_IDP_ASSERTION_URL": "https://idp.example.com/saml",
		"SAML_IDP_NAME": "corp", "AWS_REGION": "us-east-1",
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCoinbaseSAMLScheme(t *testing.T) {
	env := samlEnv(t)
	writeFile(t, filepath.Join(env["HOME"], ".aws", "accounts"), `{"prod": "222222222222"}`, 0o600)
	writeFile(t, filepath.Join(env["HOME"], ".saml", "credentials"), "username = dev@example.com\npassword = p#w = \"x\"\n", 0o644)
	tg, stderr, err := buildTarget(t, env, "", "prod", "saml-read")
	if err != nil {
		t.Fatal(err)
	}
	s := tg.req.SAML
	if s == nil || s.IdPURL != env["SAML_IDP_ASSERTION_URL"] || s.IdPName != "corp" || s.BodyTemplate != saml.DefaultTemplate ||
		s.Username != "dev@example.com" || s.Password != `p#w = "x"` || s.AccountNames["222222222222"] != "prod" {
		t.Fatalf("SAML source = %+v", s)
	}
	if tg.req.Account != "prod" || tg.req.Role != "saml-read" { // resolved by the engine
		t.Fatalf("target = %+v", tg)
	}
	if !strings.Contains(stderr, "readable by other users") || strings.Contains(stderr, "p#w") {
		t.Fatalf("stderr %q", stderr)
	}

	// A custom template and no role: the role will come from the assertion.
	env["SAML_IDP_REQUEST_BODY_TEMPLATE"] = `{"username": "$saml_user", "password": "$saml_password"}`
	tg, _, err = buildTarget(t, env, "")
	if err != nil || tg.req.RoleARN != "" || tg.req.SAML.BodyTemplate != env["SAML_IDP_REQUEST_BODY_TEMPLATE"] {
		t.Fatalf("%+v %v", tg, err)
	}
}

func TestCoinbaseSAMLErrors(t *testing.T) {
	cases := []struct {
		unset string
		args  []string
		kind  problem.Kind
		want  string
	}{
		{"SAML_IDP_NAME", []string{"prod", "r"}, problem.Config, "needs SAML_IDP_NAME"},
		{"SAML_IDP_ASSERTION_URL", []string{"prod", "r"}, problem.Config, "needs SAML_IDP_ASSERTION_URL"},
		{"", []string{"222222222222", "r", "123456"}, problem.Usage, "takes no MFA code"},
		{"", []string{"-p", "x"}, problem.Usage, "-p/--profile cannot be combined"},
		{"", []string{"--web-identity-token-file", "f", "-R", "arn:aws:iam::222222222222:role/r"}, problem.Usage, "cannot be combined with SAML"},
	}
	for _, c := range cases {
		env := samlEnv(t)
		delete(env, c.unset)
		_, _, err := buildTarget(t, env, "", c.args...)
		if p := problem.As(err); p == nil || p.Kind != c.kind || !strings.Contains(p.Msg, c.want) {
			t.Errorf("%v without %s: %v", c.args, c.unset, err)
		}
	}
	env := samlEnv(t)
	env["SAML_FILE"] = filepath.Join(env["HOME"], "nope")
	if _, _, err := buildTarget(t, env, "", "222222222222", "r"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing SAML_FILE: %v", err)
	}
}

func TestSAMLCredentialsPrompt(t *testing.T) {
	env := samlEnv(t)
	sio, _, _ := testIO(env)
	p := &scriptedPrompter{tty: true, user: " dev ", password: `"sec ret\`}
	sio.Prompter = p
	var tf targetFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	tf.register(fs)
	tg, err := tf.build(sio, []string{"222222222222", "saml-read"})
	if err != nil {
		t.Fatal(err)
	}
	if tg.req.SAML.Username != "" || tg.req.SAML.Password != "" {
		t.Fatalf("credentials without a file: %+v", tg.req.SAML)
	}
	u, pw, err := tg.req.SAML.Credentials()
	if err != nil || u != "dev" || pw != `"sec ret\` {
		t.Fatalf("Credentials() = %q %q %v", u, pw, err)
	}
	if strings.Join(p.asked, "|") != "SAML username: " || strings.Join(p.secrets, "|") != "SAML password: " {
		t.Fatalf("prompts %q %q", p.asked, p.secrets)
	}
	// --no-input: no prompt, an error.
	fs = pflag.NewFlagSet("test", pflag.ContinueOnError)
	tf = targetFlags{}
	tf.register(fs)
	if err := fs.Parse([]string{"--no-input", "222222222222", "saml-read"}); err != nil {
		t.Fatal(err)
	}
	tg, err = tf.build(sio, fs.Args())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tg.req.SAML.Credentials(); err == nil || !strings.Contains(err.Error(), "no terminal") {
		t.Fatalf("--no-input: %v", err)
	}
}

func TestSAMLAssertionFlag(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	file := writeFile(t, filepath.Join(home, "a.b64"), "PHNhbWw+", 0o600)
	tg, _, err := buildTarget(t, env, "", "--saml-assertion", file)
	if err != nil || string(tg.req.SAML.Assertion) != "PHNhbWw+" || tg.req.SAML.IdPURL != "" {
		t.Fatalf("%+v %v", tg, err)
	}
	tg, _, err = buildTarget(t, env, "<samlp:Response/>", "--saml-assertion", "-", "--allow-insecure-idp")
	if err != nil || string(tg.req.SAML.Assertion) != "<samlp:Response/>" || !tg.req.SAML.AllowInsecure {
		t.Fatalf("%+v %v", tg, err)
	}
	for _, args := range [][]string{{"--saml-assertion", "-"}, {"--saml-assertion", filepath.Join(home, "missing")}} {
		if _, _, err := buildTarget(t, env, " \n", args...); problem.As(err) == nil || problem.As(err).Kind != problem.Usage {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestWebIdentityTargets(t *testing.T) {
	home := t.TempDir()
	role := "arn:aws:iam::222222222222:role/web-read"
	env := map[string]string{"HOME": home, "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token", "AWS_ROLE_ARN": role}
	tg, _, err := buildTarget(t, env, "")
	if err != nil || tg.req.WebIdentityTokenFile != "/var/run/token" || tg.req.RoleARN != role || tg.req.SAML != nil {
		t.Fatalf("environment: %+v %v", tg, err)
	}
	// Another target given: the environment's token is not used by us (the SDK may still use it).
	other := "arn:aws:iam::222222222222:role/read"
	tg, _, err = buildTarget(t, env, "", "-R", other)
	if err != nil || tg.req.WebIdentityTokenFile != "" || tg.req.RoleARN != other {
		t.Fatalf("-R: %+v %v", tg, err)
	}
	tg, _, err = buildTarget(t, env, "", "--web-identity-token-file", "/tmp/t", "-R", other)
	if err != nil || tg.req.WebIdentityTokenFile != "/tmp/t" || tg.req.RoleARN != other {
		t.Fatalf("flag: %+v %v", tg, err)
	}
	delete(env, "AWS_ROLE_ARN")
	if _, _, err := buildTarget(t, env, "", "--web-identity-token-file", "/tmp/t"); err == nil || !strings.Contains(err.Error(), "needs a role") {
		t.Fatalf("no role: %v", err)
	}
	if _, _, err := buildTarget(t, env, "", "--web-identity-token-file", "/tmp/t", "-p", "x"); err == nil || !strings.Contains(err.Error(), "-p/--profile") {
		t.Fatalf("with -p: %v", err)
	}
}
