package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPromptFunctionMatchesBinary: the assume_role_prompt function that
// `assume-role shell-init SHELL` defines prints exactly what `assume-role
// prompt` prints for the same environment, in real bash, zsh and fish. Each
// expiration lies 30 s past a whole minute from now, so neither side's
// rounding (the shells count whole seconds) can cross a minute boundary within
// a run shorter than half a minute. Variable content must never run.
func TestPromptFunctionMatchesBinary(t *testing.T) {
	w := newWorld(t, nil)
	binDir := filepath.Dir(binary)
	at := func(d time.Duration) string {
		return time.Now().UTC().Add(d + 30*time.Second).Format(time.RFC3339)
	}
	cases := []map[string]string{
		{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(47 * time.Minute)},
		{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(3*time.Hour + 7*time.Minute)},
		{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(0)},
		{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": at(-2 * time.Minute)},
		{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read"},
		{"AWS_ACCOUNT_ID": "012345678901", "AWS_ACCOUNT_ROLE": "ops/deploy", "AWS_CREDENTIAL_EXPIRATION": at(12 * time.Minute)},
		{"AWS_ACCOUNT_NAME": "evil$(touch PWNED)`touch PWNED`;%F{red}\\[\x1b]0;x\a'\"", "AWS_ACCOUNT_ROLE": "r\nead", "AWS_CREDENTIAL_EXPIRATION": "$(touch PWNED)"},
		{},
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		path := requireTool(t, shell)
		init := w.ok("shell-init", shell).stdout
		if !strings.Contains(init, "assume_role_prompt") {
			t.Fatalf("shell-init %s defines no assume_role_prompt:\n%s", shell, init)
		}
		for i, c := range cases {
			script := init + "\nprintf 'fn<'; assume_role_prompt; printf '>\\n'; printf 'bin<'; command assume-role prompt; printf '>\\n'\n"
			args := []string{"-c", script}
			if shell == "fish" {
				args = []string{"--no-config", "-c", script}
			}
			cmd := exec.Command(path, args...)
			cmd.Dir = t.TempDir()
			extra := map[string]string{"PATH": binDir + ":" + w.env["PATH"]}
			for k, v := range c {
				extra[k] = v
			}
			cmd.Env = w.environ(extra)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s case %d: %v\n%s", shell, i, err, out)
			}
			s := string(out)
			fn, rest, ok1 := strings.Cut(strings.TrimPrefix(s, "fn<"), ">\nbin<")
			bin, _, ok2 := strings.Cut(rest, ">\n")
			if !strings.HasPrefix(s, "fn<") || !ok1 || !ok2 {
				t.Fatalf("%s case %d: unexpected output %q", shell, i, s)
			}
			if fn != bin {
				t.Errorf("%s case %d: assume_role_prompt printed %q, assume-role prompt %q", shell, i, fn, bin)
			}
			if _, err := os.Stat(filepath.Join(cmd.Dir, "PWNED")); err == nil {
				t.Fatalf("%s case %d: variable content was executed", shell, i)
			}
		}
	}
}
