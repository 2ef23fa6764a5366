package shellenv

import (
	"strings"
	"testing"
)

func TestParseShell(t *testing.T) {
	good := map[string]Shell{
		"bash": Bash, "zsh": Zsh, "fish": Fish, "powershell": PowerShell,
		"pwsh": PowerShell, "env": Env, "BASH": Bash, " Pwsh ": PowerShell,
	}
	for in, want := range good {
		if got, err := ParseShell(in); err != nil || got != want {
			t.Errorf("ParseShell(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "tcsh", "sh", "cmd", "bash5"} {
		_, err := ParseShell(in)
		if err == nil {
			t.Errorf("ParseShell(%q) succeeded", in)
			continue
		}
		for _, choice := range []string{"bash", "zsh", "fish", "powershell", "pwsh", "env"} {
			if !strings.Contains(err.Error(), choice) {
				t.Errorf("ParseShell(%q) error %q does not list %q", in, err, choice)
			}
		}
	}
}

func TestDetectShell(t *testing.T) {
	tests := []struct {
		shell, override string
		want            Shell
	}{
		{"/bin/bash", "", Bash},
		{"/usr/bin/zsh", "", Zsh},
		{"-zsh", "", Zsh},
		{"/opt/homebrew/bin/fish", "", Fish},
		{"/usr/local/bin/pwsh", "", PowerShell},
		{`C:\Program Files\PowerShell\7\pwsh.exe`, "", PowerShell},
		{"powershell", "", PowerShell},
		{"/bin/dash", "", Bash},
		{"/bin/tcsh", "", Bash},
		{"", "", Bash},
		{"/bin/bash", "fish", Fish},
		{"/usr/bin/fish", "zsh", Zsh},
		{"/usr/bin/fish", "nonsense", Fish},
	}
	for _, tt := range tests {
		env := map[string]string{"SHELL": tt.shell, ShellEnvVar: tt.override}
		if got := DetectShell(func(k string) string { return env[k] }); got != tt.want {
			t.Errorf("DetectShell(SHELL=%q, %s=%q) = %q, want %q", tt.shell, ShellEnvVar, tt.override, got, tt.want)
		}
	}
}
