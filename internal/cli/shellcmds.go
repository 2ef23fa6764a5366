package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/assume-role/assume-role/accounts"
	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/internal/safefile"
	"github.com/assume-role/assume-role/shellenv"
	"github.com/spf13/cobra"
	"gopkg.in/ini.v1"
)

// newShellInitCmd prints the shell function that makes `assume-role prod read` change the
// calling shell (coinbase's `source $(which assume-role)` mode, without sourcing a binary).
func newShellInitCmd(sio *IO) *cobra.Command {
	return &cobra.Command{
		Use:       "shell-init bash|zsh|fish|powershell",
		Short:     "Print the shell function for your rc file: eval \"$(assume-role shell-init bash)\"",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(_ *cobra.Command, args []string) error {
			sh, err := shellenv.ParseShell(args[0])
			if err != nil {
				return usageError(err)
			}
			code, err := shellenv.ShellInit(sh, shellenv.InitOptions{Binary: "assume-role"})
			if err != nil {
				return usageError(err)
			}
			_, err = fmt.Fprint(sio.Out, code+"\n"+shellenv.PromptFunction(sh)) // and assume_role_prompt
			return err
		},
	}
}

// newPromptCmd prints a prompt segment like aws:(prod:read 47m) from the environment only: no
// network, no files, a few milliseconds.
func newPromptCmd(sio *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "prompt",
		Short: "Print a short prompt segment such as aws:(prod:read 47m) (no network)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if s := shellenv.PromptSegment(sio.Getenv, sio.Now()); s != "" {
				fmt.Fprintln(sio.Out, s)
			}
			return nil
		},
	}
}

// completeTargets completes the first positional argument with account aliases.
func completeTargets(sio *IO) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) != 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		a, err := accounts.Load(accountsPath(sio.Getenv))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, n := range a.Names() {
			if strings.HasPrefix(n, prefix) {
				id, _ := a.Lookup(n)
				out = append(out, n+"\t"+id)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeProfiles completes profile names from the shared config and credentials files.
func completeProfiles(sio *IO) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return profileNames(sio, prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

func profileNames(sio *IO, prefix string) []string {
	home := homeDir(sio.Getenv)
	cfg := firstNonEmpty(sio.Getenv("AWS_CONFIG_FILE"), home+"/.aws/config")
	creds := firstNonEmpty(sio.Getenv("AWS_SHARED_CREDENTIALS_FILE"), home+"/.aws/credentials")
	seen := map[string]bool{}
	var out []string
	for i, f := range []string{cfg, creds} {
		data, err := safefile.Read(f, engine.MaxSharedFileSize)
		if err != nil {
			continue // completion never hangs on a FIFO
		}
		file, err := ini.LoadSources(ini.LoadOptions{Loose: true}, data)
		if err != nil {
			continue
		}
		for _, s := range file.SectionStrings() {
			name := s
			if i == 0 && s != "default" {
				if !strings.HasPrefix(s, "profile ") {
					continue
				}
				name = strings.TrimSpace(strings.TrimPrefix(s, "profile "))
			}
			if name == ini.DefaultSection || seen[name] || !strings.HasPrefix(name, prefix) {
				continue
			}
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// registerCompletions wires flag completions shared by every command with target flags.
func registerCompletions(cmd *cobra.Command, sio *IO) {
	_ = cmd.RegisterFlagCompletionFunc("profile", completeProfiles(sio))
	_ = cmd.RegisterFlagCompletionFunc("source-profile", completeProfiles(sio))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(
		[]string{"bash", "zsh", "fish", "powershell", "env", "json", "credential-process"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("cache-backend", cobra.FixedCompletions(cacheBackends(), cobra.ShellCompDirectiveNoFileComp))
}

func cacheBackends() []string { return cache.Backends() }
