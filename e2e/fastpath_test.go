package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The front executable answers a repeated cache hit from the engine's record (internal/fastpath).
// ASSUME_ROLE_FAST_PATH=explain makes both executables say what they did, which these tests read.

var explain = map[string]string{"ASSUME_ROLE_FAST_PATH": "explain"}

const (
	served   = "assume-role: fast path: served from the cache"
	recorded = "assume-role: fast path: recorded"
)

// warm makes the cache hold the entry and the record exist: a fetch if needed, then an engine hit.
func (w *world) warm(extra map[string]string, args ...string) result {
	w.t.Helper()
	env := map[string]string{"ASSUME_ROLE_FAST_PATH": "explain"}
	for k, v := range extra {
		env[k] = v
	}
	var r result
	for range 2 { // the first run may fetch
		if r = w.runEnv(env, args...); r.code != 0 {
			w.t.Fatalf("assume-role %v: %s", args, r)
		}
		if strings.Contains(r.stderr, recorded) {
			return r
		}
	}
	w.t.Fatalf("the engine's cache hit was not recorded: %s", r)
	return r
}

// Every format: the front prints exactly what the engine printed, and calls nothing.
func TestFastPathPrintsWhatTheEnginePrinted(t *testing.T) {
	w := newWorld(t, nil)
	for _, args := range [][]string{
		{"prod", "read", "-o", "bash"}, {"prod", "read", "-o", "zsh"}, {"prod", "read", "-o", "fish"},
		{"prod", "read", "-o", "powershell"}, {"prod", "read", "-o", "env"}, {"prod", "read", "-o", "json"},
		{"credential-process", "prod", "read"}, {"staging", "read", "-o", "bash", "--region", "eu-west-1"},
		{"-R", "arn:aws:iam::222222222222:role/read", "-o", "bash", "--role-session-name", "fast", "-T", "900"},
	} {
		engine := w.warm(nil, args...)
		calls := len(w.calls())
		for range 2 {
			r := w.runEnv(explain, args...)
			if r.code != 0 || !strings.Contains(r.stderr, served) {
				t.Fatalf("%v: not served by the front: %s", args, r)
			}
			if r.stdout != engine.stdout {
				t.Fatalf("%v: the front printed\n%s\nthe engine printed\n%s", args, r.stdout, engine.stdout)
			}
		}
		if n := len(w.calls()); n != calls {
			t.Fatalf("%v: the front made %d calls", args, n-calls)
		}
	}
	// Without explain the front is silent.
	if r := w.ok("prod", "read", "-o", "bash"); r.stderr != "" {
		t.Fatalf("stderr: %q", r.stderr)
	}
}

// The first rule: a change to anything a resolution reads sends the run to the engine, which then
// hands out the identity the new inputs ask for.
func TestFastPathFollowsEveryInput(t *testing.T) {
	w := newWorld(t, nil)
	args := []string{"prod", "read", "-o", "json"}
	first := w.warm(nil, args...)
	if !strings.Contains(first.stdout, "assumed-role/read/alice") {
		t.Fatalf("not alice's session: %s", first.stdout)
	}
	// bob's keys in the credentials file: never alice's cached session.
	w.write(".aws/credentials", "[default]\naws_access_key_id = AKIAEMULATORBOB00001\naws_secret_access_key = bobEMULATORsecretKEYdoNOTuse000000000002\n")
	r := w.runEnv(explain, args...)
	if r.code != 0 || strings.Contains(r.stderr, served) || !strings.Contains(r.stderr, "credentials changed") {
		t.Fatalf("served after the source keys changed: %s", r)
	}
	if !strings.Contains(r.stdout, "assumed-role/read/bob") {
		t.Fatalf("want bob's session, got %s", r.stdout)
	}
	w.warm(nil, args...)
	for name, extra := range map[string]map[string]string{
		"AWS_PROFILE":              {"AWS_PROFILE": "other"},
		"AWS_ACCESS_KEY_ID":        {"AWS_ACCESS_KEY_ID": aliceKey, "AWS_SECRET_ACCESS_KEY": aliceSecret},
		"ASSUME_ROLE_CACHE_DIR":    {"ASSUME_ROLE_CACHE_DIR": filepath.Join(w.home, "other-cache")},
		"AWS_ENDPOINT_URL_STS":     {"AWS_ENDPOINT_URL_STS": strings.Replace(w.url, "127.0.0.1", "localhost", 1)},
		"AWS_ROLE_SESSION_NAME":    {"AWS_ROLE_SESSION_NAME": "x"},
		"ASSUME_ROLE_CACHE_MARGIN": {"ASSUME_ROLE_CACHE_MARGIN": "1m"},
	} {
		env := map[string]string{"ASSUME_ROLE_FAST_PATH": "explain"}
		for k, v := range extra {
			env[k] = v
		}
		if r := w.runEnv(env, args...); strings.Contains(r.stderr, served) {
			t.Errorf("served with %s changed: %s", name, r)
		}
	}
	// A new entry in ~/.aws/accounts that renames the account: the engine's names, not the record's.
	w.write(".aws/accounts", `{"prod": "333333333333"}`)
	r = w.runEnv(explain, args...)
	if strings.Contains(r.stderr, served) || !strings.Contains(r.stdout, "333333333333") {
		t.Fatalf("the accounts file changed and the record was used: %s", r)
	}
}

// Runs the front cannot replay are not recorded: they go to the engine every time.
func TestFastPathRecordsOnlyPlainHits(t *testing.T) {
	w := newWorld(t, nil)
	w.ok("prod", "read", "-o", "bash")
	for _, c := range []struct {
		args []string
		why  string
	}{
		{[]string{"prod", "read", "-o", "bash", "--debug"}, "--debug is given"},
		{[]string{"prod", "read", "-o", "bash", "--refresh"}, "--refresh is given"},
		{[]string{"prod", "read", "-o", "bash", "--no-cache"}, "--no-cache is given"},
		{[]string{"prod", "read", "-o", "bash", "--cache-backend", "file"}, "--cache-backend is given"},
	} {
		for range 2 {
			r := w.runEnv(explain, c.args...)
			if r.code != 0 || !strings.Contains(r.stderr, "not recorded: "+c.why) {
				t.Fatalf("%v: %s", c.args, r)
			}
		}
	}
}

// With ASSUME_ROLE_FAST_PATH=off the front never answers.
func TestFastPathOff(t *testing.T) {
	w := newWorld(t, nil)
	w.warm(nil, "prod", "read", "-o", "bash")
	r := w.runEnv(map[string]string{"ASSUME_ROLE_FAST_PATH": "off"}, "prod", "read", "-o", "bash")
	if r.code != 0 || r.stderr != "" {
		t.Fatal(r)
	}
	// The engine ran: it would have said so with explain; here the record still serves explain runs.
	if r := w.runEnv(explain, "prod", "read", "-o", "bash"); !strings.Contains(r.stderr, served) {
		t.Fatal(r)
	}
}

// The shell function's calls go through the front too: the third identical call is served, into
// the function's private file, and the shell ends up with the same exports.
func TestFastPathThroughTheShellFunction(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			path := requireTool(t, shell)
			w := newWorld(t, nil)
			script := `eval "$(command assume-role shell-init ` + shell + `)" || exit 90
for i in 1 2 3; do assume-role prod read || exit 91; echo "$i:$AWS_ACCOUNT_NAME:$AWS_ACCESS_KEY_ID"; done`
			if shell == "fish" {
				script = `command assume-role shell-init fish | source; or exit 90
for i in 1 2 3; assume-role prod read; or exit 91; echo "$i:$AWS_ACCOUNT_NAME:$AWS_ACCESS_KEY_ID"; end`
			}
			env := shellFuncEnv(w)
			env["ASSUME_ROLE_FAST_PATH"] = "explain"
			r := runProcess(t, w.environ(env), w.home, "", path, shellArgs(shell, script)...)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if r.code != 0 || len(lines) != 3 {
				t.Fatalf("%s", r)
			}
			key := strings.TrimPrefix(lines[0], "1:")
			if !strings.HasPrefix(key, "prod:ASIA") || lines[1] != "2:"+key || lines[2] != "3:"+key {
				t.Fatalf("exports differ between the engine and the front: %q", lines)
			}
			if strings.Count(r.stderr, served) != 1 || strings.Count(r.stderr, recorded) != 1 {
				t.Fatalf("want one recorded engine run then one front answer:\n%s", r.stderr)
			}
		})
	}
}

// The front without its engine says what to install; version works without it.
func TestFrontWithoutEngine(t *testing.T) {
	w := newWorld(t, nil)
	dir := t.TempDir()
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	front := filepath.Join(dir, "assume-role")
	if err := os.WriteFile(front, data, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runProcess(t, w.environ(nil), w.home, "", front, "prod", "read", "-o", "bash")
	if r.code != 3 || r.stdout != "" || !strings.Contains(r.stderr, "assume-role-engine is missing") && !strings.Contains(r.stderr, "install assume-role-engine next to assume-role") {
		t.Fatalf("%s", r)
	}
	r = runProcess(t, w.environ(nil), w.home, "", front, "version")
	eng, err := exec.Command(filepath.Join(filepath.Dir(binary), "assume-role-engine"), "version").Output()
	if r.code != 0 || err != nil || r.stdout != string(eng) || !strings.HasPrefix(r.stdout, "assume-role ") {
		t.Fatalf("front version %q, engine version %q (%v)", r.stdout, eng, err)
	}
}
