package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// hostileAlias is the accounts-file alias of 222222222222 that runs code if any output quotes it wrongly.
const hostileAlias = `evil$(touch PWNED)'"`

// switchArgs target the hostile alias and a role with a path.
var switchArgs = []string{hostileAlias, "ops/deploy"}

// switchedVars are the ten variables a switch to a role session sets, and nothing else may be set.
var switchedVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ACCOUNT_ID", "AWS_ACCOUNT_NAME", "AWS_ACCOUNT_ROLE",
}

// markerVars record the shell's source across switches (shell outputs only, not -o env).
var markerVars = []string{"ASSUME_ROLE_SOURCE", "ASSUME_ROLE_EXPORTED_KEY_ID"}

// removedVars must be gone after a switch: they would make SDKs pick the profile, not the exports.
var removedVars = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}

// shellInternal are variables shells maintain themselves; they are not compared.
var shellInternal = map[string]bool{"SHLVL": true, "_": true, "PWD": true, "OLDPWD": true}

// staleShellEnv prepares w for a shell that selected a profile and still holds variables of an
// older session, and returns those variables (plus one unrelated variable that must survive).
func staleShellEnv(w *world) map[string]string {
	w.write(".aws/credentials", "[default]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = "+aliceSecret+
		"\n\n[bastion]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = "+aliceSecret+"\n")
	return map[string]string{
		"AWS_PROFILE":         "bastion",
		"AWS_DEFAULT_PROFILE": "bastion",
		"AWS_SESSION_TOKEN":   "stale-session-token",
		"AWS_ACCOUNT_NAME":    "stale-account",
		"UNRELATED_SETTING":   `keep 'me' "as" $(is)`,
	}
}

// mergedEnv returns a copy of base with more set.
func mergedEnv(base map[string]string, more map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range more {
		m[k] = v
	}
	return m
}

// shellRun is one evaluation of assume-role's output inside a real shell.
type shellRun struct {
	before, after map[string]string // the shell's exported environment around the eval
	output        string            // what assume-role printed
	stderr        string
}

// POSIX (bash, zsh) and fish scripts: dump the environment, capture the output as the shell
// integration does (only a successful run is evaluated), evaluate it, dump the environment.
// PREFIX is replaced by variable assignments for the assume-role command alone.
const (
	posixSwitchScript = `bin=$1; dumps=$2; shift 2
env -0 > "$dumps/before" || exit 90
out="$(PREFIX"$bin" "$@")" || exit 91
printf '%s\n' "$out" > "$dumps/out"
eval "$out" || exit 92
env -0 > "$dumps/after"
`
	fishSwitchScript = `set -l bin $argv[1]; set -l dumps $argv[2]; set -e argv[1..2]
env -0 > $dumps/before; or exit 90
set -l out (PREFIXcommand $bin $argv); or exit 91
string join \n -- $out > $dumps/out
string join \n -- $out | source; or exit 92
env -0 > $dumps/after
`
)

// switchInShell runs `eval "$(assume-role args…)"` (fish: `… | source`) in the real shell with
// w's environment plus extra; prefix (e.g. "ASSUME_ROLE_SHELL=fish ") applies to assume-role only.
func switchInShell(t *testing.T, w *world, shell string, extra map[string]string, prefix string, args ...string) shellRun {
	t.Helper()
	path := requireTool(t, shell)
	dumps := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if shell == "fish" {
		script := strings.Replace(fishSwitchScript, "PREFIX", prefix, 1)
		cmd = exec.CommandContext(ctx, path, append([]string{"--no-config", "-c", script, binary, dumps}, args...)...)
	} else {
		script := strings.Replace(posixSwitchScript, "PREFIX", prefix, 1)
		cmd = exec.CommandContext(ctx, path, append([]string{"-c", script, shell, binary, dumps}, args...)...)
	}
	cmd.Env = w.environ(extra)
	cmd.Dir = w.home
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: eval of assume-role %q failed: %v\nstdout:\n%s\nstderr:\n%s", shell, args, err, stdout.String(), stderr.String())
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dumps, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return shellRun{before: parseEnv0(read("before")), after: parseEnv0(read("after")), output: read("out"), stderr: stderr.String()}
}

// parseEnv0 parses `env -0` output.
func parseEnv0(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(s, "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// cliJSONOutput is the AWS CLI's `sts assume-role` output.
type cliJSONOutput struct {
	Credentials struct {
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string `json:"SecretAccessKey"`
		SessionToken    string `json:"SessionToken"`
		Expiration      string `json:"Expiration"`
	} `json:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleID string `json:"AssumedRoleId"`
		Arn           string `json:"Arn"`
	} `json:"AssumedRoleUser"`
}

// requireKeys fails unless the JSON object s has exactly the keys want (required) plus any of optional.
func requireKeys(t *testing.T, what, s string, want, optional []string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	decodeJSON(t, s, &m)
	allowed := map[string]bool{}
	for _, k := range optional {
		allowed[k] = true
	}
	for _, k := range want {
		allowed[k] = true
		if _, ok := m[k]; !ok {
			t.Errorf("%s: key %q missing in %s", what, k, s)
		}
	}
	for k := range m {
		if !allowed[k] {
			t.Errorf("%s: unexpected key %q", what, k)
		}
	}
	return m
}

// parseCLIJSON checks `-o json` output strictly and decodes it.
func parseCLIJSON(t *testing.T, out string) cliJSONOutput {
	t.Helper()
	top := requireKeys(t, "json", out, []string{"Credentials", "AssumedRoleUser"}, []string{"PackedPolicySize", "SourceIdentity"})
	requireKeys(t, "json Credentials", string(top["Credentials"]), []string{"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}, nil)
	requireKeys(t, "json AssumedRoleUser", string(top["AssumedRoleUser"]), []string{"Arn", "AssumedRoleId"}, nil)
	var c cliJSONOutput
	decodeJSON(t, out, &c)
	if _, err := time.Parse(time.RFC3339, c.Credentials.Expiration); err != nil {
		t.Errorf("json Expiration %q is not RFC 3339: %v", c.Credentials.Expiration, err)
	}
	return c
}

// parseEnvFile parses `-o env` output, failing on any line that is not NAME=value or repeats a name.
func parseEnvFile(t *testing.T, out string) map[string]string {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("env output does not end with a newline: %q", out)
	}
	line := regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		g := line.FindStringSubmatch(l)
		if g == nil {
			t.Fatalf("env output line is not NAME=value: %q", l)
		}
		if _, dup := m[g[1]]; dup {
			t.Fatalf("env output sets %s twice", g[1])
		}
		m[g[1]] = g[2]
	}
	return m
}

// referenceExports returns the values a switch must export, read from `-o env` and checked against
// `-o json` of the same (cached) credentials and against what the target implies.
func referenceExports(t *testing.T, w *world, extra map[string]string, args ...string) map[string]string {
	t.Helper()
	r := w.runEnv(extra, append(append([]string(nil), args...), "-o", "env")...)
	if r.code != 0 {
		t.Fatalf("-o env: %s", r)
	}
	env := parseEnvFile(t, r.stdout)
	r = w.runEnv(extra, append(append([]string(nil), args...), "-o", "json")...)
	if r.code != 0 {
		t.Fatalf("-o json: %s", r)
	}
	j := parseCLIJSON(t, r.stdout)
	if got := sortedEnvNames(env); strings.Join(got, " ") != strings.Join(sortedNames(switchedVars), " ") {
		t.Fatalf("-o env sets %v, want exactly %v", got, sortedNames(switchedVars))
	}
	for k, want := range map[string]string{
		"AWS_ACCESS_KEY_ID":         j.Credentials.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":     j.Credentials.SecretAccessKey,
		"AWS_SESSION_TOKEN":         j.Credentials.SessionToken,
		"AWS_SECURITY_TOKEN":        j.Credentials.SessionToken,
		"AWS_CREDENTIAL_EXPIRATION": j.Credentials.Expiration,
		"AWS_REGION":                "us-east-1",
		"AWS_DEFAULT_REGION":        "us-east-1",
		"AWS_ACCOUNT_ID":            "222222222222",
		"AWS_ACCOUNT_NAME":          hostileAlias,
		"AWS_ACCOUNT_ROLE":          "ops/deploy",
	} {
		if env[k] != want {
			t.Errorf("-o env %s = %q, want %q (from -o json or the target)", k, env[k], want)
		}
	}
	if !strings.HasPrefix(env["AWS_ACCESS_KEY_ID"], "ASIA") || env["AWS_SESSION_TOKEN"] == "" {
		t.Errorf("not a role session: key %q", env["AWS_ACCESS_KEY_ID"])
	}
	if want := "arn:aws:sts::222222222222:assumed-role/deploy/alice"; j.AssumedRoleUser.Arn != want {
		t.Errorf("json AssumedRoleUser.Arn = %q, want %q", j.AssumedRoleUser.Arn, want)
	}
	return env
}

func sortedEnvNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedNames(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// checkSwitched compares the environment before and after the eval: exactly switchedVars set to
// want, removedVars gone, everything else unchanged.
func checkSwitched(t *testing.T, run shellRun, stale, want map[string]string) {
	t.Helper()
	for k, v := range stale {
		if run.before[k] != v {
			t.Fatalf("the shell did not start with %s=%q (got %q): the test proves nothing", k, v, run.before[k])
		}
	}
	switched := map[string]bool{}
	for _, k := range switchedVars {
		switched[k] = true
		got, ok := run.after[k]
		if !ok {
			t.Errorf("%s is not set after the switch", k)
		} else if got != want[k] {
			t.Errorf("%s = %q after the switch, want %q", k, got, want[k])
		}
	}
	// The source of the shell (AWS_PROFILE before the switch) is recorded for the next switch.
	for k, v := range map[string]string{"ASSUME_ROLE_SOURCE": "profile:" + stale["AWS_PROFILE"], "ASSUME_ROLE_EXPORTED_KEY_ID": want["AWS_ACCESS_KEY_ID"]} {
		switched[k] = true
		if run.after[k] != v {
			t.Errorf("%s = %q after the switch, want %q", k, run.after[k], v)
		}
	}
	for _, k := range removedVars {
		switched[k] = true
		if v, ok := run.after[k]; ok {
			t.Errorf("%s is still set (%q) after the switch", k, v)
		}
	}
	keys := map[string]bool{}
	for k := range run.before {
		keys[k] = true
	}
	for k := range run.after {
		keys[k] = true
	}
	for k := range keys {
		if switched[k] || shellInternal[k] {
			continue
		}
		b, inBefore := run.before[k]
		a, inAfter := run.after[k]
		if inBefore != inAfter || a != b {
			t.Errorf("the switch changed %s: before %q (set %v), after %q (set %v)", k, b, inBefore, a, inAfter)
		}
	}
}

// requireNoPWNED fails if the hostile alias ran its command anywhere under dirs.
func requireNoPWNED(t *testing.T, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == "PWNED" {
				t.Errorf("the account alias was executed: %s exists", p)
			}
			return nil
		})
	}
	if _, err := os.Stat("PWNED"); err == nil {
		t.Errorf("the account alias was executed: PWNED exists in the test's directory")
	}
}

func TestShellsEvalExports(t *testing.T) {
	cases := []struct {
		name    string
		shell   string            // the shell that evaluates the output
		format  string            // -o, or "" for the default
		env     map[string]string // SHELL for the default format
		prefix  string            // variables for assume-role alone, as the shell integration sets them
		dialect string            // how the output must start
	}{
		{"bash", "bash", "bash", map[string]string{"SHELL": "/usr/bin/fish"}, "", "export AWS_ACCESS_KEY_ID="},
		{"zsh", "zsh", "zsh", map[string]string{"SHELL": "/bin/bash"}, "", "export AWS_ACCESS_KEY_ID="},
		{"fish", "fish", "fish", map[string]string{"SHELL": "/bin/bash"}, "", "set -gx AWS_ACCESS_KEY_ID "},
		{"default-SHELL-zsh", "zsh", "", map[string]string{"SHELL": "/bin/zsh"}, "", "export AWS_ACCESS_KEY_ID="},
		{"default-SHELL-fish", "fish", "", map[string]string{"SHELL": "/usr/bin/fish"}, "", "set -gx AWS_ACCESS_KEY_ID "},
		{"default-no-SHELL-bash", "bash", "", nil, "", "export AWS_ACCESS_KEY_ID="},
		{"ASSUME_ROLE_SHELL-fish-over-SHELL-bash", "fish", "", map[string]string{"SHELL": "/bin/bash"}, "ASSUME_ROLE_SHELL=fish ", "set -gx AWS_ACCESS_KEY_ID "},
		{"ASSUME_ROLE_SHELL-zsh-over-SHELL-fish", "zsh", "", map[string]string{"SHELL": "/usr/bin/fish"}, "ASSUME_ROLE_SHELL=zsh ", "export AWS_ACCESS_KEY_ID="},
		{"ASSUME_ROLE_SHELL-bash-in-bash", "bash", "", map[string]string{"SHELL": "/usr/bin/fish"}, "ASSUME_ROLE_SHELL=bash ", "export AWS_ACCESS_KEY_ID="},
		{"o-fish-over-ASSUME_ROLE_SHELL-bash", "fish", "fish", map[string]string{"SHELL": "/bin/zsh"}, "ASSUME_ROLE_SHELL=bash ", "set -gx AWS_ACCESS_KEY_ID "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			requireTool(t, c.shell)
			w := newWorld(t, nil)
			stale := staleShellEnv(w)
			extra := mergedEnv(stale, c.env)
			args := append([]string(nil), switchArgs...)
			if c.format != "" {
				args = append(args, "-o", c.format)
			}
			run := switchInShell(t, w, c.shell, extra, c.prefix, args...)
			if !strings.HasPrefix(run.output, c.dialect) {
				t.Fatalf("output is not in the expected dialect (want a first line starting %q):\n%s", c.dialect, run.output)
			}
			want := referenceExports(t, w, extra, switchArgs...)
			checkSwitched(t, run, stale, want)
			if n := w.count("AssumeRole"); n != 1 {
				t.Errorf("%d AssumeRole calls; the -o env/json references were not the cached credentials: %v", n, w.calls())
			}
			requireNoPWNED(t, w.home)
		})
	}
}

// switchedWorld is a world whose cache holds a switch to switchArgs, with the values a bash eval
// of it exported.
func switchedWorld(t *testing.T) (w *world, extra, exported map[string]string) {
	t.Helper()
	w = newWorld(t, nil)
	extra = staleShellEnv(w)
	run := switchInShell(t, w, "bash", extra, "", append(append([]string(nil), switchArgs...), "-o", "bash")...)
	checkSwitched(t, run, extra, referenceExports(t, w, extra, switchArgs...))
	exported = map[string]string{}
	for _, k := range switchedVars {
		exported[k] = run.after[k]
	}
	return w, extra, exported
}

// formatOutput runs the switch again (from the cache) in another format.
func formatOutput(t *testing.T, w *world, extra map[string]string, format string) string {
	t.Helper()
	r := w.runEnv(extra, append(append([]string(nil), switchArgs...), "-o", format)...)
	if r.code != 0 {
		t.Fatalf("-o %s: %s", format, r)
	}
	if n := w.count("AssumeRole"); n != 1 {
		t.Fatalf("-o %s did not use the cached credentials: %v", format, w.calls())
	}
	return r.stdout
}

func TestPowerShellOutputSyntax(t *testing.T) {
	t.Parallel()
	w, extra, exported := switchedWorld(t)
	out := formatOutput(t, w, extra, "powershell")
	setLine := regexp.MustCompile(`^\$Env:([A-Z_]+) = '((?:[^']|'')*)'$`)
	removeLine := regexp.MustCompile(`^Remove-Item Env:([A-Z_]+) -ErrorAction SilentlyContinue$`)
	if !strings.HasSuffix(out, "\n") || strings.Contains(out, "\r") {
		t.Fatalf("powershell output must be LF-terminated lines: %q", out)
	}
	set := map[string]string{}
	var removed []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if g := setLine.FindStringSubmatch(l); g != nil {
			if len(removed) > 0 {
				t.Errorf("%s is set after a Remove-Item line", g[1])
			}
			if _, dup := set[g[1]]; dup {
				t.Errorf("%s set twice", g[1])
			}
			set[g[1]] = strings.ReplaceAll(g[2], "''", "'")
			continue
		}
		if g := removeLine.FindStringSubmatch(l); g != nil {
			removed = append(removed, g[1])
			continue
		}
		t.Errorf("line is neither a strict $Env assignment nor a Remove-Item: %q", l)
	}
	for _, k := range switchedVars {
		if set[k] != exported[k] {
			t.Errorf("powershell %s = %q, bash exported %q", k, set[k], exported[k])
		}
	}
	if len(set) != len(switchedVars)+len(markerVars) {
		t.Errorf("powershell sets %v, want exactly %v and %v", sortedEnvNames(set), sortedNames(switchedVars), markerVars)
	}
	if strings.Join(sortedNames(removed), " ") != strings.Join(sortedNames(removedVars), " ") {
		t.Errorf("powershell removes %v, want %v", removed, removedVars)
	}
	if set["AWS_ACCOUNT_NAME"] != hostileAlias {
		t.Errorf("AWS_ACCOUNT_NAME decodes to %q, want %q", set["AWS_ACCOUNT_NAME"], hostileAlias)
	}
}

func TestEnvFileOutput(t *testing.T) {
	t.Parallel()
	w, extra, exported := switchedWorld(t)
	got := parseEnvFile(t, formatOutput(t, w, extra, "env"))
	if strings.Join(sortedEnvNames(got), " ") != strings.Join(sortedNames(switchedVars), " ") {
		t.Fatalf("env output sets %v, want exactly %v", sortedEnvNames(got), sortedNames(switchedVars))
	}
	for _, k := range switchedVars {
		if got[k] != exported[k] {
			t.Errorf("env %s = %q, bash exported %q", k, got[k], exported[k])
		}
	}
}

func TestJSONOutputShapes(t *testing.T) {
	t.Parallel()
	w, extra, exported := switchedWorld(t)
	start := time.Now()

	j := parseCLIJSON(t, formatOutput(t, w, extra, "json"))
	for name, pair := range map[string][2]string{
		"AccessKeyId":     {j.Credentials.AccessKeyID, exported["AWS_ACCESS_KEY_ID"]},
		"SecretAccessKey": {j.Credentials.SecretAccessKey, exported["AWS_SECRET_ACCESS_KEY"]},
		"SessionToken":    {j.Credentials.SessionToken, exported["AWS_SESSION_TOKEN"]},
		"Expiration":      {j.Credentials.Expiration, exported["AWS_CREDENTIAL_EXPIRATION"]},
	} {
		if pair[0] != pair[1] {
			t.Errorf("json Credentials.%s = %q, bash exported %q", name, pair[0], pair[1])
		}
	}
	exp, _ := time.Parse(time.RFC3339, j.Credentials.Expiration)
	if !exp.After(start) || exp.After(start.Add(time.Hour+time.Minute)) {
		t.Errorf("json Expiration %s is not about an hour (the default duration) after %s", exp, start.UTC())
	}
	if want := "arn:aws:sts::222222222222:assumed-role/deploy/alice"; j.AssumedRoleUser.Arn != want {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", j.AssumedRoleUser.Arn, want)
	}
	if id := j.AssumedRoleUser.AssumedRoleID; !regexp.MustCompile(`^AROA[A-Z0-9]+:alice$`).MatchString(id) {
		t.Errorf("AssumedRoleUser.AssumedRoleId = %q", id)
	}

	out := formatOutput(t, w, extra, "credential-process")
	requireKeys(t, "credential-process", out, []string{"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"}, nil)
	var cp struct {
		Version                                   json.Number
		AccessKeyID                               string `json:"AccessKeyId"`
		SecretAccessKey, SessionToken, Expiration string
		AccountID                                 string `json:"AccountId"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&cp); err != nil {
		t.Fatalf("credential-process output: %v\n%s", err, out)
	}
	if cp.Version.String() != "1" {
		t.Errorf("credential-process Version = %s, want 1", cp.Version)
	}
	if cp.AccessKeyID != exported["AWS_ACCESS_KEY_ID"] || cp.SecretAccessKey != exported["AWS_SECRET_ACCESS_KEY"] ||
		cp.SessionToken != exported["AWS_SESSION_TOKEN"] || cp.Expiration != exported["AWS_CREDENTIAL_EXPIRATION"] {
		t.Errorf("credential-process credentials differ from the exported ones")
	}
	if _, err := time.Parse(time.RFC3339, cp.Expiration); err != nil {
		t.Errorf("credential-process Expiration %q: %v", cp.Expiration, err)
	}
	if cp.AccountID != "222222222222" {
		t.Errorf("credential-process AccountId = %q", cp.AccountID)
	}
}
