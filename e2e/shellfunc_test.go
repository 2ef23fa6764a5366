package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// shellFuncScripts drive the function of `assume-role shell-init SHELL` through everything that is
// not a switch (and must therefore be passed through untouched, never evaluated) and through the
// switches that must still change the calling shell. Each step prints "name:value" lines.
// ./FILE holds `touch PWNED`: if the function evaluates what `cat FILE` prints, PWNED appears.
var shellFuncScripts = map[string]string{
	"posix": `eval "$(command assume-role shell-init @SHELL@)" || exit 90
assume-role prod read -o json > json.out; echo "json:$?"
assume-role version > version.out; echo "version:$?"
assume-role -v > v.out; echo "v:$?"
assume-role --debug exec prod read -- cat FILE > cat.out 2> cat.err; echo "cat:$?"
assume-role exec prod read -- sh -c 'echo "export AR_INJECTED=1"; echo "export AR_INJECTED=2" > "${ASSUME_ROLE_SHELL_CODE_FILE:-/dev/null}"' > inject.out; echo "inject:$?"
assume-role exec prod read -- sh -c 'exit 7'; echo "exec:$?"
echo "injected:${AR_INJECTED-}"
assume-role exec prod read -- assume-role staging read > nested.out; echo "nested:$?"
echo "after-nested:${AWS_ACCOUNT_NAME-}"
assume-role prod read; echo "switch:$?"
echo "name:${AWS_ACCOUNT_NAME-}"
assume-role nope read 2> bad.err; echo "bad:$?"
echo "after-bad:${AWS_ACCOUNT_NAME-}"
assume-role staging read -o @SHELL@; echo "explicit:$?"
echo "after-explicit:${AWS_ACCOUNT_NAME-}"
assume-role --unset; echo "unset:$?"
echo "after-unset:${AWS_ACCOUNT_NAME-}:${AWS_ACCESS_KEY_ID-}"
`,
	"fish": `command assume-role shell-init fish | source; or exit 90
assume-role prod read -o json > json.out; echo "json:$status"
assume-role version > version.out; echo "version:$status"
assume-role -v > v.out; echo "v:$status"
assume-role --debug exec prod read -- cat FILE > cat.out 2> cat.err; echo "cat:$status"
assume-role exec prod read -- sh -c 'echo "set -gx AR_INJECTED 1"; echo "set -gx AR_INJECTED 2" > "${ASSUME_ROLE_SHELL_CODE_FILE:-/dev/null}"' > inject.out; echo "inject:$status"
assume-role exec prod read -- sh -c 'exit 7'; echo "exec:$status"
echo "injected:$AR_INJECTED"
assume-role exec prod read -- assume-role staging read > nested.out; echo "nested:$status"
echo "after-nested:$AWS_ACCOUNT_NAME"
assume-role prod read; echo "switch:$status"
echo "name:$AWS_ACCOUNT_NAME"
assume-role nope read 2> bad.err; echo "bad:$status"
echo "after-bad:$AWS_ACCOUNT_NAME"
assume-role staging read -o fish; echo "explicit:$status"
echo "after-explicit:$AWS_ACCOUNT_NAME"
assume-role --unset; echo "unset:$status"
echo "after-unset:$AWS_ACCOUNT_NAME:$AWS_ACCESS_KEY_ID"
`,
}

// shellArgs runs script in shell without any startup file.
func shellArgs(shell, script string) []string {
	switch shell {
	case "fish":
		return []string{"--no-config", "-c", script}
	case "zsh":
		return []string{"-f", "-c", script}
	}
	return []string{"--norc", "--noprofile", "-c", script}
}

// shellFuncEnv is w's environment with the built binary first on PATH (the function runs
// `command assume-role`).
func shellFuncEnv(w *world) map[string]string {
	return map[string]string{"PATH": filepath.Dir(binary) + ":" + w.env["PATH"], "AWS_REGION": "us-east-1"}
}

func TestShellFunctionEvaluatesOnlyItsOwnCode(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			path := requireTool(t, shell)
			w := newWorld(t, nil)
			w.write("FILE", "touch PWNED\n")
			script := shellFuncScripts["posix"]
			if shell == "fish" {
				script = shellFuncScripts["fish"]
			}
			script = strings.ReplaceAll(script, "@SHELL@", shell)
			r := runProcess(t, w.environ(shellFuncEnv(w)), w.home, "", path, shellArgs(shell, script)...)
			got := map[string]string{}
			for _, line := range strings.Split(r.stdout, "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok {
					got[k] = v
				}
			}
			want := map[string]string{
				"json": "0", "version": "0", "v": "0",
				"cat":    "0",
				"inject": "0", "exec": "7", "injected": "",
				"nested": "0", "after-nested": "",
				"switch": "0", "name": "prod",
				"bad": "2", "after-bad": "prod",
				"explicit": "0", "after-explicit": "staging",
				"unset": "0", "after-unset": ":",
			}
			for k, v := range want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s: %q, want %q", k, g, v)
				}
			}
			if r.code != 0 || r.stderr != "" {
				t.Errorf("the shell exited %d or wrote on stderr", r.code)
			}
			defer func() {
				if t.Failed() {
					t.Logf("%s:\n%s", shell, r)
				}
			}()
			requireNoPWNED(t, w.home)
			read := func(name string) string {
				b, err := os.ReadFile(filepath.Join(w.home, name))
				if err != nil {
					t.Error(err)
				}
				return string(b)
			}
			// Everything that is not a switch reached stdout untouched.
			if s := read("json.out"); !strings.Contains(s, `"SecretAccessKey"`) {
				t.Errorf("-o json printed %q", s)
			}
			for _, f := range []string{"version.out", "v.out"} {
				if s := read(f); !strings.HasPrefix(s, "assume-role ") || strings.Count(s, "\n") != 1 {
					t.Errorf("%s = %q, want the version line", f, s)
				}
			}
			if s := read("cat.out"); s != "touch PWNED\n" {
				t.Errorf("cat FILE printed %q, want the file's content", s)
			}
			if s := read("cat.err"); !strings.Contains(s, "assume-role: debug: ") {
				t.Errorf("--debug trace missing on stderr: %q", s)
			}
			if s := read("inject.out"); !strings.Contains(s, "AR_INJECTED 1") && !strings.Contains(s, "AR_INJECTED=1") {
				t.Errorf("exec's child output = %q", s)
			}
			if s := read("nested.out"); !strings.Contains(s, "AWS_ACCOUNT_NAME") || !strings.Contains(s, "staging") {
				t.Errorf("the nested assume-role printed %q, want staging's exports on stdout", s)
			}
			if s := read("bad.err"); !strings.Contains(s, "assume-role: error:") {
				t.Errorf("bad target stderr = %q", s)
			}
		})
	}
}

// TestShellFunctionExecKeepsTerminal: through the function, an exec'd program has the terminal as
// stdin and stdout (interactive programs work), and so do the binary's own prompts.
func TestShellFunctionExecKeepsTerminal(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			path := requireTool(t, shell)
			w := newWorld(t, nil)
			init := "eval \"$(command assume-role shell-init " + shell + ")\"\n"
			status := "$?"
			if shell == "fish" {
				init, status = "command assume-role shell-init fish | source\n", "$status"
			}
			script := init +
				"assume-role exec prod read -- sh -c 'test -t 0 && test -t 1 && echo CHILD-HAS-TERMINAL; read line; echo \"CHILD-READ-$line\"'\n" +
				"echo \"exec-status:" + status + "\"\n" +
				"assume-role prod admin\n" +
				"echo \"switched:" + status + ":$AWS_ACCOUNT_NAME\"\n"
			s := startShellPTY(t, w, shellFuncEnv(w), path, shellArgs(shell, script)...)
			s.expect("CHILD-HAS-TERMINAL")
			s.send("typed")
			s.expect("CHILD-READ-typed")
			s.expect("exec-status:0")
			s.expect("Enter MFA code for " + aliceMFA)
			s.send("123456")
			s.expect("switched:0:prod")
			if _, code := s.wait(); code != 0 {
				t.Fatalf("%s exited %d:\n%s", shell, code, s.Screen())
			}
			if strings.Contains(s.Screen(), "AWS_SECRET_ACCESS_KEY") {
				t.Fatalf("the switch printed its exports on the terminal:\n%s", s.Screen())
			}
		})
	}
}

// startShellPTY runs a program (a shell) with a pseudo-terminal as its controlling terminal and
// all of its standard streams.
func startShellPTY(t *testing.T, w *world, extra map[string]string, name string, args ...string) *ptySession {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal available: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	s := &ptySession{t: t, ptm: ptm, done: make(chan struct{})}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = w.environ(extra)
	cmd.Dir = w.home
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	s.cmd = cmd
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			s.mu.Lock()
			s.screen.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); ptm.Close() })
	return s
}
