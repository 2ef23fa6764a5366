package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

func TestPromptsForAccountAndRole(t *testing.T) {
	w := newWorld(t, nil)
	s := startPTY(t, w, map[string]string{"AWS_REGION": "us-east-1"}, false)
	s.expect("Assume Into Account [default]: ")
	s.send("prod")
	s.expect("Assume Into Role [read]: ")
	s.send("") // coinbase's default
	out, code := s.wait()
	if code != 0 || !strings.Contains(out, "AWS_ACCOUNT_NAME='prod'") || !strings.Contains(out, "AWS_ACCOUNT_ROLE='read'") {
		t.Fatalf("exit %d stdout %q screen %q", code, out, s.Screen())
	}
	// Without a terminal the same command is an error, not a hang.
	w.fail(2, "no role to assume", "-o", "bash")
}

func TestRegionPromptOnTerminal(t *testing.T) {
	w := newWorld(t, nil)
	s := startPTY(t, w, nil, false, "prod", "read")
	s.expect("AWS region [us-east-1]: ")
	s.send("eu-north-1")
	out, code := s.wait()
	if code != 0 || !strings.Contains(out, "AWS_REGION='eu-north-1'") {
		t.Fatalf("exit %d stdout %q", code, out)
	}
}

func TestAWSCLIv2ReadsContainerEndpoint(t *testing.T) {
	aws := "/usr/bin/aws"
	if _, err := exec.LookPath(aws); err != nil {
		requireTool(t, "aws-cli-v2-at-/usr/bin/aws")
	}
	w := newWorld(t, nil)
	r := w.runEnv(map[string]string{"AWS_REGION": "us-east-1"}, "exec", "--server", "prod", "read", "--",
		aws, "sts", "get-caller-identity", "--endpoint-url", w.url, "--output", "text", "--query", "Arn")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "arn:aws:sts::222222222222:assumed-role/read/alice" {
		t.Fatalf("aws via the container endpoint: %s", r)
	}
}

// TestOtherCacheBackends runs a switch twice through backends other than the default file one.
func TestOtherCacheBackends(t *testing.T) {
	for _, backend := range []string{"encrypted-file", "keyctl"} {
		t.Run(backend, func(t *testing.T) {
			w := newWorld(t, nil)
			env := map[string]string{"ASSUME_ROLE_CACHE_BACKEND": backend, "ASSUME_ROLE_CACHE_PASSPHRASE": "correct horse battery staple", "AWS_REGION": "us-east-1"}
			first := w.runEnv(env, "prod", "read", "-o", "env")
			if first.code != 0 {
				if backend == "keyctl" && strings.Contains(first.stderr, "cache") {
					t.Skipf("keyctl unavailable here: %s", first.stderr)
				}
				t.Fatal(first)
			}
			second := w.runEnv(env, "prod", "read", "-o", "env")
			if second.code != 0 || second.stdout != first.stdout || w.count("AssumeRole") != 1 {
				t.Fatalf("%s backend did not serve the second call: %v", backend, w.calls())
			}
			list := w.runEnv(env, "cache", "list")
			if !strings.Contains(list.stdout, "role/read") || !strings.Contains(list.stderr, backend) {
				t.Fatalf("cache list: %s", list)
			}
			if c := w.runEnv(env, "cache", "clear"); c.code != 0 {
				t.Fatal(c)
			}
		})
	}
}
