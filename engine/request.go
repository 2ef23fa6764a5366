package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/assume-role/assume-role/internal/safefile"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/sso"
	"github.com/assume-role/assume-role/stslimits"
)

// Request describes one role assumption. Only RoleARN or Profile is required.
type Request struct {
	// Account and Role are coinbase's positional target: an alias of the accounts file or a 12-digit
	// ID, and a role name (with its path). They are resolved into RoleARN in the partition of the
	// region; missing values are asked for on a terminal.
	Account, Role string
	// AskTarget: no target was given; ask for ACCOUNT and ROLE on a terminal (else refuse).
	AskTarget bool

	RoleARN string // the role to assume
	Profile string // a shared-config profile whose role_arn (and source) to use, as -p/--profile

	SourceProfile string     // the profile whose credentials are the source (--source-profile)
	SSO           *SSOSource // an access portal role as the source (--sso ACCOUNT ROLE)
	// SSOLogin, when set, is called to sign in to IAM Identity Center when the source (--sso or an
	// SSO profile) has no valid token (the CLI's --sso-login: a browser or a code). nil: such a
	// source fails with a hint to run assume-role sso login.
	SSOLogin func(ctx context.Context, s *sso.Session) error

	Region    string // region for the exports and default STS endpoint; "" = resolve
	STSRegion string // send STS calls to this region's endpoint (--sts-endpoint-region)

	DurationSeconds   int    // role session duration; 0 = the profile's duration_seconds, AWS_ROLE_SESSION_TIMEOUT or 3600
	DurationFrom      string // where DurationSeconds came from, for doctor ("" = --session-duration)
	ExternalID        string
	SessionName       string // "" = derived from the caller's identity
	Policy            string // inline session policy JSON
	PolicyARNs        []string
	Tags              []stslimits.Tag
	TransitiveTagKeys []string
	SourceIdentity    string

	SerialNumber string // MFA device; "" = from the profile's mfa_serial or discovered
	TokenCode    string // MFA code; "" = from mfa_process or a prompt
	AskMFASerial bool   // Prowler's --mfa: ask for the device ARN and the code
	// Scheme is "bastion" (long-term keys upgraded to an MFA session when MFA is configured or
	// required) or "" (same, but MFA only when configured, asked for, or needed by the role).
	Scheme            string
	MFASessionSeconds int  // GetSessionToken duration; 0 = 43200
	MFAOnAssume       bool // send the MFA code with AssumeRole itself (allows sessions over 1 hour)
	StrictDuration    bool // fail instead of clamping to the one-hour role chaining cap
	NoCache, Refresh  bool
	AccountName       string // alias to report in results, if the caller resolved one
	// NoRegionPrompt: when no region is configured use us-east-1 instead of asking (callers whose
	// output carries no region, such as credential_process).
	NoRegionPrompt bool

	// Federation: with any of these set, the role is assumed with AssumeRoleWithSAML or
	// AssumeRoleWithWebIdentity instead of AssumeRole (see saml.go and webidentity.go).
	SAML                 *SAMLSource // a SAML assertion, given or fetched from an IdP
	WebIdentityTokenFile string      // an OIDC token file for AssumeRoleWithWebIdentity
}

// Validate checks every value against STS's limits, before any network call.
func (r *Request) Validate() error {
	bad := func(err error) error {
		return problem.Wrap(problem.Usage, err, "%s", err.Error())
	}
	if r.RoleARN != "" {
		if _, _, _, err := stslimits.RoleARN("role", r.RoleARN); err != nil {
			return bad(err)
		}
	}
	if r.Region != "" {
		if err := stslimits.Region("--region", r.Region); err != nil {
			return bad(err)
		}
	}
	if r.STSRegion != "" {
		if err := stslimits.Region("--sts-endpoint-region", r.STSRegion); err != nil {
			return bad(err)
		}
	}
	if r.DurationSeconds != 0 {
		if err := stslimits.Duration("--session-duration", r.DurationSeconds, stslimits.MinDuration, stslimits.MaxRoleDuration); err != nil {
			return bad(err)
		}
	}
	if r.MFASessionSeconds != 0 {
		if err := stslimits.Duration("--mfa-session-duration", r.MFASessionSeconds, stslimits.MinDuration, stslimits.MaxSessionTokenSeconds); err != nil {
			return bad(err)
		}
	}
	checks := []struct {
		v   string
		f   func(string, string) error
		flg string
	}{
		{r.ExternalID, stslimits.ExternalID, "--external-id"},
		{r.SessionName, stslimits.SessionName, "--role-session-name"},
		{r.SourceIdentity, stslimits.SourceIdentity, "--source-identity"},
		{r.SerialNumber, stslimits.SerialNumber, "--serial-number"},
		{r.TokenCode, stslimits.TokenCode, "--token-code"},
	}
	for _, c := range checks {
		if c.v != "" {
			if err := c.f(c.flg, c.v); err != nil {
				return bad(err)
			}
		}
	}
	if err := stslimits.PolicyARNs("--policy-arns", r.PolicyARNs); err != nil {
		return bad(err)
	}
	if err := stslimits.Policy("--policy", r.Policy, r.PolicyARNs); err != nil {
		return bad(err)
	}
	if err := stslimits.Tags("--tags", r.Tags, r.TransitiveTagKeys); err != nil {
		return bad(err)
	}
	switch strings.ToLower(r.Scheme) {
	case "", "bastion":
	case "saml", "onelogin", "okta":
		if r.SAML == nil {
			return problem.New(problem.Usage, "the saml auth scheme needs a SAML source").
				WithHint("set SAML_IDP_ASSERTION_URL and SAML_IDP_NAME, or pass --saml-assertion FILE")
		}
	default:
		return problem.New(problem.Usage, "unknown auth scheme %q", r.Scheme).
			WithHint("AWS_ASSUME_ROLE_AUTH_SCHEME is bastion (default), saml, onelogin or okta")
	}
	return nil
}

// maxPolicyFile caps a --policy @file: STS takes at most 2,048 packed characters.
const maxPolicyFile = 64 << 10

// ReadPolicyArg returns an inline policy given as JSON or as @file.
func ReadPolicyArg(v string) (string, error) {
	if !strings.HasPrefix(v, "@") {
		return v, nil
	}
	b, err := safefile.Read(strings.TrimPrefix(v, "@"), maxPolicyFile)
	if errors.Is(err, safefile.ErrNotRegular) || errors.Is(err, safefile.ErrTooLarge) {
		return "", problem.Wrap(problem.Usage, err, "--policy: %s", err.Error()).
			WithHint("pass inline JSON or @path to a regular file (an inline session policy is at most 2,048 characters)")
	}
	if err != nil {
		return "", problem.Wrap(problem.Usage, err, "cannot read --policy file %s", strings.TrimPrefix(v, "@")).
			WithHint("pass inline JSON or @path to a readable file")
	}
	return string(b), nil
}
