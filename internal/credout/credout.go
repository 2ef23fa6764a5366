// Package credout renders credentials the way every command hands them over: exports for a
// shell, the AWS CLI's JSON, or the SDKs' credential_process JSON. It depends on shellenv and the
// standard library only, so that both executables (the fast front and the engine) render the same
// bytes from the same code.
package credout

import (
	"encoding/json"
	"io"
	"time"

	"github.com/assume-role/assume-role/shellenv"
)

// The environment variables that carry a shell's source across switches. A switch exports them;
// the next switch in the same shell starts from that source again instead of from the
// credentials the first one exported.
const (
	// EnvSource is the shell's own source: "profile:NAME", "env" (keys that the switch replaced) or
	// "default-chain".
	EnvSource = "ASSUME_ROLE_SOURCE"
	// EnvExportedKey is the access key ID of the credentials a switch exported (not a secret).
	EnvExportedKey = "ASSUME_ROLE_EXPORTED_KEY_ID"
)

// Output formats besides the shells of shellenv.
const (
	FormatJSON              = "json"
	FormatCredentialProcess = "credential-process"
)

// OurVars are every variable a switch sets; --unset clears them.
var OurVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ACCOUNT_ID", "AWS_ACCOUNT_NAME", "AWS_ACCOUNT_ROLE", EnvSource, EnvExportedKey,
}

// ShadowingVars would make SDKs pick other credentials than the exported ones.
var ShadowingVars = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}

// Credentials are the secret part of a result.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	CanExpire       bool
	Expires         time.Time
	AccountID       string // the account the credentials belong to, when known
}

// Result is what a command hands over: the credentials and the non-secret facts about them.
type Result struct {
	Credentials    Credentials
	AssumedRoleARN string // arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
	AssumedRoleID  string // AROA…:SESSION, when known
	AccountID      string
	RoleName       string
	Region         string
	// Ambient is the shell's own source, exported as EnvSource so that the next switch starts from
	// it again; never a secret.
	Ambient string
}

// Vars are the variables that hand credentials to a program.
func Vars(r *Result, accountName, roleName string) []shellenv.Var {
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
		vars = append(vars, shellenv.Var{Name: EnvSource, Value: r.Ambient},
			shellenv.Var{Name: EnvExportedKey, Value: c.AccessKeyID})
	}
	return vars
}

// UnsetFor lists what to unset after setting vars: shadowing variables, and our variables that
// this switch does not set (a stale session token must not survive a switch to long-term keys).
func UnsetFor(vars []shellenv.Var) []string {
	set := map[string]bool{}
	for _, v := range vars {
		set[v.Name] = true
	}
	out := append([]string(nil), ShadowingVars...)
	for _, n := range OurVars {
		if !set[n] {
			out = append(out, n)
		}
	}
	return out
}

// Render writes r in format: a shell of shellenv, FormatJSON or FormatCredentialProcess.
func Render(w io.Writer, format string, r *Result, accountName, roleName string) error {
	switch format {
	case FormatJSON:
		return WriteJSON(w, cliJSON(r))
	case FormatCredentialProcess:
		return WriteJSON(w, credentialProcessJSON(r))
	}
	vars := Vars(r, accountName, roleName)
	if format == string(shellenv.Env) {
		// An env file configures another program, not this shell: no shell bookkeeping.
		vars = WithoutMarkers(vars)
	}
	return shellenv.Render(w, shellenv.Shell(format), vars, UnsetFor(vars))
}

// WithoutMarkers drops the variables that carry a shell's source across switches.
func WithoutMarkers(vars []shellenv.Var) []shellenv.Var {
	var out []shellenv.Var
	for _, v := range vars {
		if v.Name != EnvSource && v.Name != EnvExportedKey {
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
func cliJSON(r *Result) any {
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
func credentialProcessJSON(r *Result) any {
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

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
