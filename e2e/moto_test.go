package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// motoServer is a moto_server process (an independent STS implementation) on a loopback port.
type motoServer struct {
	url      string
	cmd      *exec.Cmd
	log      string // its output, for failure messages
	exited   chan struct{}
	stopOnce sync.Once
}

// startMoto starts moto_server on a free 127.0.0.1 port, waits until it answers, and stops it
// when the test ends. It skips where moto is absent and fails in CI.
func startMoto(t *testing.T) *motoServer {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		skipOrFailMissing(t, "moto_server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	m := &motoServer{url: "http://127.0.0.1:" + strconv.Itoa(port), log: filepath.Join(dir, "moto.log"), exited: make(chan struct{})}
	logf, err := os.Create(m.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	m.cmd = exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	m.cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	m.cmd.Dir = dir
	m.cmd.Stdout, m.cmd.Stderr = logf, logf
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the pyenv shim execs python: stop the whole group
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("starting moto_server: %v", err)
	}
	go func() { m.cmd.Wait(); close(m.exited) }()
	t.Cleanup(m.stop)

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-m.exited:
			t.Fatalf("moto_server exited before answering:\n%s", m.output())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			cancel()
			return m
		}
		cancel()
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s: %v\n%s", m.url, err, m.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills moto_server's process group and waits for it to exit.
func (m *motoServer) stop() {
	m.stopOnce.Do(func() {
		syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-m.exited
	})
}

func (m *motoServer) output() string {
	b, _ := os.ReadFile(m.log)
	return string(b)
}

// motoWorld is a world whose STS and IAM endpoints are moto, with keys moto has never seen.
func motoWorld(t *testing.T, m *motoServer) *world {
	t.Helper()
	w := newWorld(t, nil)
	w.env["AWS_ENDPOINT_URL_STS"] = m.url
	w.env["AWS_ENDPOINT_URL_IAM"] = m.url
	w.write(".aws/credentials", "[default]\naws_access_key_id = AKIAEXAMPLEMOTOANY01\naws_secret_access_key = anyEXAMPLEsecretMOTOaccepts000000000000\n")
	return w
}

// TestMotoSTS runs one moto_server for a few cases, in order: the last stops it to show the
// cache answers without contacting STS.
func TestMotoSTS(t *testing.T) {
	m := startMoto(t)
	w := motoWorld(t, m)
	const roleARNPrefix = "arn:aws:sts::123456789012:assumed-role/read/"

	// -o json: moto's credentials in the AWS CLI's shape.
	start := time.Now()
	j := parseCLIJSON(t, w.ok("123456789012", "read", "-o", "json").stdout)
	if !strings.HasPrefix(j.AssumedRoleUser.Arn, roleARNPrefix) || len(j.AssumedRoleUser.Arn) == len(roleARNPrefix) {
		t.Fatalf("AssumedRoleUser.Arn = %q, want %s<session>", j.AssumedRoleUser.Arn, roleARNPrefix)
	}
	if j.Credentials.AccessKeyID == "" || j.Credentials.SecretAccessKey == "" || j.Credentials.SessionToken == "" {
		t.Fatalf("empty credentials from moto: %+v", j.Credentials)
	}
	exp, _ := time.Parse(time.RFC3339, j.Credentials.Expiration)
	if !exp.After(start) || exp.After(time.Now().Add(time.Hour+time.Minute)) {
		t.Errorf("Expiration %s is not about an hour (the default duration) from now", exp)
	}

	// -o credential-process: Version 1 with the account, the same (cached) credentials.
	out := w.ok("123456789012", "read", "-o", "credential-process").stdout
	requireKeys(t, "credential-process", out, []string{"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"}, nil)
	var cp struct {
		Version     int
		AccessKeyID string `json:"AccessKeyId"`
		AccountID   string `json:"AccountId"`
		Expiration  string
	}
	decodeJSON(t, out, &cp)
	if cp.Version != 1 || cp.AccountID != "123456789012" || cp.AccessKeyID != j.Credentials.AccessKeyID || cp.Expiration != j.Credentials.Expiration {
		t.Errorf("credential-process = %+v, want Version 1, AccountId 123456789012 and the -o json credentials", cp)
	}

	// Prowler's flags, eval'd in bash. (A one-character session name is invalid for STS and rejected locally.)
	w.fail(2, "--role-session-name", "-R", "arn:aws:iam::123456789012:role/ops/audit", "--role-session-name", "x")
	flags := []string{"-R", "arn:aws:iam::123456789012:role/ops/audit", "-I", "ext", "-T", "1800", "--role-session-name", "xy"}
	start = time.Now()
	env := exportsOf(t, w, w.ok(append(flags, "-o", "bash")...).stdout)
	if !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"], "ASIA") || env["AWS_SECRET_ACCESS_KEY"] == "" ||
		env["AWS_SESSION_TOKEN"] == "" || env["AWS_SECURITY_TOKEN"] != env["AWS_SESSION_TOKEN"] {
		t.Fatalf("bash exports lack credentials: %v", sortedEnvNames(env))
	}
	if env["AWS_ACCOUNT_ID"] != "123456789012" || env["AWS_ACCOUNT_ROLE"] != "ops/audit" || env["AWS_REGION"] != "us-east-1" {
		t.Errorf("account %q role %q region %q", env["AWS_ACCOUNT_ID"], env["AWS_ACCOUNT_ROLE"], env["AWS_REGION"])
	}
	if env["AWS_ACCESS_KEY_ID"] == j.Credentials.AccessKeyID {
		t.Errorf("a different role got the same credentials")
	}
	exp, err := time.Parse(time.RFC3339, env["AWS_CREDENTIAL_EXPIRATION"])
	if err != nil || !exp.After(start) || exp.After(time.Now().Add(1800*time.Second+time.Minute)) {
		t.Errorf("AWS_CREDENTIAL_EXPIRATION %q is not about 30 minutes (-T 1800) from now", env["AWS_CREDENTIAL_EXPIRATION"])
	}
	audit := parseCLIJSON(t, w.ok(append(flags, "-o", "json")...).stdout)
	if audit.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/audit/xy" || audit.Credentials.AccessKeyID != env["AWS_ACCESS_KEY_ID"] {
		t.Errorf("-o json after -o bash: %q %q, want the cached audit/xy session", audit.AssumedRoleUser.Arn, audit.Credentials.AccessKeyID)
	}

	// Without moto, an uncached call fails and cached ones still succeed: they never contact STS.
	m.stop()
	if resp, err := http.Get(m.url + "/"); err == nil {
		resp.Body.Close()
		t.Fatalf("moto still answers after stop")
	}
	out = w.ok("123456789012", "read", "-o", "credential-process").stdout
	decodeJSON(t, out, &cp)
	if cp.AccessKeyID != j.Credentials.AccessKeyID {
		t.Errorf("the cached call returned other credentials")
	}
	if again := parseCLIJSON(t, w.ok(append(flags, "-o", "json")...).stdout); again.Credentials.AccessKeyID != env["AWS_ACCESS_KEY_ID"] {
		t.Errorf("the cached -R call returned other credentials")
	}
}
