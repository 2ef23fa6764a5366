package e2e

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangGuard bounds a run that must end on its own: before the loop was detected, a
// credential_process that runs assume-role, which resolves its source through that same
// credential_process, started processes without end. It is a guard, not a timing assertion.
const hangGuard = 20 * time.Second

// runGuarded runs a program in its own process group and, should it still run after hangGuard,
// kills the whole group (every nested credential_process with it) and fails the test.
func runGuarded(t *testing.T, env []string, dir, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = env, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s was still running after %s (a credential_process loop?); stderr:\n%.2000s", name, strings.Join(args, " "), hangGuard, errb.String())
	}
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running %s: %v", name, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// loopMessage is the start of the error every loop reports, and loopHint its hint.
const (
	loopMessage = "assume-role: error: profile \"loop\" runs assume-role as its credential_process"
	loopHint    = "assume-role: hint: "
)

// requireLoopRefused checks that a run failed with our loop error (possibly inside a consumer's
// own error report) and that nothing was sent to STS.
func requireLoopRefused(t *testing.T, w *world, who string, r result, wantCode int) {
	t.Helper()
	if r.code == 0 || (wantCode != 0 && r.code != wantCode) {
		t.Fatalf("%s: want a failure (exit %d), got %s", who, wantCode, r)
	}
	if !strings.Contains(r.stderr, strings.TrimPrefix(loopMessage, "assume-role: error: ")) ||
		!strings.Contains(r.stderr, "--source-profile") || !strings.Contains(r.stderr, "AWS_PROFILE_ASSUME_ROLE") {
		t.Fatalf("%s: the loop is not explained (want %q and a hint naming --source-profile and AWS_PROFILE_ASSUME_ROLE): %s", who, loopMessage, r)
	}
	if calls := w.calls(); len(calls) != 0 {
		t.Fatalf("%s: a loop was refused only after calling STS: %v", who, calls)
	}
}

// TestCredentialProcessLoopFailsFast: the README's credential_process example used through
// AWS_PROFILE makes assume-role resolve its source through itself. Every consumer must get a
// one-line error at once, instead of hanging (the AWS CLI) or giving up after minutes (JS SDK).
func TestCredentialProcessLoopFailsFast(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.write(".aws/config", "[profile loop]\ncredential_process = "+binary+" credential-process prod read\nregion = us-east-1\n")
	env := consumerEnv(t, w, map[string]string{"AWS_PROFILE": "loop", "AWS_REGION": "us-east-1"})

	r := runGuarded(t, env, w.home, binary, "prod", "read", "-o", "json")
	requireLoopRefused(t, w, "assume-role", r, 3)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], loopMessage) || !strings.HasPrefix(lines[1], loopHint) || r.stdout != "" {
		t.Fatalf("want one error line and one hint, got %s", r)
	}
	r = runGuarded(t, env, w.home, binary, "credential-process", "prod", "read")
	requireLoopRefused(t, w, "assume-role credential-process", r, 3)

	aws := requireExecutable(t, awsCLIv2)
	r = runGuarded(t, env, w.home, aws, "--profile", "loop", "sts", "get-caller-identity", "--endpoint-url", w.url, "--output", "json")
	requireLoopRefused(t, w, "aws (v2)", r, 0)

	py := requirePythonModule(t, w, "boto3")
	r = runGuarded(t, env, w.home, py, "-c", botoIdentity, "loop")
	requireLoopRefused(t, w, "boto3", r, 0)
}

// TestCredentialProcessLoopThroughWrapper: a loop the configuration does not show (the
// credential_process is a script that runs assume-role) is recognised by the nested run, from
// the marker its parent left in the environment.
func TestCredentialProcessLoopThroughWrapper(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	script := w.write("bin/creds", "#!/bin/sh\nexec "+binary+" credential-process prod read \"$@\"\n")
	if err := exec.Command("chmod", "0700", script).Run(); err != nil {
		t.Fatal(err)
	}
	w.write(".aws/config", "[profile loop]\ncredential_process = "+script+"\nregion = us-east-1\n")
	env := consumerEnv(t, w, map[string]string{"AWS_PROFILE": "loop", "AWS_REGION": "us-east-1"})
	r := runGuarded(t, env, w.home, binary, "prod", "read", "-o", "json")
	requireLoopRefused(t, w, "assume-role", r, 0)
	if r.stdout != "" {
		t.Fatalf("a failure printed on stdout: %s", r)
	}
	py := requirePythonModule(t, w, "boto3")
	r = runGuarded(t, env, w.home, py, "-c", botoIdentity, "loop")
	requireLoopRefused(t, w, "boto3", r, 0)
}

// TestCredentialProcessNamedSourceWorks: the same line with its source named is no loop, for
// the SDKs and for assume-role itself using that profile as its source (a legitimate nesting).
func TestCredentialProcessNamedSourceWorks(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.write(".aws/credentials", "[base]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = "+aliceSecret+"\n")
	w.write(".aws/config", "[profile x]\ncredential_process = "+binary+" credential-process prod read --source-profile base\nregion = us-east-1\n")
	extra := map[string]string{"AWS_PROFILE": "x", "AWS_REGION": "us-east-1"}
	env := consumerEnv(t, w, extra)

	py := requirePythonModule(t, w, "boto3")
	requireIdentity(t, w, "boto3", runGuarded(t, env, w.home, py, "-c", botoIdentity, ""))
	aws := requireExecutable(t, awsCLIv2)
	requireIdentity(t, w, "aws (v2)", runGuarded(t, env, w.home, aws, "--profile", "x", "sts", "get-caller-identity", "--endpoint-url", w.url, "--output", "json"))

	// assume-role with profile x as its source: x's credential_process runs assume-role once more
	// (source base), and the role chain trusts prod's read role.
	r := runGuarded(t, env, w.home, binary, "prod", "chain", "-o", "json")
	if r.code != 0 {
		t.Fatalf("assume-role with a credential_process source: %s", r)
	}
	var out struct{ AssumedRoleUser struct{ Arn string } }
	decodeJSON(t, r.stdout, &out)
	if out.AssumedRoleUser.Arn != "arn:aws:sts::222222222222:assumed-role/chain/alice" {
		t.Fatalf("assumed %q: %s", out.AssumedRoleUser.Arn, r)
	}
}
