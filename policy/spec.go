// Package policy generates the IAM roles that assume-role assumes, and explains trust policies.
//
// One model, Spec, describes a role and who may assume it. From it come the role's trust policy
// (Trust), the identity policy of the callers (Caller), a CloudFormation stack or StackSet
// (CloudFormation), a Terraform module (Terraform) and the ~/.aws/config profiles that assume the
// role (Profiles). Evaluate answers, like STS would, whether a trust policy lets a principal
// assume the role, and which statement decides.
package policy

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/assume-role/assume-role/problem"
)

// Spec is a role and who may assume it.
type Spec struct {
	// Partition is the ARN partition; default "aws".
	Partition string `json:"partition,omitempty"`
	// RoleName is the role's name (needed by caller, cloudformation, terraform and profile).
	RoleName string `json:"role_name,omitempty"`
	// RolePath is the role's IAM path, default "/".
	RolePath string `json:"role_path,omitempty"`
	// Accounts are the accounts the role lives in (caller policies and profiles).
	Accounts []string `json:"accounts,omitempty"`

	// FromAccounts are trusted accounts: the principal is the account root, so any principal of
	// that account whose own policies allow sts:AssumeRole may assume the role.
	FromAccounts []string `json:"from_accounts,omitempty"`
	// Principals are trusted principal ARNs or globs, checked with aws:PrincipalArn (the role ARN
	// for role sessions). Their accounts, when literal, are trusted as account roots.
	Principals []string `json:"principals,omitempty"`
	// ExternalID is required as sts:ExternalId.
	ExternalID string `json:"external_id,omitempty"`
	// RequireMFA requires aws:MultiFactorAuthPresent; MFAMaxAge (seconds, 0 = any) bounds
	// aws:MultiFactorAuthAge.
	RequireMFA bool `json:"require_mfa,omitempty"`
	MFAMaxAge  int  `json:"mfa_max_age,omitempty"`
	// OrgID requires aws:PrincipalOrgID.
	OrgID string `json:"org_id,omitempty"`
	// SecureTransport requires aws:SecureTransport.
	SecureTransport bool `json:"secure_transport,omitempty"`
	// SessionNamePattern requires sts:RoleSessionName to match (IAM wildcards * and ?).
	SessionNamePattern string `json:"session_name_pattern,omitempty"`
	// AllowTags allows sts:TagSession; AllowSourceIdentity allows sts:SetSourceIdentity.
	AllowTags           bool `json:"allow_tags,omitempty"`
	AllowSourceIdentity bool `json:"allow_source_identity,omitempty"`

	// SAMLProvider trusts a SAML provider (sts:AssumeRoleWithSAML, checked with SAML:aud =
	// SAMLAudience, default https://signin.aws.amazon.com/saml).
	SAMLProvider string `json:"saml_provider,omitempty"`
	SAMLAudience string `json:"saml_audience,omitempty"`
	// OIDCProvider trusts an OpenID Connect provider (sts:AssumeRoleWithWebIdentity) for tokens
	// whose aud is OIDCAud and whose sub matches one of OIDCSub.
	OIDCProvider string   `json:"oidc_provider,omitempty"`
	OIDCSub      []string `json:"oidc_sub,omitempty"`
	OIDCAud      string   `json:"oidc_aud,omitempty"`

	// MaxSessionDuration of the role in seconds (3600–43200; 0 = IAM's default, 3600).
	MaxSessionDuration int `json:"max_session_duration,omitempty"`
	// ManagedPolicyARNs are attached to the role.
	ManagedPolicyARNs []string `json:"managed_policy_arns,omitempty"`
}

// DefaultSAMLAudience is the SAML:aud AWS sign-in uses.
const DefaultSAMLAudience = "https://signin.aws.amazon.com/saml"

var (
// rePrincipal is an IAM principal ARN or glob: arn:<partition>:(iam|sts)::<account or glob>:<resource>.
)

func usage(format string, a ...any) *problem.Problem { return problem.New(problem.Usage, format, a...) }

// Normalize fills defaults and validates the spec for generating a trust policy.
func (s *Spec) Normalize() error {
	if err := s.normalize(); err != nil {
		return err
	}
	if len(s.trustedRoots()) == 0 && len(s.Principals) == 0 && s.SAMLProvider == "" && s.OIDCProvider == "" {
		return usage("say who may assume the role: --from-account, --principal, --saml-provider or --oidc-provider")
	}
	if len(s.trustedRoots()) == 0 && len(s.Principals) > 0 && s.OrgID == "" {
		return usage("--principal %s names no literal account: add --from-account or --org-id", s.Principals[0])
	}
	return nil
}

// NormalizeRole fills defaults and validates the spec for the caller's side, which needs the
// role's name but not who is trusted.
func (s *Spec) NormalizeRole() error {
	if err := s.normalize(); err != nil {
		return err
	}
	if s.RoleName == "" {
		return usage("--role-name is required")
	}
	return nil
}

func (s *Spec) normalize() error {
	if s.Partition == "" {
		s.Partition = "aws"
	}
	if s.RolePath == "" {
		s.RolePath = "/"
	}
	if !patterns().rePartition.MatchString(s.Partition) {
		return usage("--partition %q is not an AWS partition (aws, aws-cn, aws-us-gov)", s.Partition)
	}
	if s.RoleName != "" && !patterns().reRoleName.MatchString(s.RoleName) {
		return usage("--role-name %q is not a role name (1–64 of letters, digits and +=,.@_-)", s.RoleName)
	}
	if !patterns().reRolePath.MatchString(s.RolePath) || len(s.RolePath) > 512 {
		return usage("--role-path %q is not an IAM path (/ or /a/b/)", s.RolePath)
	}
	for _, a := range append(append([]string{}, s.Accounts...), s.FromAccounts...) {
		if !patterns().reAccount.MatchString(a) {
			return usage("%q is not a 12-digit account ID", a).WithHint("keep leading zeros: account IDs are strings")
		}
	}
	for _, p := range s.Principals {
		if !patterns().rePrincipal.MatchString(p) {
			return usage("--principal %q is not a principal ARN or glob", p).WithHint("for example arn:aws:iam::111111111111:role/ProwlerScan or arn:aws:iam::111111111111:role/ci-*")
		}
	}
	if s.ExternalID != "" && (len(s.ExternalID) < 2 || len(s.ExternalID) > 1224 || !patterns().reExternalID.MatchString(s.ExternalID)) {
		return usage("--external-id must be 2–1224 of letters, digits and +=,.@:/-")
	}
	if s.MFAMaxAge < 0 || s.MFAMaxAge > 129600 {
		return usage("--mfa-max-age %d is out of range (1–129600 seconds)", s.MFAMaxAge)
	}
	if s.MFAMaxAge > 0 {
		s.RequireMFA = true
	}
	if s.OrgID != "" && !patterns().reOrgID.MatchString(s.OrgID) {
		return usage("--org-id %q is not an organization ID (o- and 10–32 lower-case letters or digits)", s.OrgID)
	}
	if s.SessionNamePattern != "" && !patterns().reSessionGlob.MatchString(s.SessionNamePattern) {
		return usage("--session-name-pattern %q may hold only session-name characters and * ?", s.SessionNamePattern)
	}
	if s.SAMLProvider != "" && !patterns().reSAMLARN.MatchString(s.SAMLProvider) {
		return usage("--saml-provider %q is not a SAML provider ARN (arn:aws:iam::ACCOUNT:saml-provider/NAME)", s.SAMLProvider)
	}
	if s.SAMLProvider != "" && s.SAMLAudience == "" {
		s.SAMLAudience = DefaultSAMLAudience
	}
	if s.OIDCProvider != "" {
		if !patterns().reOIDCARN.MatchString(s.OIDCProvider) {
			return usage("--oidc-provider %q is not an OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST)", s.OIDCProvider)
		}
		if s.OIDCAud == "" || len(s.OIDCSub) == 0 {
			return usage("--oidc-provider needs --oidc-aud and --oidc-sub").
				WithHint("without a sub condition any workflow of the provider may assume the role; GitHub Actions: --oidc-aud sts.amazonaws.com --oidc-sub 'repo:OWNER/REPO:ref:refs/heads/main'")
		}
	} else if s.OIDCAud != "" || len(s.OIDCSub) > 0 {
		return usage("--oidc-aud and --oidc-sub need --oidc-provider")
	}
	if s.MaxSessionDuration != 0 && (s.MaxSessionDuration < 3600 || s.MaxSessionDuration > 43200) {
		return usage("--max-session-duration %d is out of range (3600–43200 seconds)", s.MaxSessionDuration)
	}
	if len(s.ManagedPolicyARNs) > 20 {
		return usage("at most 20 managed policies may be attached to a role")
	}
	for _, a := range s.ManagedPolicyARNs {
		if !patterns().rePolicyARN.MatchString(a) {
			return usage("--managed-policy %q is not a policy ARN", a)
		}
	}
	return nil
}

// awsTrust reports whether AWS principals (not federated ones) are trusted.
func (s *Spec) awsTrust() bool { return len(s.FromAccounts) > 0 || len(s.Principals) > 0 }

// trustedRoots are the accounts whose root is the Principal: --from-account and the literal
// accounts of --principal, in order, without duplicates.
func (s *Spec) trustedRoots() []string {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, a := range s.FromAccounts {
		add(a)
	}
	for _, p := range s.Principals {
		if m := patterns().rePrincipal.FindStringSubmatch(p); m != nil && patterns().reAccount.MatchString(m[3]) {
			add(m[3])
		}
	}
	return out
}

// RoleARN is the role's ARN in account.
func (s *Spec) RoleARN(account string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role%s%s", s.Partition, account, s.RolePath, s.RoleName)
}

// trustActions are the actions the AWS-principal statement allows.
func (s *Spec) trustActions() []string {
	acts := []string{"sts:AssumeRole"}
	if s.AllowTags {
		acts = append(acts, "sts:TagSession")
	}
	if s.AllowSourceIdentity {
		acts = append(acts, "sts:SetSourceIdentity")
	}
	return acts
}

// oidcHost is the provider's host and path, the prefix of its condition keys.
func (s *Spec) oidcHost() string {
	if m := patterns().reOIDCARN.FindStringSubmatch(s.OIDCProvider); m != nil {
		return m[1]
	}
	return ""
}

func joinOr(xs []string) string { return strings.Join(xs, " or ") }

// regexps are the package's patterns, compiled on first use: nothing runs when the package loads.
type regexps struct {
	reSerial      *regexp.Regexp
	reProfileName *regexp.Regexp
	reOU          *regexp.Regexp
	reAccount     *regexp.Regexp
	reOrgID       *regexp.Regexp
	reExternalID  *regexp.Regexp
	reRoleName    *regexp.Regexp
	reRolePath    *regexp.Regexp
	reSessionGlob *regexp.Regexp
	rePartition   *regexp.Regexp
	rePrincipal   *regexp.Regexp
	reSAMLARN     *regexp.Regexp
	reOIDCARN     *regexp.Regexp
	rePolicyARN   *regexp.Regexp
	reSessionARN  *regexp.Regexp
	reIAMARN      *regexp.Regexp
	reFedUserARN  *regexp.Regexp
}

var patterns = sync.OnceValue(func() *regexps {
	return &regexps{
		reSerial:      regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`),
		reProfileName: regexp.MustCompile(`^[\w.+@-]+$`),
		reOU:          regexp.MustCompile(`^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$`),
		reAccount:     regexp.MustCompile(`^[0-9]{12}$`),
		reOrgID:       regexp.MustCompile(`^o-[a-z0-9]{10,32}$`),
		reExternalID:  regexp.MustCompile(`^[\w+=,.@:/-]+$`),
		reRoleName:    regexp.MustCompile(`^[\w+=,.@-]{1,64}$`),
		reRolePath:    regexp.MustCompile(`^/([\x21-\x7e]*/)?$`),
		reSessionGlob: regexp.MustCompile(`^[\w+=,.@*?-]{1,64}$`),
		rePartition:   regexp.MustCompile(`^aws(-[a-z]+)*$`),
		rePrincipal:   regexp.MustCompile(`^arn:(aws[a-z-]*|\*):(iam|sts|\*)::([0-9]{12}|[0-9*?]+):([\x21-\x7e]+)$`),
		reSAMLARN:     regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:saml-provider/[\w.-]+$`),
		reOIDCARN:     regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/(.+)$`),
		rePolicyARN:   regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[\x21-\x7e]+$`),
		reSessionARN:  regexp.MustCompile(`^arn:(aws[a-z-]*):sts::([0-9]{12}):assumed-role/([\w+=,.@-]+)/([\w+=,.@-]+)$`),
		reIAMARN:      regexp.MustCompile(`^arn:(aws[a-z-]*):iam::([0-9]{12}):(user|role|root|saml-provider|oidc-provider)(?:/(.*))?$`),
		reFedUserARN:  regexp.MustCompile(`^arn:(aws[a-z-]*):sts::([0-9]{12}):federated-user/([\w+=,.@-]+)$`),
	}
})
