package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// awsCLIv2 is the Debian package's AWS CLI v2 (2.9: honours --endpoint-url, predates AWS_ENDPOINT_URL_*).
// The python3 first on PATH also ships an AWS CLI v1, so the CLI is always called by this path.
const awsCLIv2 = "/usr/bin/aws"

// skipOrFailMissing skips the test where a consumer is not installed, and fails in CI, which must not skip.
func skipOrFailMissing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format+" (required in CI)", args...)
	}
	t.Skipf(format+"; skipping", args...)
}

// requireExecutable is requireTool for a program at a fixed path.
func requireExecutable(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		skipOrFailMissing(t, "%s is not installed", path)
	}
	return path
}

// requirePythonModule returns the python3 on PATH when it can import module.
func requirePythonModule(t *testing.T, w *world, module string) string {
	t.Helper()
	py := requireTool(t, "python3")
	cmd := exec.Command(py, "-c", "import "+module)
	cmd.Env = w.environ(nil)
	cmd.Dir = w.home
	if out, err := cmd.CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		skipOrFailMissing(t, "%s cannot import %s (%v: %s)", py, module, err, lines[len(lines)-1])
	}
	return py
}

// consumerEnv is the environment of every consumer: the world's, which points HOME, AWS_CONFIG_FILE
// and AWS_SHARED_CREDENTIALS_FILE into the world's home and disables instance metadata.
func consumerEnv(t *testing.T, w *world, extra map[string]string) []string {
	t.Helper()
	env := w.environ(extra)
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	if m["HOME"] != w.home || m["AWS_EC2_METADATA_DISABLED"] != "true" ||
		!strings.HasPrefix(m["AWS_CONFIG_FILE"], w.home+"/") || !strings.HasPrefix(m["AWS_SHARED_CREDENTIALS_FILE"], w.home+"/") {
		t.Fatalf("a consumer could read the real user's files or instance metadata: HOME=%q AWS_CONFIG_FILE=%q AWS_SHARED_CREDENTIALS_FILE=%q AWS_EC2_METADATA_DISABLED=%q",
			m["HOME"], m["AWS_CONFIG_FILE"], m["AWS_SHARED_CREDENTIALS_FILE"], m["AWS_EC2_METADATA_DISABLED"])
	}
	return env
}

// runConsumer runs a consumer program with the world's environment plus extra.
func runConsumer(t *testing.T, w *world, extra map[string]string, name string, args ...string) result {
	t.Helper()
	return runProcess(t, consumerEnv(t, w, extra), w.home, "", name, args...)
}

// evalThenRun evaluates `assume-role target… -o bash` in bash, as a user's shell does, and then
// runs consumer in that shell's environment.
func evalThenRun(t *testing.T, w *world, extra map[string]string, target []string, consumer ...string) result {
	t.Helper()
	const script = `bin=$1; n=$2; shift 2
out="$("$bin" "${@:1:$n}" -o bash)" || exit 91
shift "$n"
eval "$out" || exit 92
exec "$@"
`
	args := append([]string{"-c", script, "bash", binary, strconv.Itoa(len(target))}, target...)
	r := runConsumer(t, w, extra, requireTool(t, "bash"), append(args, consumer...)...)
	if r.code == 91 || r.code == 92 {
		t.Fatalf("eval of assume-role %q failed: %s", target, r)
	}
	return r
}

// stsCallerIdentity is sts get-caller-identity's output.
type stsCallerIdentity struct {
	UserID  string `json:"UserId"`
	Account string `json:"Account"`
	Arn     string `json:"Arn"`
}

// prodReadSessionARN is the session a switch to prod read makes for alice.
const prodReadSessionARN = "arn:aws:sts::222222222222:assumed-role/read/alice"

// requireIdentity checks a consumer's get-caller-identity output and that the emulator really
// served the call, signed with the assumed role's credentials.
func requireIdentity(t *testing.T, w *world, who string, r result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s get-caller-identity failed: %s", who, r)
	}
	var id stsCallerIdentity
	decodeJSON(t, r.stdout, &id)
	if id.Arn != prodReadSessionARN || id.Account != "222222222222" || !strings.HasSuffix(id.UserID, ":alice") {
		t.Fatalf("%s sees %+v, want %s", who, id, prodReadSessionARN)
	}
	if c := w.lastCall("GetCallerIdentity"); c.CallerARN != prodReadSessionARN || c.ErrorCode != "" || !strings.HasPrefix(c.AccessKeyID, "ASIA") {
		t.Fatalf("%s: the emulator's last GetCallerIdentity was %+v, want one signed by %s", who, c, prodReadSessionARN)
	}
}

// botoIdentity prints get_caller_identity's answer as JSON; argv[1] is a profile name or "".
const botoIdentity = `import json, sys
import boto3
session = boto3.Session(profile_name=sys.argv[1] or None)
ident = session.client("sts").get_caller_identity()
ident.pop("ResponseMetadata", None)
print(json.dumps(ident))
`

func TestAWSCLIv2AcceptsExports(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	aws := requireExecutable(t, awsCLIv2)
	stale := staleShellEnv(w) // AWS_PROFILE=bastion must not win over the exports
	r := evalThenRun(t, w, stale, []string{"prod", "read"},
		aws, "sts", "get-caller-identity", "--endpoint-url", w.url, "--output", "json")
	requireIdentity(t, w, "aws (v2)", r)
}

func TestBotoAcceptsExports(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	py := requirePythonModule(t, w, "boto3")
	if w.env["AWS_ENDPOINT_URL_STS"] != w.url {
		t.Fatalf("the world does not point AWS_ENDPOINT_URL_STS at the emulator")
	}
	stale := staleShellEnv(w)
	r := evalThenRun(t, w, stale, []string{"prod", "read"}, py, "-c", botoIdentity, "")
	requireIdentity(t, w, "boto3", r)
}

// credentialProcessProfile writes profile x, whose credentials come from assume-role.
func credentialProcessProfile(t *testing.T, w *world) {
	t.Helper()
	if strings.ContainsAny(binary, " '\"\\") {
		t.Fatalf("binary path %q needs quoting in credential_process", binary)
	}
	w.write(".aws/config", "[profile x]\ncredential_process = "+binary+" prod read -o credential-process\nregion = us-east-1\n")
}

func TestBotoCredentialProcess(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	py := requirePythonModule(t, w, "boto3")
	credentialProcessProfile(t, w)
	r := runConsumer(t, w, nil, py, "-c", botoIdentity, "x")
	requireIdentity(t, w, "boto3 (credential_process)", r)
	if n := w.count("AssumeRole"); n != 1 {
		t.Fatalf("credential_process made %d AssumeRole calls: %v", n, w.calls())
	}
}

func TestAWSCLIv2CredentialProcess(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	aws := requireExecutable(t, awsCLIv2)
	credentialProcessProfile(t, w)
	for i := 0; i < 2; i++ {
		r := runConsumer(t, w, nil, aws, "--profile", "x", "sts", "get-caller-identity", "--endpoint-url", w.url, "--output", "json")
		requireIdentity(t, w, "aws (v2, credential_process)", r)
	}
	// The second run got its credentials from assume-role's cache.
	if n := w.count("AssumeRole"); n != 1 {
		t.Fatalf("two AWS CLI runs made %d AssumeRole calls: %v", n, w.calls())
	}
}
