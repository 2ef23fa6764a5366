package shellenv

import (
	"os/exec"
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
		{"passthrough with space", Zsh, InitOptions{Passthrough: []string{"a b"}}},
		{"passthrough glob", Fish, InitOptions{Passthrough: []string{"*"}}},
		{"passthrough flag", Bash, InitOptions{Passthrough: []string{"-x"}}},
		{"passthrough empty", PowerShell, InitOptions{Passthrough: []string{""}}},
		{"passthrough quote", PowerShell, InitOptions{Passthrough: []string{"a'b"}}},
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
		{Bash, InitOptions{}, []string{"function assume-role {", `command 'assume-role' "$@"`, "'exec'|'serve'|", "ASSUME_ROLE_SHELL=bash "}, nil},
		{Zsh, InitOptions{}, []string{"ASSUME_ROLE_SHELL=zsh ", "'shell-init'"}, nil},
		{Bash, InitOptions{Binary: `/usr/local/bin/ar.exe`}, []string{"function ar {", `command '/usr/local/bin/ar.exe' "$@"`}, []string{"function assume-role"}},
		{Bash, InitOptions{Passthrough: []string{"login"}}, []string{"'login')"}, []string{"'exec'"}},
		{Bash, InitOptions{Passthrough: []string{}}, nil, []string{`case "${1-}"`}},
		{Fish, InitOptions{}, []string{"function assume-role ", "case 'exec' 'serve' ", "ASSUME_ROLE_SHELL=fish command 'assume-role' $argv"}, nil},
		{Fish, InitOptions{Binary: "/opt/it's/assume-role"}, []string{`command '/opt/it\'s/assume-role' $argv`}, nil},
		{Fish, InitOptions{Passthrough: []string{}}, nil, []string{`switch "$argv[1]"`}},
		{PowerShell, InitOptions{Passthrough: []string{}}, []string{"$passthrough = @()"}, nil},
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

// TestShellInitSyntax parses every variant with the real shells' -n (no
// execution) mode, including ones the behaviour tests do not load.
func TestShellInitSyntax(t *testing.T) {
	variants := []InitOptions{{}, {Passthrough: []string{}}, {Passthrough: []string{"login"}}, {Binary: "/opt/it's $(x)/assume-role"}}
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

// PowerShell has no interpreter on the build machine: pin its exact output.
func TestShellInitPowerShell(t *testing.T) {
	got, err := ShellInit(PowerShell, InitOptions{Passthrough: []string{"exec", "whoami"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "# assume-role shell integration for PowerShell:\n" +
		"#   assume-role shell-init powershell | Out-String | Invoke-Expression\n" +
		"# Runs assume-role, and evaluates its output in this session only when it succeeds.\n" +
		"function assume-role {\n" +
		"    $bin = Get-Command -Name 'assume-role' -CommandType Application -ErrorAction Stop |\n" +
		"        Select-Object -First 1 -ExpandProperty Path\n" +
		"    $passthrough = @('exec', 'whoami')\n" +
		"    $direct = $args.Count -gt 0 -and $passthrough -ccontains $args[0]\n" +
		"    foreach ($arg in $args) {\n" +
		"        if ($arg -ceq '--') { break }\n" +
		"        if ($arg -clike '-h*' -or $arg -clike '--help*' -or $arg -clike '--version*') { $direct = $true }\n" +
		"    }\n" +
		"    if ($direct) { & $bin @args; return }\n" +
		"    $previous = $Env:ASSUME_ROLE_SHELL\n" +
		"    $Env:ASSUME_ROLE_SHELL = 'powershell'\n" +
		"    try { $out = & $bin @args } finally { $Env:ASSUME_ROLE_SHELL = $previous }\n" +
		"    if ($LASTEXITCODE -ne 0) { return }\n" +
		"    if ($out) { Invoke-Expression ($out -join \"`n\") }\n" +
		"}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestDefaultPassthrough(t *testing.T) {
	got := DefaultPassthrough()
	for _, want := range []string{"exec", "serve", "credential-process", "cache", "whoami", "console", "prompt", "shell-init", "completion", "help", "version"} {
		if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+want+" ") {
			t.Errorf("DefaultPassthrough() lacks %q", want)
		}
	}
	got[0] = "changed"
	if DefaultPassthrough()[0] == "changed" {
		t.Error("DefaultPassthrough returns shared state")
	}
}
