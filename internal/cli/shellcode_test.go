package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShellCodeGoesOnlyToTheFunctionsFile: called by the shell function, the binary writes the
// code for the function's shell into the function's file and nothing on stdout; any other output
// goes to stdout, and the file stays empty.
func TestShellCodeGoesOnlyToTheFunctionsFile(t *testing.T) {
	cases := []struct {
		args       []string
		toFile     string // expected start of the file
		toStdout   string // expected start of stdout
		wantStatus int
	}{
		{[]string{"--unset"}, "unset -v AWS_ACCESS_KEY_ID\n", "", 0},
		{[]string{"--unset", "-o", "bash"}, "unset -v AWS_ACCESS_KEY_ID\n", "", 0},
		{[]string{"--unset", "-o", "fish"}, "", "if set -q -g AWS_ACCESS_KEY_ID", 0},
		{[]string{"--unset", "-o", "zsh"}, "", "unset -v AWS_ACCESS_KEY_ID\n", 0},
		{[]string{"version"}, "", "assume-role ", 0},
		{[]string{"shell-init", "bash"}, "", "# assume-role shell integration for bash", 0},
		{[]string{"--unset", "-o", "json"}, "", "", 2},
	}
	for _, c := range cases {
		file := filepath.Join(t.TempDir(), "code")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		sio, out, errb := testIO(map[string]string{"HOME": t.TempDir(), "ASSUME_ROLE_SHELL": "bash"})
		sio.ShellCodeFile = file
		sio.StdoutIsTTY = true
		code := Main(context.Background(), c.args, sio)
		b, _ := os.ReadFile(file)
		if code != c.wantStatus || !strings.HasPrefix(string(b), c.toFile) || (c.toFile == "") != (len(b) == 0) ||
			!strings.HasPrefix(out.String(), c.toStdout) || (c.toStdout == "") != (out.Len() == 0) {
			t.Errorf("%v: exit %d, file %q, stdout %q, stderr %q", c.args, code, b, out.String(), errb.String())
		}
	}
}

func TestShellCodeFileMustExist(t *testing.T) {
	sio, out, errb := testIO(map[string]string{"HOME": t.TempDir(), "ASSUME_ROLE_SHELL": "zsh"})
	sio.ShellCodeFile = filepath.Join(t.TempDir(), "missing")
	if code := Main(context.Background(), []string{"--unset"}, sio); code != 1 || out.Len() != 0 ||
		!strings.Contains(errb.String(), "assume-role: error: cannot hand the shell code to the shell function") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	if _, err := os.Stat(sio.ShellCodeFile); err == nil {
		t.Error("the file was created")
	}
}
