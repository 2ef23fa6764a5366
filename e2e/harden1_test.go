package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 14, defect 1: long-term keys written in upper case or next to an empty
// aws_session_token line are never overwritten by --write-profile.
func TestWriteProfileKeepsLongTermKeysAnyCase(t *testing.T) {
	w := newWorld(t, nil)
	for _, creds := range []string{
		"[default]\nAWS_ACCESS_KEY_ID = " + aliceKey + "\nAWS_SECRET_ACCESS_KEY = " + aliceSecret + "\n",
		"[default]\naws_access_key_id = " + aliceKey + "\naws_secret_access_key = " + aliceSecret + "\naws_session_token =\n",
	} {
		path := w.write(".aws/credentials", creds)
		w.fail(2, "holds long-term keys", "prod", "read", "--write-profile", "default")
		if got, _ := os.ReadFile(path); string(got) != creds {
			t.Fatalf("credentials file changed:\n%s", got)
		}
		if n := w.count("AssumeRole"); n != 0 {
			t.Fatalf("%d AssumeRole calls before refusing", n)
		}
	}
}

// Issue 14, defect 3: profile names the SDKs read differently, and read-only files, are refused
// before any network call.
func TestWriteProfileRefusesAmbiguousNamesAndReadOnlyFiles(t *testing.T) {
	w := newWorld(t, nil)
	path := filepath.Join(w.home, ".aws", "credentials")
	before, _ := os.ReadFile(path)
	for _, name := range []string{"a;b", "a#b", "my profile", "a\tb"} {
		w.fail(2, "invalid --write-profile", "prod", "read", "--write-profile", name)
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	r := w.fail(3, "read-only", "prod", "read", "--write-profile", "wp")
	if !strings.Contains(r.stderr, "0400") {
		t.Fatalf("the error does not say the mode: %s", r)
	}
	fi, _ := os.Stat(path)
	if got, _ := os.ReadFile(path); string(got) != string(before) || fi.Mode().Perm() != 0o400 {
		t.Fatalf("file changed: %v\n%s", fi.Mode(), got)
	}
	if n := w.count("AssumeRole"); n != 0 {
		t.Fatalf("%d AssumeRole calls before refusing", n)
	}
}

// Issue 14, defect 12: -p with a credential_process that returns long-term keys (no expiry, no
// session token) works with the cache on, and nothing is stored for it.
func TestProfileCredentialProcessLongTermKeys(t *testing.T) {
	w := newWorld(t, nil)
	script := w.write("vault.sh", "#!/bin/sh\nprintf '%s\\n' '{\"Version\": 1, \"AccessKeyId\": \""+aliceKey+"\", \"SecretAccessKey\": \""+aliceSecret+"\"}'\n")
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	w.write(".aws/config", "[profile vault]\nregion = us-east-1\ncredential_process = "+script+"\n\n[profile prod-read]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = vault\n")
	for i := range 2 {
		r := w.run("-p", "vault", "-o", "env")
		if r.code != 0 || !strings.Contains(r.stdout, aliceKey) {
			t.Fatalf("run %d: %s", i, r)
		}
		r = w.run("-p", "prod-read", "-o", "env")
		if r.code != 0 || !strings.Contains(r.stdout, "AWS_SESSION_TOKEN") {
			t.Fatalf("run %d: %s", i, r)
		}
		for _, args := range [][]string{{"--source-profile", "vault", "prod", "read"}, {"exec", "-p", "vault", "--", "true"}, {"-p", "vault", "--write-profile", "vault-copy"}} {
			if r := w.runEnv(map[string]string{"AWS_REGION": "us-east-1"}, args...); r.code != 0 {
				t.Fatalf("run %d %v: %s", i, args, r)
			}
		}
	}
	if n := w.count("AssumeRole"); n != 1 {
		t.Fatalf("%d AssumeRole calls, want 1 (the second switch is served by the cache)", n)
	}
	_ = filepath.Walk(w.env["ASSUME_ROLE_CACHE_DIR"], func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), aliceSecret) {
				t.Errorf("long-term secret stored in the cache: %s", p)
			}
		}
		return nil
	})
}

// Issue 14, defect 12: exec of a missing command exits 127, as shells do.
func TestExecMissingCommandExits127(t *testing.T) {
	w := newWorld(t, nil)
	r := w.runEnv(map[string]string{"AWS_REGION": "us-east-1"}, "exec", "prod", "read", "--", "no-such-command-xyz")
	if r.code != 127 || !strings.Contains(r.stderr, "no-such-command-xyz") {
		t.Fatalf("want exit 127 naming the command, got %s", r)
	}
}

// Issue 14, defect 12: a positional ROLE accepts the path characters -R accepts.
func TestPositionalRoleAcceptsARNPathCharacters(t *testing.T) {
	w := newWorld(t, nil)
	for _, role := range []string{"team!x/read", "a#b/c~d/read", "/ops*/read"} {
		r := w.runEnv(map[string]string{"AWS_REGION": "us-east-1"}, "prod", role, "-o", "env")
		want := "arn:aws:iam::222222222222:role/" + strings.TrimPrefix(role, "/")
		rr := w.runEnv(map[string]string{"AWS_REGION": "us-east-1"}, "-R", want, "-o", "env")
		if r.code == 2 || r.code != rr.code {
			t.Fatalf("ROLE %q: exit %d, -R exits %d\n%s", role, r.code, rr.code, r)
		}
		if got := w.lastCall("AssumeRole").Params["RoleArn"]; got != want {
			t.Fatalf("ROLE %q assumed %q, want %q", role, got, want)
		}
	}
}

// Issue 14, defect 12: the encrypted-file cache with a wrong passphrase says so instead of
// looking empty.
func TestEncryptedCacheWrongPassphrase(t *testing.T) {
	w := newWorld(t, nil)
	env := map[string]string{"ASSUME_ROLE_CACHE_BACKEND": "encrypted-file", "ASSUME_ROLE_CACHE_PASSPHRASE": "correct horse battery staple", "AWS_REGION": "us-east-1"}
	if r := w.runEnv(env, "prod", "read", "-o", "env"); r.code != 0 {
		t.Fatal(r)
	}
	env["ASSUME_ROLE_CACHE_PASSPHRASE"] = "wrong passphrase"
	for _, args := range [][]string{{"cache", "list"}, {"prod", "read", "-o", "env"}} {
		r := w.runEnv(env, args...)
		t.Logf("%v: %s", args, r)
		if r.code != 3 || !strings.Contains(r.stderr, "passphrase") || !strings.Contains(r.stderr, "wrong") {
			t.Errorf("%v with a wrong passphrase: %s", args, r)
		}
	}
	if n := w.count("AssumeRole"); n != 1 {
		t.Errorf("%d AssumeRole calls, want 1", n)
	}
}

// Issue 14, defect 10: console --open never puts the sign-in token on the browser launcher's
// command line (readable by every local user in /proc): the launcher gets a 0600 file, in a
// 0700 folder, that redirects to the sign-in URL.
func TestConsoleOpenKeepsTokenOffCommandLine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("xdg-open launcher")
	}
	w := newWorld(t, nil)
	bin := filepath.Join(w.home, "bin")
	record := filepath.Join(w.home, "launched")
	w.write("bin/xdg-open", "#!/bin/sh\n{ printf '%s\\n' \"$@\"; stat -c '%a' \"$1\" \"$(dirname \"$1\")\"; cat \"$1\"; } > "+record+"\n")
	if err := os.Chmod(filepath.Join(bin, "xdg-open"), 0o700); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(w.home, "tmp")
	if err := os.Mkdir(tmp, 0o1777); err != nil {
		t.Fatal(err)
	}
	r := w.runEnv(map[string]string{"PATH": bin + ":" + os.Getenv("PATH"), "TMPDIR": tmp,
		"ASSUME_ROLE_FEDERATION_ENDPOINT": w.url + "/federation"}, "console", "prod", "read", "--open")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("console --open: %s", r)
	}
	out, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("the launcher did not run: %v", err)
	}
	lines := strings.SplitN(string(out), "\n", 5)
	if len(lines) < 5 {
		t.Fatalf("launcher record: %q", out)
	}
	argv, fileMode, dirMode, page := lines[0], lines[1], lines[2], lines[3]+lines[4]
	if strings.Contains(argv, "SigninToken") || strings.Contains(argv, "federation") {
		t.Fatalf("the launcher's argv carries the sign-in URL: %q", argv)
	}
	if fileMode != "600" || dirMode != "700" {
		t.Fatalf("page mode %s in a folder of mode %s, want 600 and 700", fileMode, dirMode)
	}
	if !strings.Contains(page, "SigninToken=") || !strings.Contains(page, "http-equiv=\"refresh\"") {
		t.Fatalf("the page does not redirect to the sign-in URL: %q", page)
	}
}

// runBounded runs the binary like w.runEnv, but gives up after 15 seconds: a hang is the failure.
func runBounded(t *testing.T, w *world, extra map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env, cmd.Dir = w.environ(extra), w.home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("assume-role %s hung (killed after 15 s)", strings.Join(args, " "))
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// Issue 14, defect 6: FIFOs, devices and huge files given as the accounts file, config,
// credentials, --policy @file, token or assertion file are refused at once, saying why.
func TestSpecialAndHugeFilesRefused(t *testing.T) {
	w := newWorld(t, nil)
	fifo := filepath.Join(w.home, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := w.write("huge.json", `{"prod": "222222222222", "x": "`+strings.Repeat("a", 5<<20)+`"}`)
	role := "arn:aws:iam::222222222222:role/read"
	for _, tt := range []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		wants []string
	}{
		{"accounts FIFO", map[string]string{"ACCOUNTS_FILE": fifo}, []string{"prod", "read"}, 3, []string{"named pipe"}},
		{"accounts /dev/zero", map[string]string{"ACCOUNTS_FILE": "/dev/zero"}, []string{"prod", "read"}, 3, []string{"character device"}},
		{"accounts huge", map[string]string{"ACCOUNTS_FILE": huge}, []string{"prod", "read"}, 3, []string{"limit"}},
		{"config FIFO", map[string]string{"AWS_CONFIG_FILE": fifo}, []string{"prod", "read"}, 3, []string{"named pipe"}},
		{"config /dev/zero", map[string]string{"AWS_CONFIG_FILE": "/dev/zero"}, []string{"-R", role}, 3, []string{"character device"}},
		{"credentials FIFO", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": fifo}, []string{"-R", role}, 3, []string{"named pipe"}},
		{"credentials /dev/zero", map[string]string{"AWS_SHARED_CREDENTIALS_FILE": "/dev/zero"}, []string{"prod", "read"}, 3, []string{"character device"}},
		{"policy FIFO", nil, []string{"-R", role, "--policy", "@" + fifo}, 2, []string{"named pipe"}},
		{"policy /dev/zero", nil, []string{"-R", role, "--policy", "@/dev/zero"}, 2, []string{"character device"}},
		{"web identity token FIFO", nil, []string{"-R", role, "--web-identity-token-file", fifo}, 0, []string{"named pipe"}},
		{"SAML assertion FIFO", nil, []string{"--saml-assertion", fifo, "read"}, 2, []string{"named pipe"}},
		{"SAML assertion /dev/zero", nil, []string{"--saml-assertion", "/dev/zero", "read"}, 2, []string{"character device"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_REGION": "us-east-1"}
			for k, v := range tt.env {
				env[k] = v
			}
			r := runBounded(t, w, env, append(tt.args, "-o", "env")...)
			if r.code == 0 || (tt.code != 0 && r.code != tt.code) || r.stdout != "" {
				t.Fatalf("want exit %d, got %s", tt.code, r)
			}
			for _, want := range tt.wants {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q: %s", want, r.stderr)
				}
			}
			if strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
				t.Errorf("more than an error and a hint: %s", r.stderr)
			}
		})
	}
}

// Issue 14, defect 6: a large credentials file (here 3 MB; bench figures for 46 MB in the README)
// works for every kind of switch: the SDK gets the profile's own sections.
func TestLargeSharedFiles(t *testing.T) {
	w := newWorld(t, nil)
	var creds, cfg strings.Builder
	creds.WriteString("[default]\naws_access_key_id = " + aliceKey + "\naws_secret_access_key = " + aliceSecret + "\n\n")
	cfg.WriteString("[default]\nregion = us-east-1\n\n[profile prod-read]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\n\n")
	cfg.WriteString("[profile broken]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = gone\n\n")
	for i := 0; creds.Len() < 3<<20; i++ {
		fmt.Fprintf(&creds, "[p%d]\naws_access_key_id = AKIA%016d\naws_secret_access_key = %s\n\n", i, i, strings.Repeat("x", 40))
		if i < 5000 {
			fmt.Fprintf(&cfg, "[profile q%d]\nrole_arn = arn:aws:iam::222222222222:role/r%d\nsource_profile = p%d\n\n", i, i, i)
		}
	}
	w.write(".aws/credentials", creds.String())
	w.write(".aws/config", cfg.String())
	for range 2 {
		if r := w.run("prod", "read", "-o", "env"); r.code != 0 || !strings.Contains(r.stdout, "AWS_SESSION_TOKEN=") {
			t.Fatal(r)
		}
		if r := w.run("-p", "prod-read", "-o", "env"); r.code != 0 || !strings.Contains(r.stdout, "AWS_SESSION_TOKEN=") {
			t.Fatal(r)
		}
	}
	if n := w.count("AssumeRole"); n != 1 {
		t.Fatalf("%d AssumeRole calls, want 1 (the same role and source: every later switch is cached)", n)
	}
	// Error paths read only what they explain, too.
	if r := runBounded(t, w, nil, "-p", "broken", "-o", "env"); r.code != 3 || !strings.Contains(r.stderr, `names source_profile "gone"`) {
		t.Fatalf("broken chain: %s", r)
	}
	// A profile whose source is deep in the file reaches STS with that source's keys (unknown to
	// the emulator, hence the failure).
	r := w.run("-p", "q4321", "-o", "env")
	if r.code == 0 || w.lastCall("GetCallerIdentity").AccessKeyID != fmt.Sprintf("AKIA%016d", 4321) {
		t.Fatalf("q4321 did not use p4321's keys: %s %v", r, w.lastCall("GetCallerIdentity"))
	}
}
