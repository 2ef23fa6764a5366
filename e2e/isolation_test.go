package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bob is another IAM user of the demo scenario: the identity a child must never end up with.
const (
	bobKey    = "AKIAEMULATORBOB00001"
	bobSecret = "bobEMULATORsecretKEYdoNOTuse000000000002"
)

// nodeSDKDir is where .ci/run installs the AWS SDK for JavaScript v3 (npm ci --prefix e2e/testdata/node).
const nodeSDKDir = "testdata/node"

// sdkConsumer is a program that calls sts get-caller-identity through its SDK's default
// credential chain and prints the answer as JSON.
type sdkConsumer struct {
	name     string
	botocore bool // reads botocore's legacy sources (~/.boto, AWS_CREDENTIAL_FILE)
	argv     []string
	env      map[string]string
}

// nodeIdentity is get-caller-identity with @aws-sdk/client-sts (JS SDK v3).
const nodeIdentity = `const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
new STSClient({ endpoint: process.env.EMU }).send(new GetCallerIdentityCommand({}))
  .then((r) => console.log(JSON.stringify({ UserId: r.UserId, Account: r.Account, Arn: r.Arn })))
  .catch((e) => { console.error(e.name + ": " + e.message); process.exit(1); });
`

// sdkConsumers returns boto3, the AWS CLI v2, the JS SDK v3 and the Go SDK (assume-role whoami
// runs the Go SDK's default chain). A missing one skips the test outside CI and fails it in CI.
func sdkConsumers(t *testing.T, w *world) []sdkConsumer {
	t.Helper()
	py := requirePythonModule(t, w, "boto3")
	aws := requireExecutable(t, awsCLIv2)
	node := requireTool(t, "node")
	modules, err := filepath.Abs(filepath.Join(nodeSDKDir, "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(modules, "@aws-sdk", "client-sts", "package.json")); err != nil {
		skipOrFailMissing(t, "@aws-sdk/client-sts is not installed (npm ci --prefix e2e/testdata/node)")
	}
	return []sdkConsumer{
		{name: "boto3", botocore: true, argv: []string{py, "-c", botoIdentity, ""}},
		{name: "aws (v2)", botocore: true, argv: []string{aws, "sts", "get-caller-identity", "--endpoint-url", w.url, "--output", "json"}},
		{name: "JS SDK v3", argv: []string{node, "-e", nodeIdentity}, env: map[string]string{"NODE_PATH": modules, "EMU": w.url}},
		{name: "Go SDK (assume-role whoami)", argv: []string{binary, "whoami", "--json"}},
	}
}

// sourceHazard is a shared-config setup in which an SDK that reads the user's files finds another
// identity (bob's) before the container endpoint.
type sourceHazard struct {
	name         string
	botocoreOnly bool
	prepare      func(w *world) map[string]string // writes files; returns environment to add
}

func hazards() []sourceHazard {
	bobJSON := `{"Version": 1, "AccessKeyId": "` + bobKey + `", "SecretAccessKey": "` + bobSecret + `"}`
	return []sourceHazard{
		{name: "config keys", prepare: func(w *world) map[string]string {
			w.write(".aws/config", "[default]\naws_access_key_id = "+bobKey+"\naws_secret_access_key = "+bobSecret+"\n")
			return nil
		}},
		{name: "credential_process", prepare: func(w *world) map[string]string {
			script := w.write("bin/bob-creds", "#!/bin/sh\necho '"+bobJSON+"'\n")
			if err := os.Chmod(script, 0o700); err != nil {
				w.t.Fatal(err)
			}
			w.write(".aws/config", "[default]\ncredential_process = "+script+"\n")
			return nil
		}},
		{name: "role_arn", prepare: func(w *world) map[string]string {
			w.write(".aws/config", "[default]\nrole_arn = arn:aws:iam::333333333333:role/read\nsource_profile = bobsrc\n\n"+
				"[profile bobsrc]\naws_access_key_id = "+bobKey+"\naws_secret_access_key = "+bobSecret+"\n")
			return nil
		}},
		{name: "SSO", prepare: func(w *world) map[string]string {
			w.write(".aws/config", "[default]\nsso_start_url = https://sso.example.invalid/start\nsso_region = us-east-1\n"+
				"sso_account_id = 333333333333\nsso_role_name = read\n")
			return nil
		}},
		{name: "boto2 files", botocoreOnly: true, prepare: func(w *world) map[string]string {
			w.write(".boto", "[Credentials]\naws_access_key_id = "+bobKey+"\naws_secret_access_key = "+bobSecret+"\n")
			file := w.write("ec2-credentials", "AWSAccessKeyId="+bobKey+"\nAWSSecretKey="+bobSecret+"\n")
			return map[string]string{"AWS_CREDENTIAL_FILE": file}
		}},
	}
}

// isolationWorld is a world whose source is profile alice and whose [default] (credentials file
// included) belongs to bob.
func isolationWorld(t *testing.T) *world {
	w := newWorld(t, nil)
	w.write(".aws/credentials", "[default]\naws_access_key_id = "+bobKey+"\naws_secret_access_key = "+bobSecret+
		"\n\n[alice]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = "+aliceSecret+"\n")
	return w
}

// noEgress sends any request that is not for loopback to a closed loopback port: a consumer that
// picked another identity could otherwise try a real AWS endpoint (the AWS CLI 2.9 ignores
// AWS_ENDPOINT_URL_STS for the AssumeRole a role_arn profile makes).
var noEgress = map[string]string{"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}

func merged(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestExecServerChildSeesOnlyTheEndpoint: whatever the user's [default] holds, every SDK in an
// exec --server child gets the role from the endpoint, never another identity.
func TestExecServerChildSeesOnlyTheEndpoint(t *testing.T) {
	t.Parallel()
	for _, hz := range hazards() {
		t.Run(hz.name, func(t *testing.T) {
			w := isolationWorld(t)
			extra := merged(hz.prepare(w), noEgress, map[string]string{"AWS_REGION": "us-east-1"})
			for _, c := range sdkConsumers(t, w) {
				if hz.botocoreOnly && !c.botocore {
					continue
				}
				t.Run(c.name, func(t *testing.T) {
					args := append([]string{"exec", "--server", "--source-profile", "alice", "prod", "read", "--"}, c.argv...)
					r := runProcess(t, consumerEnv(t, w, merged(extra, c.env)), w.home, "", binary, args...)
					requireIdentity(t, w, hz.name+": "+c.name, r)
				})
			}
		})
	}
}

// TestServeVariablesIsolate: the variables serve prints, evaluated in a shell that has
// AWS_PROFILE set and whose user has other identities in every file an SDK reads, give every
// SDK the role from the endpoint.
func TestServeVariablesIsolate(t *testing.T) {
	t.Parallel()
	w := isolationWorld(t)
	shellEnv := merged(noEgress, map[string]string{"AWS_REGION": "us-east-1", "AWS_PROFILE": "bobsrc", "AWS_DEFAULT_PROFILE": "bobsrc"})
	for _, hz := range hazards() {
		if hz.name == "role_arn" || hz.name == "boto2 files" {
			shellEnv = merged(shellEnv, hz.prepare(w))
		}
	}
	script := serveScript(t, w, shellEnv, "--source-profile", "alice", "prod", "read", "-o", "bash")
	for _, name := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		if !strings.Contains(script, "export "+name+"=") {
			t.Errorf("serve does not set %s:\n%s", name, script)
		}
	}
	bash := requireTool(t, "bash")
	for _, c := range sdkConsumers(t, w) {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-c", `eval "$1" || exit 92; shift; exec "$@"`, "bash", script}, c.argv...)
			r := runConsumer(t, w, merged(shellEnv, c.env), bash, args...)
			requireIdentity(t, w, "serve: "+c.name, r)
		})
	}
}

// serveScript starts `assume-role serve ARGS…` and returns what it printed for the shell, once it
// says it is serving. The server stops when the test ends.
func serveScript(t *testing.T, w *world, extra map[string]string, args ...string) string {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "serve-stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, append([]string{"serve"}, args...)...)
	cmd.Env, cmd.Dir = w.environ(extra), w.home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.Stdout = out
	serving := &watchWriter{want: "assume-role: serving credentials", seen: make(chan struct{})}
	cmd.Stderr = serving
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cancel(); <-exited })
	select {
	case <-serving.seen:
	case err := <-exited:
		t.Fatalf("serve exited (%v) before serving:\n%s", err, serving.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start within a minute:\n%s", serving.String())
	}
	// stdout was written and synced before the stderr line.
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// watchWriter collects output and closes seen once want has appeared in it.
type watchWriter struct {
	want string
	seen chan struct{}

	mu     sync.Mutex
	buf    bytes.Buffer
	closed bool
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.closed && strings.Contains(w.buf.String(), w.want) {
		w.closed = true
		close(w.seen)
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
