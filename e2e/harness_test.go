// Package e2e runs the built assume-role binary against the STS emulator (and, where present,
// moto_server), as a user would: through the SDK's standard endpoint settings, with real shells
// and the AWS CLI as consumers.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/internal/stsemu/stsemutest"
)

// Demo identities from testdata/emulator/demo.json.
const (
	aliceKey    = "AKIAEXAMPLEALICE0001"
	aliceSecret = "aliceEMULATORsecretKEYdoNOTuse0000000001"
	aliceMFA    = "arn:aws:iam::111111111111:mfa/alice"
	aliceARN    = "arn:aws:iam::111111111111:user/alice"
)

var binary string // path of the built assume-role

func TestMain(m *testing.M) {
	if code, ok := detachFromTerminal(); ok {
		os.Exit(code)
	}
	dir, err := os.MkdirTemp("", "assume-role-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "assume-role") // the front; the engine goes next to it
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "../cmd/assume-role", "../cmd/assume-role-engine")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building assume-role:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireTool skips when a tool is missing, but fails in CI, which must not silently skip.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI but not installed", name)
		}
		t.Skipf("%s not installed; skipping", name)
	}
	return p
}

// world is one isolated user: a home directory, AWS config files, a cache, and an emulator.
type world struct {
	t    *testing.T
	srv  *stsemu.Server
	url  string
	home string
	env  map[string]string
}

// newWorld starts the emulator with the demo scenario, optionally adjusted, and a fresh home.
func newWorld(t *testing.T, adjust func(*stsemu.Scenario)) *world {
	t.Helper()
	srv, url := stsemutest.Start(t, adjust)
	home := t.TempDir()
	w := &world{t: t, srv: srv, url: url, home: home}
	w.env = map[string]string{
		"HOME":                        home,
		"PATH":                        os.Getenv("PATH"),
		"LANG":                        "C.UTF-8",
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL_STS":        url,
		"AWS_ENDPOINT_URL_IAM":        url,
		"ASSUME_ROLE_CACHE_DIR":       filepath.Join(home, ".cache", "assume-role"),
		"AWS_CONFIG_FILE":             filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
	}
	w.write(".aws/credentials", fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", aliceKey, aliceSecret))
	w.write(".aws/accounts", `{"prod": 222222222222, "staging": "333333333333", "zero": "012345678901", "numeric": 333333333333, "evil$(touch PWNED)'\"": "222222222222"}`)
	return w
}

func (w *world) write(rel, content string) string {
	w.t.Helper()
	p := filepath.Join(w.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return p
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

func (w *world) environ(extra map[string]string) []string {
	m := map[string]string{}
	for k, v := range w.env {
		m[k] = v
	}
	for k, v := range extra {
		if v == "" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// run runs the binary with no terminal (stdin empty, stdout/stderr captured).
func (w *world) run(args ...string) result { return w.runEnv(nil, args...) }

func (w *world) runEnv(extra map[string]string, args ...string) result {
	w.t.Helper()
	return w.detached("", extra, args...)
}

// detached runs the binary in a new session, so it has no controlling terminal even when the
// tests run in one: a prompt must fail, never wait for a developer's keyboard.
func (w *world) detached(stdin string, extra map[string]string, args ...string) result {
	w.t.Helper()
	return runProcess(w.t, w.environ(extra), w.home, stdin, binary, args...)
}

// runProcess runs a program detached from any terminal and collects its output and exit code.
func runProcess(t *testing.T, env []string, dir, stdin, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = env, dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %s: %v", name, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// ok runs and requires exit 0.
func (w *world) ok(args ...string) result {
	w.t.Helper()
	r := w.run(args...)
	if r.code != 0 {
		w.t.Fatalf("assume-role %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// fail runs and requires the exit code and an error line containing want.
func (w *world) fail(code int, want string, args ...string) result {
	w.t.Helper()
	return w.failEnv(nil, code, want, args...)
}

func (w *world) failEnv(extra map[string]string, code int, want string, args ...string) result {
	w.t.Helper()
	r := w.runEnv(extra, args...)
	if r.code != code || !strings.Contains(r.stderr, want) {
		w.t.Fatalf("assume-role %s: want exit %d and %q in stderr, got %s", strings.Join(args, " "), code, want, r)
	}
	if r.stdout != "" {
		w.t.Fatalf("a failure printed on stdout: %q", r.stdout)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		w.t.Fatalf("stack trace on stderr: %s", r.stderr)
	}
	return r
}

// calls returns the emulator's log as "Action:ErrorCode" strings (ErrorCode empty on success).
func (w *world) calls() []string {
	var out []string
	for _, e := range w.srv.Log() {
		s := e.Action
		if e.ErrorCode != "" {
			s += ":" + e.ErrorCode
		}
		out = append(out, s)
	}
	return out
}

func (w *world) count(action string) int {
	n := 0
	for _, e := range w.srv.Log() {
		if e.Action == action && e.ErrorCode == "" {
			n++
		}
	}
	return n
}

func (w *world) lastCall(action string) stsemu.LogEntry {
	w.t.Helper()
	log := w.srv.Log()
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Action == action {
			return log[i]
		}
	}
	w.t.Fatalf("no %s call in the emulator log: %v", action, w.calls())
	return stsemu.LogEntry{}
}

// parseExports reads `export K='v'` lines by evaluating them in bash and dumping the environment.
func evalIn(t *testing.T, shell, script string, env []string) map[string]string {
	t.Helper()
	var cmd *exec.Cmd
	switch shell {
	case "fish":
		cmd = exec.Command(requireTool(t, "fish"), "--no-config", "-c", script+"\nenv -0")
	default:
		cmd = exec.Command(requireTool(t, shell), "-c", script+"\nenv -0")
	}
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s failed: %v", shell, err)
	}
	m := map[string]string{}
	for _, kv := range bytes.Split(out, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			m[k] = v
		}
	}
	return m
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
}

var _ = runtime.GOOS

// detachFromTerminal re-runs the test binary in a new session when the tests were started from a
// terminal, so that no process they start (a shell, the AWS CLI, assume-role itself) can find the
// developer's terminal and wait for an answer there. Tests that need a terminal make their own
// pseudo-terminal. ok is false in the detached run itself (or when there is no terminal).
func detachFromTerminal() (code int, ok bool) {
	if os.Getenv("ASSUME_ROLE_E2E_DETACHED") != "" {
		return 0, false
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return 0, false
	}
	tty.Close()
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), "ASSUME_ROLE_E2E_DETACHED=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "detaching the e2e tests from the terminal:", err)
		return 1, true
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s) // Ctrl-C stops the detached run too
		}
	}()
	err = cmd.Wait()
	if ee, isExit := err.(*exec.ExitError); isExit {
		return ee.ExitCode(), true
	}
	if err != nil {
		return 1, true
	}
	return 0, true
}
