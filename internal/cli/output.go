package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/shellenv"
	"github.com/spf13/pflag"
)

// Output formats besides the shells of shellenv.
const (
	formatJSON              = "json"
	formatCredentialProcess = "credential-process"
)

type outputFlags struct{ format string }

func (o *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&o.format, "output", "o", "", "bash, zsh, fish, powershell, env, json or credential-process (default: exports for your shell)")
}

// ourVars are every variable a switch sets; --unset clears them.
var ourVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ACCOUNT_ID", "AWS_ACCOUNT_NAME", "AWS_ACCOUNT_ROLE", engine.EnvSource, engine.EnvExportedKey,
}

// shadowingVars would make SDKs pick other credentials than the exported ones.
var shadowingVars = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}

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

// credentialVars are the variables that hand credentials to a program.
func credentialVars(r *engine.Result, accountName, roleName string) []shellenv.Var {
	c := r.Credentials
	vars := []shellenv.Var{
		{Name: "AWS_ACCESS_KEY_ID", Value: c.AccessKeyID},
		{Name: "AWS_SECRET_ACCESS_KEY", Value: c.SecretAccessKey},
	}
	if c.SessionToken != "" {
		vars = append(vars, shellenv.Var{Name: "AWS_SESSION_TOKEN", Value: c.SessionToken},
			shellenv.Var{Name: "AWS_SECURITY_TOKEN", Value: c.SessionToken})
	}
	if c.CanExpire {
		vars = append(vars, shellenv.Var{Name: "AWS_CREDENTIAL_EXPIRATION", Value: c.Expires.UTC().Format(time.RFC3339)})
	}
	if r.Region != "" {
		vars = append(vars, shellenv.Var{Name: "AWS_REGION", Value: r.Region}, shellenv.Var{Name: "AWS_DEFAULT_REGION", Value: r.Region})
	}
	account := r.AccountID
	if account == "" {
		account = c.AccountID
	}
	if account != "" {
		vars = append(vars, shellenv.Var{Name: "AWS_ACCOUNT_ID", Value: account})
		if accountName == "" {
			accountName = account
		}
	}
	if accountName != "" {
		vars = append(vars, shellenv.Var{Name: "AWS_ACCOUNT_NAME", Value: accountName})
	}
	if roleName == "" {
		roleName = r.RoleName
	}
	if roleName != "" {
		vars = append(vars, shellenv.Var{Name: "AWS_ACCOUNT_ROLE", Value: roleName})
	}
	if r.Ambient != "" {
		// Where the next switch in this shell starts from (a profile name or a kind, never a secret).
		vars = append(vars, shellenv.Var{Name: engine.EnvSource, Value: r.Ambient},
			shellenv.Var{Name: engine.EnvExportedKey, Value: c.AccessKeyID})
	}
	return vars
}

// unsetFor lists what to unset after setting vars: shadowing variables, and our variables that
// this switch does not set (a stale session token must not survive a switch to long-term keys).
func unsetFor(vars []shellenv.Var) []string {
	set := map[string]bool{}
	for _, v := range vars {
		set[v.Name] = true
	}
	out := append([]string(nil), shadowingVars...)
	for _, n := range ourVars {
		if !set[n] {
			out = append(out, n)
		}
	}
	return out
}

// renderCredentials writes r in the chosen format.
func renderCredentials(w io.Writer, format string, r *engine.Result, accountName, roleName string) error {
	switch format {
	case formatJSON:
		return writeJSON(w, cliJSON(r))
	case formatCredentialProcess:
		return writeJSON(w, credentialProcessJSON(r))
	}
	vars := credentialVars(r, accountName, roleName)
	if format == string(shellenv.Env) {
		// An env file configures another program, not this shell: no shell bookkeeping.
		vars = withoutMarkers(vars)
	}
	return shellenv.Render(w, shellenv.Shell(format), vars, unsetFor(vars))
}

// withoutMarkers drops the variables that carry a shell's source across switches.
func withoutMarkers(vars []shellenv.Var) []shellenv.Var {
	var out []shellenv.Var
	for _, v := range vars {
		if v.Name != engine.EnvSource && v.Name != engine.EnvExportedKey {
			out = append(out, v)
		}
	}
	return out
}

type cliCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

type assumedRoleUser struct {
	AssumedRoleID string `json:"AssumedRoleId,omitempty"`
	Arn           string `json:"Arn"`
}

// cliJSON is the AWS CLI's `sts assume-role` output shape.
func cliJSON(r *engine.Result) any {
	out := struct {
		Credentials     cliCredentials   `json:"Credentials"`
		AssumedRoleUser *assumedRoleUser `json:"AssumedRoleUser,omitempty"`
		SourceIdentity  string           `json:"SourceIdentity,omitempty"`
	}{Credentials: cliCredentials{AccessKeyID: r.Credentials.AccessKeyID, SecretAccessKey: r.Credentials.SecretAccessKey,
		SessionToken: r.Credentials.SessionToken}}
	if r.Credentials.CanExpire {
		out.Credentials.Expiration = r.Credentials.Expires.UTC().Format(time.RFC3339)
	}
	if r.AssumedRoleARN != "" {
		out.AssumedRoleUser = &assumedRoleUser{AssumedRoleID: r.AssumedRoleID, Arn: r.AssumedRoleARN}
	}
	return out
}

// credentialProcessJSON is the SDKs' credential_process Version 1 shape.
func credentialProcessJSON(r *engine.Result) any {
	out := struct {
		Version         int    `json:"Version"`
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string `json:"SecretAccessKey"`
		SessionToken    string `json:"SessionToken,omitempty"`
		Expiration      string `json:"Expiration,omitempty"`
		AccountID       string `json:"AccountId,omitempty"`
	}{Version: 1, AccessKeyID: r.Credentials.AccessKeyID, SecretAccessKey: r.Credentials.SecretAccessKey,
		SessionToken: r.Credentials.SessionToken, AccountID: r.AccountID}
	if r.Credentials.CanExpire {
		out.Expiration = r.Credentials.Expires.UTC().Format(time.RFC3339)
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

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
