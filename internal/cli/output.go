package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/internal/credout"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/shellenv"
	"github.com/spf13/pflag"
)

// Output formats besides the shells of shellenv.
const (
	formatJSON              = credout.FormatJSON
	formatCredentialProcess = credout.FormatCredentialProcess
)

type outputFlags struct{ format string }

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&o.format, "output", "o", "", "bash, zsh, fish, powershell, env, json or credential-process (default: exports for your shell)")
}

// ourVars are every variable a switch sets; --unset clears them.
var ourVars = credout.OurVars

// shadowingVars would make SDKs pick other credentials than the exported ones.
var shadowingVars = credout.ShadowingVars

// resolveFormat picks the output format: -o, then the shell integration's shell, then $SHELL.
// explicit reports whether the user asked for it (so secrets may go to a terminal).
func (o *outputFlags) resolveFormat(getenv func(string) string) (format string, explicit bool, err error) {
	if o.format != "" {
		switch o.format {
		case formatJSON, formatCredentialProcess:
			return o.format, true, nil
		}
		sh, err := shellenv.ParseShell(o.format)
		if err != nil {
			return "", false, problem.New(problem.Usage, "unknown output format %q", o.format).
				WithHint("use one of: bash, zsh, fish, powershell, env, json, credential-process")
		}
		return string(sh), true, nil
	}
	if s := getenv(shellenv.ShellEnvVar); s != "" {
		if sh, err := shellenv.ParseShell(s); err == nil {
			return string(sh), true, nil
		}
	}
	return string(shellenv.DetectShell(getenv)), false, nil
}

// outResult is what credout renders of an engine result.
func outResult(r *engine.Result) *credout.Result {
	c := r.Credentials
	return &credout.Result{
		Credentials: credout.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
			SessionToken: c.SessionToken, CanExpire: c.CanExpire, Expires: c.Expires, AccountID: c.AccountID},
		AssumedRoleARN: r.AssumedRoleARN, AssumedRoleID: r.AssumedRoleID, AccountID: r.AccountID,
		RoleName: r.RoleName, Region: r.Region, Ambient: r.Ambient,
	}
}

// credentialVars are the variables that hand credentials to a program.
func credentialVars(r *engine.Result, accountName, roleName string) []shellenv.Var {
	return credout.Vars(outResult(r), accountName, roleName)
}

// unsetFor lists what to unset after setting vars (credout.UnsetFor).
func unsetFor(vars []shellenv.Var) []string { return credout.UnsetFor(vars) }

// renderCredentials writes r in the chosen format.
func renderCredentials(w io.Writer, format string, r *engine.Result, accountName, roleName string) error {
	return credout.Render(w, format, outResult(r), accountName, roleName)
}

func writeJSON(w io.Writer, v any) error { return credout.WriteJSON(w, v) }

// shellQuoteArgs renders args for a command line the user can copy (POSIX quoting).
func shellQuoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" || strings.ContainsFunc(a, func(r rune) bool {
			return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == '=' || r == '@' || r == ',' ||
				(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
		}) {
			q[i] = shellenv.Quote(shellenv.Bash, a)
		}
	}
	return strings.Join(q, " ")
}

// describe is the one-line, secret-free summary printed on stderr for a terminal.
func describe(r *engine.Result, accountName, roleName string) string {
	what := r.AssumedRoleARN
	if what == "" {
		what = r.RoleARN
	}
	s := fmt.Sprintf("credentials for %s", what)
	if r.Credentials.CanExpire {
		s += fmt.Sprintf(" (expire %s)", r.Credentials.Expires.Local().Format("15:04 MST"))
	}
	if r.Cached {
		s += ", from the cache"
	}
	return s
}
