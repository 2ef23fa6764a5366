package shellenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestShellInitErrors(t *testing.T) {
	tests := []struct {
		name string
		sh   Shell
		opts InitOptions
	}{
		{"env format", Env, InitOptions{}},
		{"unknown shell", Shell("tcsh"), InitOptions{}},
		{"binary with space in name", Bash, InitOptions{Binary: "/opt/my tool"}},
		{"binary with semicolon", Bash, InitOptions{Binary: "ar;id"}},
		{"binary with newline", Fish, InitOptions{Binary: "/opt/x\n/assume-role"}},
		{"binary starting with dash", Bash, InitOptions{Binary: "-x"}},
		{"binary is a directory", Bash, InitOptions{Binary: "/opt/bin/"}},
		{"binary is a Windows directory", PowerShell, InitOptions{Binary: `C:\Tools\`}},
	}
	for _, tt := range tests {
		if got, err := ShellInit(tt.sh, tt.opts); err == nil {
			t.Errorf("%s: ShellInit succeeded:\n%s", tt.name, got)
		}
	}
}

func TestShellInitOptions(t *testing.T) {
	tests := []struct {
		sh       Shell
		opts     InitOptions
		contains []string
		absent   []string
	}{
		{Bash, InitOptions{}, []string{"function assume-role {", `ASSUME_ROLE_SHELL=bash ASSUME_ROLE_SHELL_CODE_FILE="$__ar_file" command 'assume-role' "$@"`}, nil},
		{Zsh, InitOptions{}, []string{"ASSUME_ROLE_SHELL=zsh ", "shell-init zsh"}, nil},
		{Bash, InitOptions{Binary: `/usr/local/bin/ar.exe`}, []string{"function ar {", `command '/usr/local/bin/ar.exe' "$@"`}, []string{"function assume-role"}},
		{Fish, InitOptions{}, []string{"function assume-role ", "ASSUME_ROLE_SHELL=fish ASSUME_ROLE_SHELL_CODE_FILE=$__ar_file command 'assume-role' $argv"}, nil},
		{Fish, InitOptions{Binary: "/opt/it's/assume-role"}, []string{`command '/opt/it\'s/assume-role' $argv`}, nil},
		{PowerShell, InitOptions{Binary: `C:\Tools\AR.exe`}, []string{"function AR {", `-Name 'C:\Tools\AR.exe'`}, nil},
	}
	for _, tt := range tests {
		got, err := ShellInit(tt.sh, tt.opts)
		if err != nil {
			t.Errorf("ShellInit(%s, %+v): %v", tt.sh, tt.opts, err)
			continue
		}
		for _, s := range tt.contains {
			if !strings.Contains(got, s) {
				t.Errorf("ShellInit(%s, %+v) lacks %q:\n%s", tt.sh, tt.opts, s, got)
			}
		}
		for _, s := range tt.absent {
			if strings.Contains(got, s) {
				t.Errorf("ShellInit(%s, %+v) contains %q:\n%s", tt.sh, tt.opts, s, got)
			}
		}
	}
}

// TestShellInitNeverCapturesOutput: no function captures what the binary prints (that would
// evaluate -o json, version or an exec'd program's output, and take the terminal from it); the
// only thing evaluated is the code file.
func TestShellInitNeverCapturesOutput(t *testing.T) {
	for _, sh := range []Shell{Bash, Zsh, Fish, PowerShell} {
		got, err := ShellInit(sh, InitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, capture := range []string{"$(command 'assume-role'", "(command 'assume-role'", "= & $bin", "eval \"$__ar_out", "$out"} {
			if strings.Contains(got, capture) {
				t.Errorf("%s: the function captures the binary's output (%q):\n%s", sh, capture, got)
			}
		}
	}
}

// TestShellInitSyntax parses every variant with the real shells' -n (no
// execution) mode, including ones the behaviour tests do not load.
func TestShellInitSyntax(t *testing.T) {
	variants := []InitOptions{{}, {Binary: "/opt/it's $(x)/assume-role"}}
	for _, d := range dialects {
		t.Run(d.exe, func(t *testing.T) {
			exe := requireShell(t, d.exe)
			for _, opts := range variants {
				code, err := ShellInit(d.sh, opts)
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(exe, "-n", "-c", code).CombinedOutput()
				if err != nil || len(out) != 0 {
					t.Errorf("%s -n rejects ShellInit(%+v): %v\n%s\n%s", d.exe, opts, err, out, code)
				}
			}
		})
	}
}

// PowerShell has no interpreter on the build machine: pin its exact output. What makes it
// correct: the binary runs as a plain statement (its output goes to the console, nothing is
// captured, an exec'd program keeps the console); $LASTEXITCODE is the binary's and is checked
// before anything is evaluated; only the text of the temporary file (New-TemporaryFile: private
// to the user) is evaluated; the two variables are restored and the file removed in finally, also
// when the binary fails or the user presses Ctrl-C.
func TestShellInitPowerShell(t *testing.T) {
	got, err := ShellInit(PowerShell, InitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "# assume-role shell integration for PowerShell:\n" +
		"#   assume-role shell-init powershell | Out-String | Invoke-Expression\n" +
		"# Runs assume-role on the console; evaluates only the code it writes for this session\n" +
		"# into a private temporary file (a switch's exports, --unset), and only on success.\n" +
		"function assume-role {\n" +
		"    $bin = Get-Command -Name 'assume-role' -CommandType Application -ErrorAction Stop |\n" +
		"        Select-Object -First 1 -ExpandProperty Path\n" +
		"    $file = New-TemporaryFile\n" +
		"    $previousShell = $Env:ASSUME_ROLE_SHELL\n" +
		"    $previousFile = $Env:ASSUME_ROLE_SHELL_CODE_FILE\n" +
		"    $Env:ASSUME_ROLE_SHELL = 'powershell'\n" +
		"    $Env:ASSUME_ROLE_SHELL_CODE_FILE = $file.FullName\n" +
		"    try {\n" +
		"        & $bin @args\n" +
		"        if ($LASTEXITCODE -eq 0) {\n" +
		"            $code = [System.IO.File]::ReadAllText($file.FullName)\n" +
		"            if ($code) { Invoke-Expression $code }\n" +
		"        }\n" +
		"    } finally {\n" +
		"        $Env:ASSUME_ROLE_SHELL = $previousShell\n" +
		"        $Env:ASSUME_ROLE_SHELL_CODE_FILE = $previousFile\n" +
		"        Remove-Item -LiteralPath $file.FullName -Force -ErrorAction SilentlyContinue\n" +
		"    }\n" +
		"}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if pwsh, err := exec.LookPath("pwsh"); err == nil {
		// Where PowerShell is installed, at least parse the function.
		script := "$errs = $null; [void][System.Management.Automation.Language.Parser]::ParseInput($env:AR_CODE, [ref]$null, [ref]$errs); if ($errs) { $errs; exit 1 }"
		cmd := exec.Command(pwsh, "-NoProfile", "-NonInteractive", "-Command", script)
		cmd.Env = append(os.Environ(), "AR_CODE="+got)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("pwsh rejects the function: %v\n%s", err, out)
		}
	}
}

func TestWriteCodeFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "code")
	if err := os.WriteFile(file, []byte("old content that is longer"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteCodeFile(file, []byte("export A='1'\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); string(b) != "export A='1'\n" {
		t.Errorf("file holds %q", b)
	}
	// Never creates a file, never follows a link, never writes into a directory.
	missing := filepath.Join(dir, "missing")
	if err := WriteCodeFile(missing, []byte("x")); err == nil {
		t.Error("WriteCodeFile created a file")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a missing file was created")
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Skip(err)
	}
	if err := WriteCodeFile(link, []byte("x")); err == nil {
		t.Error("WriteCodeFile wrote through a symbolic link")
	}
	if err := WriteCodeFile(dir, []byte("x")); err == nil {
		t.Error("WriteCodeFile wrote to a directory")
	}
}
