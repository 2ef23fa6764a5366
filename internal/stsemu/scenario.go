package stsemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// Scenario is the world the emulator simulates: accounts, IAM users with
// their access keys and MFA devices, roles with trust policies, identity
// providers and a few knobs for failure injection.
//
// A scenario is written by hand as JSON (see testdata/emulator/README.md):
//
//	{
//	  "accounts": {"111111111111": "bastion", "222222222222": "prod"},
//	  "users": [{"account": "111111111111", "name": "alice", "path": "/",
//	             "access_key_id": "AKIAEXAMPLEALICE0001", "secret_access_key": "...40 chars...",
//	             "disabled": false,
//	             "mfa_devices": [{"serial": "arn:aws:iam::111111111111:mfa/alice",
//	                              "codes": ["123456", "123457"], "totp_secret": "BASE32..."}]}],
//	  "roles": [{"arn": "arn:aws:iam::222222222222:role/read", "max_session_duration": 43200,
//	             "trust_policy": {"Version": "2012-10-17", "Statement": [...]}}],
//	  "saml_providers": [{"arn": "arn:aws:iam::222222222222:saml-provider/idp",
//	                      "audiences": ["https://signin.aws.amazon.com/saml"]}],
//	  "oidc_providers": [{"arn": "arn:aws:iam::222222222222:oidc-provider/oidc.example.com",
//	                      "issuer": "https://oidc.example.com", "audiences": ["client-id"],
//	                      "hs256_secret": "..."}],
//	  "disabled_regions": ["ap-east-1"],
//	  "assume_secure_transport": true,
//	  "credential_lifetime_seconds": 0,
//	  "throttle_first_n": 0
//	}
//
// Access key IDs must contain "EMULATOR" or "EXAMPLE" so that nobody mistakes
// a scenario's keys for real ones.
type Scenario struct {
	// Partition is the ARN partition of users and sessions; default "aws".
	Partition string `json:"partition,omitempty"`
	// Accounts maps 12-digit account IDs to a human alias (informational).
	Accounts map[string]string `json:"accounts,omitempty"`
	// Users are the IAM users whose long-term keys may sign requests.
	Users []*User `json:"users,omitempty"`
	// Roles are the IAM roles that may be assumed.
	Roles []*Role `json:"roles,omitempty"`
	// SAMLProviders are the SAML identity providers known to IAM.
	SAMLProviders []*SAMLProvider `json:"saml_providers,omitempty"`
	// OIDCProviders are the OpenID Connect identity providers known to IAM.
	OIDCProviders []*OIDCProvider `json:"oidc_providers,omitempty"`
	// OrganizationIDs maps account IDs to the ID of the AWS Organization they belong to
	// ("o-" and 10–32 lower-case letters or digits): the aws:PrincipalOrgID of their principals.
	OrganizationIDs map[string]string `json:"organization_ids,omitempty"`
	// DisabledRegions answer RegionDisabledException to signed STS calls.
	DisabledRegions []string `json:"disabled_regions,omitempty"`
	// AssumeSecureTransport makes aws:SecureTransport true even over plain HTTP.
	AssumeSecureTransport bool `json:"assume_secure_transport,omitempty"`
	// CredentialLifetimeSeconds, when > 0, overrides the real lifetime of every
	// issued credential (both the returned Expiration and enforcement).
	CredentialLifetimeSeconds int `json:"credential_lifetime_seconds,omitempty"`
	// RoleCredentialLifetimeSeconds, when > 0, does the same for assumed-role credentials only,
	// so MFA sessions keep their real lifetime while role credentials expire quickly (refresh tests).
	RoleCredentialLifetimeSeconds int `json:"role_credential_lifetime_seconds,omitempty"`
	// ThrottleFirstN makes the first N API requests fail with Throttling.
	ThrottleFirstN int `json:"throttle_first_n,omitempty"`
	// ThrottleRPS, when > 0, answers STS and IAM requests beyond this many per second (a token
	// bucket with a one-second burst) with Throttling, as STS does over its quota.
	ThrottleRPS float64 `json:"throttle_rps,omitempty"`
	// OrgThrottleRPS does the same for Organizations, with TooManyRequestsException.
	OrgThrottleRPS float64 `json:"org_throttle_rps,omitempty"`
	// LatencyMillis delays every API answer (benchmarks: a remote service's round trip).
	LatencyMillis int `json:"latency_ms,omitempty"`
	// Organization, when set, is served through the Organizations API (see orgs.go).
	Organization *Organization `json:"organization,omitempty"`
	// SSO, when set, is the IAM Identity Center the emulator serves (see SSOConfig).
	SSO *SSOConfig `json:"sso,omitempty"`
}

// User is an IAM user with one access key.
type User struct {
	// Account is the 12-digit account ID the user lives in.
	Account string `json:"account"`
	// Name is the user name.
	Name string `json:"name"`
	// Path is the IAM path, default "/".
	Path string `json:"path,omitempty"`
	// UserID is the unique ID (AIDA...); derived from the ARN when empty.
	UserID string `json:"user_id,omitempty"`
	// AccessKeyID is the user's long-term access key ID.
	AccessKeyID string `json:"access_key_id"`
	// SecretAccessKey is the user's long-term secret key.
	SecretAccessKey string `json:"secret_access_key"`
	// Disabled marks the access key as inactive.
	Disabled bool `json:"disabled,omitempty"`
	// CreateDate is reported by iam:GetUser; default 2024-01-01T00:00:00Z.
	CreateDate time.Time `json:"create_date,omitzero"`
	// MFADevices are the user's MFA devices.
	MFADevices []*MFADevice `json:"mfa_devices,omitempty"`

	arn string
}

// MFADevice is a virtual or hardware MFA device of a user.
type MFADevice struct {
	// Serial is the device serial number or virtual device ARN.
	Serial string `json:"serial"`
	// Codes are the one-time codes the device currently accepts (each once).
	Codes []string `json:"codes,omitempty"`
	// TOTPSecret, optional, is a base32 RFC 6238 secret (SHA-1, 30 s, 6 digits).
	TOTPSecret string `json:"totp_secret,omitempty"`
	// EnableDate is reported by iam:ListMFADevices; default 2024-01-01T00:00:00Z.
	EnableDate time.Time `json:"enable_date,omitzero"`
}

// Role is an IAM role.
type Role struct {
	// ARN is arn:<partition>:iam::<account>:role/<path/>name.
	ARN string `json:"arn"`
	// RoleID is the unique ID (AROA...); derived from the ARN when empty.
	RoleID string `json:"role_id,omitempty"`
	// MaxSessionDuration is in seconds, 3600–43200, default 3600.
	MaxSessionDuration int `json:"max_session_duration,omitempty"`
	// TrustPolicy is the role's AssumeRolePolicyDocument (IAM policy JSON).
	TrustPolicy json.RawMessage `json:"trust_policy"`

	account, name, partition string
	policy                   *policyDoc
}

// SAMLProvider is an IAM SAML identity provider.
type SAMLProvider struct {
	// ARN is arn:aws:iam::<account>:saml-provider/<name>.
	ARN string `json:"arn"`
	// Audiences are accepted in addition to https://signin.aws.amazon.com/saml.
	Audiences []string `json:"audiences,omitempty"`
}

// OIDCProvider is an IAM OpenID Connect identity provider whose tokens are
// HS256-signed JWTs (see MintWebIdentityToken).
type OIDCProvider struct {
	// ARN is arn:aws:iam::<account>:oidc-provider/<issuer host and path>.
	ARN string `json:"arn"`
	// Issuer is the token issuer URL ("https://host/path"); the iss claim must match.
	Issuer string `json:"issuer"`
	// Audiences are the accepted client IDs (aud claim).
	Audiences []string `json:"audiences"`
	// HS256Secret is the HMAC key that signs the provider's tokens.
	HS256Secret string `json:"hs256_secret"`
}

var (
	reAccount  = regexp.MustCompile(`^[0-9]{12}$`)
	reOrgID    = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	reRoleARN  = regexp.MustCompile(`^arn:(aws[a-z-]*):iam::([0-9]{12}):role/((?:[\x21-\x7e]+/)*)([\w+=,.@-]{1,64})$`)
	reSAMLARN  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):saml-provider/[\w.-]+$`)
	reOIDCARN  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):oidc-provider/.+$`)
	defaultDay = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

// LoadScenario reads and validates a scenario JSON file.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	sc, err := ParseScenario(b)
	if err != nil {
		return nil, fmt.Errorf("load scenario %s: %w", path, err)
	}
	return sc, nil
}

// ParseScenario decodes and validates a scenario JSON document. Unknown fields
// are rejected so typos in hand-written files are caught.
func ParseScenario(b []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("parse scenario: %w", err)
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

// Validate checks the scenario and fills in defaults (paths, IDs, dates,
// MaxSessionDuration). It is idempotent; New calls it too.
func (s *Scenario) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.Partition == "" {
		s.Partition = "aws"
	}
	for id := range s.Accounts {
		if !reAccount.MatchString(id) {
			bad("account %q: not a 12-digit account ID", id)
		}
	}
	for id, org := range s.OrganizationIDs {
		if !reAccount.MatchString(id) {
			bad("organization_ids: %q is not a 12-digit account ID", id)
		}
		if !reOrgID.MatchString(org) {
			bad("organization_ids: account %s: %q is not an organization ID (o-…)", id, org)
		}
	}
	keys := map[string]bool{}
	names := map[string]bool{}
	for i, u := range s.Users {
		if u == nil {
			bad("users[%d]: null", i)
			continue
		}
		if !reAccount.MatchString(u.Account) {
			bad("user %q: account %q is not a 12-digit account ID", u.Name, u.Account)
		}
		if !reName.MatchString(u.Name) || len(u.Name) > 64 {
			bad("users[%d]: invalid name %q", i, u.Name)
		}
		if u.Path == "" {
			u.Path = "/"
		}
		if !strings.HasPrefix(u.Path, "/") || !strings.HasSuffix(u.Path, "/") {
			bad("user %q: path %q must start and end with /", u.Name, u.Path)
		}
		if !strings.Contains(u.AccessKeyID, "EMULATOR") && !strings.Contains(u.AccessKeyID, "EXAMPLE") {
			bad("user %q: access_key_id must contain EMULATOR or EXAMPLE", u.Name)
		}
		if keys[u.AccessKeyID] {
			bad("user %q: duplicate access_key_id %s", u.Name, u.AccessKeyID)
		}
		keys[u.AccessKeyID] = true
		if u.SecretAccessKey == "" {
			bad("user %q: secret_access_key is empty", u.Name)
		}
		nk := u.Account + "/" + strings.ToLower(u.Name)
		if names[nk] {
			bad("user %q: duplicate name in account %s", u.Name, u.Account)
		}
		names[nk] = true
		u.arn = fmt.Sprintf("arn:%s:iam::%s:user%s%s", s.Partition, u.Account, u.Path, u.Name)
		if u.UserID == "" {
			u.UserID = "AIDA" + stableID(u.arn)
		}
		if u.CreateDate.IsZero() {
			u.CreateDate = defaultDay
		}
		for _, d := range u.MFADevices {
			if d == nil || len(d.Serial) < 9 || len(d.Serial) > 256 {
				bad("user %q: MFA device serial must be 9-256 characters", u.Name)
				continue
			}
			if d.EnableDate.IsZero() {
				d.EnableDate = defaultDay
			}
			if d.TOTPSecret != "" {
				if _, err := decodeBase32(d.TOTPSecret); err != nil {
					bad("user %q: MFA device %s: totp_secret is not base32", u.Name, d.Serial)
				}
			}
		}
	}
	roles := map[string]bool{}
	for i, r := range s.Roles {
		if r == nil {
			bad("roles[%d]: null", i)
			continue
		}
		m := reRoleARN.FindStringSubmatch(r.ARN)
		if m == nil {
			bad("roles[%d]: invalid role ARN %q", i, r.ARN)
			continue
		}
		r.partition, r.account, r.name = m[1], m[2], m[4]
		if roles[r.ARN] {
			bad("role %s: duplicate", r.ARN)
		}
		roles[r.ARN] = true
		if r.RoleID == "" {
			r.RoleID = "AROA" + stableID(r.ARN)
		}
		if r.MaxSessionDuration == 0 {
			r.MaxSessionDuration = 3600
		}
		if r.MaxSessionDuration < 3600 || r.MaxSessionDuration > 43200 {
			bad("role %s: max_session_duration must be 3600-43200", r.ARN)
		}
		if len(r.TrustPolicy) == 0 {
			bad("role %s: trust_policy is required", r.ARN)
			continue
		}
		p, err := parsePolicy(r.TrustPolicy)
		if err != nil {
			bad("role %s: trust_policy: %v", r.ARN, err)
			continue
		}
		r.policy = p
	}
	for i, p := range s.SAMLProviders {
		if p == nil || !reSAMLARN.MatchString(p.ARN) {
			bad("saml_providers[%d]: invalid ARN", i)
		}
	}
	for i, p := range s.OIDCProviders {
		if p == nil || !reOIDCARN.MatchString(p.ARN) {
			bad("oidc_providers[%d]: invalid ARN", i)
			continue
		}
		if p.Issuer == "" || p.HS256Secret == "" || len(p.Audiences) == 0 {
			bad("oidc provider %s: issuer, audiences and hs256_secret are required", p.ARN)
		}
	}
	if s.Organization != nil {
		errs = append(errs, s.Organization.validate()...)
	}
	if s.ThrottleRPS < 0 || s.OrgThrottleRPS < 0 || s.LatencyMillis < 0 {
		bad("throttle_rps, org_throttle_rps and latency_ms must not be negative")
	}
	if s.CredentialLifetimeSeconds < 0 || s.RoleCredentialLifetimeSeconds < 0 || s.ThrottleFirstN < 0 {
		bad("credential_lifetime_seconds and throttle_first_n must not be negative")
	}
	return errors.Join(errs...)
}

// ARN returns the user's ARN (valid after Validate).
func (u *User) ARN() string { return u.arn }

// Name returns the role name without its path (valid after Validate).
func (r *Role) Name() string { return r.name }

// Account returns the role's account ID (valid after Validate).
func (r *Role) Account() string { return r.account }

// stableID derives a 16-character upper-case alphanumeric ID from s.
func stableID(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	sum := sha256.Sum256([]byte(s))
	out := make([]byte, 16)
	for i := range out {
		out[i] = alphabet[sum[i]%32]
	}
	return string(out)
}
