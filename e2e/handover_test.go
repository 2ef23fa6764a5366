package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
)

func TestExecPassesEnvironmentAndExitCode(t *testing.T) {
	w := newWorld(t, nil)
	r := w.runEnv(map[string]string{"AWS_PROFILE": "default", "AWS_REGION": "eu-west-1"},
		"exec", "prod", "read", "--", "sh", "-c", `echo "$AWS_ACCOUNT_NAME:$AWS_ACCOUNT_ROLE:$AWS_REGION:${AWS_PROFILE-unset}:${AWS_SESSION_TOKEN:+token}"; exit 3`)
	if r.code != 3 || strings.TrimSpace(r.stdout) != "prod:read:eu-west-1:unset:token" {
		t.Fatalf("exec: %s", r)
	}
	if r.stderr != "" {
		t.Fatalf("exec printed on stderr: %q", r.stderr)
	}
	w.fail(2, "no command to run", "exec", "prod", "read")
	w.fail(127, "command not found", "exec", "prod", "read", "--", "no-such-command-xyz")
}

func TestExecForwardsSignals(t *testing.T) {
	w := newWorld(t, nil)
	cmd := exec.Command(binary, "exec", "prod", "read", "--", "sh", "-c", `trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done`)
	cmd.Env = w.environ(map[string]string{"AWS_REGION": "us-east-1"})
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("child said %q", line)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// startServe runs `assume-role serve` and returns the variables it printed.
func startServe(t *testing.T, w *world, extra map[string]string, args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, append([]string{"serve"}, args...)...)
	cmd.Env = w.environ(extra)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	vars := map[string]string{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			vars[k] = strings.Trim(v, "'")
		}
		if strings.HasPrefix(line, "unset") && vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] != "" {
			break
		}
	}
	go io.Copy(io.Discard, out)
	if vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == "" {
		t.Fatalf("serve printed no endpoint: %v", vars)
	}
	return vars
}

func TestServeRefusals(t *testing.T) {
	w := newWorld(t, nil)
	vars := startServe(t, w, map[string]string{"AWS_REGION": "us-east-1"}, "prod", "read", "-o", "bash")
	u := vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
	if pu, _ := url.Parse(u); pu == nil || !strings.HasPrefix(pu.Host, "127.0.0.1:") {
		t.Fatalf("endpoint %q is not on 127.0.0.1", u)
	}
	get := func(token, host string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", u, nil)
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if code, _ := get("", ""); code != 401 && code != 403 {
		t.Errorf("no token: %d", code)
	}
	if code, _ := get("wrong", ""); code != 401 && code != 403 {
		t.Errorf("wrong token: %d", code)
	}
	if code, _ := get(vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"], "evil.example:80"); code != 403 {
		t.Errorf("foreign Host: %d", code)
	}
	code, body := get(vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"], "")
	if code != 200 || !strings.HasPrefix(body["AccessKeyId"].(string), "ASIA") || body["Token"] == "" || body["Expiration"] == "" {
		t.Fatalf("good request: %d %v", code, body)
	}
}

// TestExecServerRefreshes proves a child keeps working across several credential lifetimes:
// the emulator issues 3-second credentials and the child calls STS for ~8 s with boto3.
func TestExecServerRefreshes(t *testing.T) {
	py := requireTool(t, "python3")
	if exec.Command(py, "-c", "import boto3").Run() != nil {
		requireTool(t, "python3-boto3-missing")
	}
	w := newWorld(t, func(s *stsemu.Scenario) { s.RoleCredentialLifetimeSeconds = 3 })
	w.write(".aws/config", mfaConfig)
	script := `
import boto3, time, json, os
seen, arns = [], set()
end = time.time() + 8
while time.time() < end:
    s = boto3.session.Session()
    c = s.get_credentials().get_frozen_credentials()
    ident = s.client("sts", endpoint_url=os.environ["EMU"]).get_caller_identity()
    arns.add(ident["Arn"])
    if c.access_key not in seen:
        seen.append(c.access_key)
    time.sleep(0.5)
print(json.dumps({"keys": seen, "arns": sorted(arns)}))
`
	r := w.runEnv(map[string]string{"EMU": w.url, "AWS_REGION": "us-east-1", "ASSUME_ROLE_CACHE_MARGIN": "1s"},
		"exec", "--server", "prod", "admin", "123456", "--", py, "-c", script)
	if r.code != 0 {
		t.Fatalf("child failed: %s", r)
	}
	var got struct {
		Keys []string `json:"keys"`
		Arns []string `json:"arns"`
	}
	decodeJSON(t, strings.TrimSpace(r.stdout), &got)
	if len(got.Keys) < 3 || len(got.Arns) != 1 || !strings.Contains(got.Arns[0], "assumed-role/admin/alice") {
		t.Fatalf("refreshes: %+v", got)
	}
	if n := w.count("GetSessionToken"); n != 1 {
		t.Fatalf("%d MFA sessions for one run: roles must be re-minted from the cached session", n)
	}
	t.Logf("child saw %d credential sets; emulator calls: %v", len(got.Keys), w.calls())
}

func TestShellInitFunctions(t *testing.T) {
	w := newWorld(t, nil)
	binDir := strings.TrimSuffix(binary, "/assume-role")
	for _, shell := range []string{"bash", "zsh", "fish"} {
		path := requireTool(t, shell)
		init := w.ok("shell-init", shell).stdout
		var script string
		switch shell {
		case "fish":
			script = init + "\nassume-role prod read; or exit 9\necho \"set:$AWS_ACCOUNT_NAME:$AWS_ACCOUNT_ROLE\"\nassume-role prompt\nassume-role --unset\necho \"unset:$AWS_ACCOUNT_NAME\"\nassume-role nope read; echo \"status:$status\"\n"
		default:
			script = init + "\nassume-role prod read || exit 9\necho \"set:$AWS_ACCOUNT_NAME:$AWS_ACCOUNT_ROLE\"\nassume-role prompt\nassume-role --unset\necho \"unset:${AWS_ACCOUNT_NAME-}\"\nassume-role nope read; echo \"status:$?\"\n"
		}
		args := []string{"-c", script}
		if shell == "fish" {
			args = []string{"--no-config", "-c", script}
		}
		cmd := exec.Command(path, args...)
		cmd.Env = w.environ(map[string]string{"PATH": binDir + ":" + w.env["PATH"], "AWS_REGION": "us-east-1"})
		out, err := cmd.CombinedOutput()
		s := string(out)
		if err != nil || !strings.Contains(s, "set:prod:read") || !strings.Contains(s, "aws:(prod:read ") ||
			!strings.Contains(s, "unset:\n") || !strings.Contains(s, "status:2") {
			t.Errorf("%s: %v\n%s", shell, err, s)
		}
	}
}

func TestWhoamiAndConsole(t *testing.T) {
	w := newWorld(t, nil)
	env := exportsOf(t, w, w.ok("prod", "read", "-o", "bash").stdout)
	exported := map[string]string{}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_ACCOUNT_ID", "AWS_ACCOUNT_ROLE"} {
		exported[k] = env[k]
	}
	r := w.runEnv(exported, "whoami")
	if r.code != 0 || !strings.Contains(r.stdout, "arn:aws:sts::222222222222:assumed-role/read/alice") || !strings.Contains(r.stdout, "left") {
		t.Fatalf("whoami: %s", r)
	}
	fed := map[string]string{"ASSUME_ROLE_FEDERATION_ENDPOINT": w.url + "/federation"}
	for k, v := range exported {
		fed[k] = v
	}
	r = w.runEnv(fed, "console")
	checkLoginURL(t, w, r)
	// A target: the role's credentials.
	r = w.runEnv(map[string]string{"ASSUME_ROLE_FEDERATION_ENDPOINT": w.url + "/federation"}, "console", "prod", "read", "--duration", "1800")
	checkLoginURL(t, w, r)
	// Long-term keys: GetFederationToken first.
	w.srv.ResetLog()
	r = w.runEnv(map[string]string{"ASSUME_ROLE_FEDERATION_ENDPOINT": w.url + "/federation"}, "console")
	checkLoginURL(t, w, r)
	if w.count("GetFederationToken") != 1 {
		t.Fatalf("calls: %v", w.calls())
	}
}

func checkLoginURL(t *testing.T, w *world, r result) {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(r.stdout))
	if r.code != 0 || err != nil || u.Query().Get("Action") != "login" || u.Query().Get("SigninToken") == "" {
		t.Fatalf("console: %s", r)
	}
	// The emulator's federation endpoint accepts the token (302 to the destination).
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 5 * time.Second}
	resp, err := client.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login answered %d", resp.StatusCode)
	}
}

func TestCompletion(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", "[profile prod-read]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\n")
	if r := w.ok("__complete", "pro"); !strings.Contains(r.stdout, "prod\t222222222222") || !strings.Contains(r.stdout, "prompt") {
		t.Fatalf("aliases: %s", r.stdout)
	}
	if r := w.ok("__complete", "--profile", ""); !strings.Contains(r.stdout, "prod-read") || !strings.Contains(r.stdout, "default") {
		t.Fatalf("profiles: %s", r.stdout)
	}
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := w.ok("completion", sh); len(r.stdout) < 200 {
			t.Fatalf("completion %s: %s", sh, r.stdout)
		}
	}
}

func TestWriteProfile(t *testing.T) {
	w := newWorld(t, nil)
	original := "# my keys\n[default]\naws_access_key_id = " + aliceKey + "\naws_secret_access_key = " + aliceSecret + "\n\n; old role\n[prod]\nregion = eu-west-1\naws_access_key_id = ASIAOLDOLDOLDOLD0000\naws_secret_access_key = old\naws_session_token = old\n\n[other]   \nx = 1"
	path := w.write(".aws/credentials", original)
	r := w.ok("prod", "read", "--write-profile", "prod")
	if r.stdout != "" || !strings.Contains(r.stderr, "wrote profile prod") {
		t.Fatalf("write-profile: %s", r)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, keep := range []string{"# my keys\n[default]\naws_access_key_id = " + aliceKey + "\naws_secret_access_key = " + aliceSecret + "\n\n; old role\n[prod]\n", "\n[other]   \nx = 1"} {
		if !strings.Contains(got, keep) {
			t.Fatalf("lost %q:\n%s", keep, got)
		}
	}
	// The region is the switch's (here the default, us-east-1), as the exports would say.
	if strings.Contains(got, "ASIAOLDOLD") || strings.Contains(got, "region = eu-west-1") || !strings.Contains(got, "region = us-east-1") {
		t.Fatalf("profile not replaced:\n%s", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// Real consumers read it: the AWS CLI v2 and boto3.
	if _, err := exec.LookPath("/usr/bin/aws"); err == nil {
		cmd := exec.Command("/usr/bin/aws", "--profile", "prod", "sts", "get-caller-identity", "--endpoint-url", w.url, "--query", "Arn", "--output", "text")
		cmd.Env = w.environ(nil)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "arn:aws:sts::222222222222:assumed-role/read/alice" {
			t.Fatalf("aws cli: %v %s", err, out)
		}
	} else {
		requireTool(t, "aws-cli-v2-at-/usr/bin/aws")
	}
	cmd := exec.Command("python3", "-c", `import boto3,os; print(boto3.session.Session(profile_name="prod").client("sts", endpoint_url=os.environ["EMU"]).get_caller_identity()["Arn"])`)
	cmd.Env = w.environ(map[string]string{"EMU": w.url, "AWS_REGION": "us-east-1"})
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "arn:aws:sts::222222222222:assumed-role/read/alice" {
		t.Fatalf("boto3: %v %s", err, out)
	}
	// The source keys are never overwritten, and a bad name fails before any call.
	before := len(w.calls())
	w.fail(2, "holds long-term keys", "prod", "read", "--write-profile", "default")
	w.fail(2, "invalid --write-profile", "prod", "read", "--write-profile", "a]b")
	if len(w.calls()) != before {
		t.Fatalf("refused writes called STS: %v", w.calls()[before:])
	}
}

// TestExecCtrlCReachesChildOnce: the terminal delivers Ctrl-C to the whole foreground group, so
// exec must not forward it a second time.
func TestExecCtrlCReachesChildOnce(t *testing.T) {
	w := newWorld(t, nil)
	s := startPTY(t, w, map[string]string{"AWS_REGION": "us-east-1"}, true, "exec", "prod", "read", "--",
		"sh", "-c", `n=0; trap 'n=$((n+1))' INT; echo READY; i=0; while [ $i -lt 20 ]; do sleep 0.05; i=$((i+1)); done; echo "INTS=$n"`)
	s.expect("READY")
	s.ptm.Write([]byte{3}) // Ctrl-C
	_, code := s.wait()
	if code != 0 || !strings.Contains(s.Screen(), "INTS=1") {
		t.Fatalf("exit %d, screen:\n%s", code, s.Screen())
	}
}
