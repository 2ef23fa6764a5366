package policy

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// binder supplies the variable parts of a trust policy: literal values for a policy document,
// parameter references for CloudFormation, variables for Terraform.
type binder interface {
	roots(accounts []string) any // the account-root principals
	principals(p []string) any   // the aws:PrincipalArn patterns
	externalID(id string) any
	orgID(id string) any
}

type literal struct{ partition string }

func (l literal) roots(accounts []string) any {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = fmt.Sprintf("arn:%s:iam::%s:root", l.partition, a)
	}
	return oneOrMany(out)
}
func (literal) principals(p []string) any { return oneOrMany(p) }
func (literal) externalID(id string) any  { return id }
func (literal) orgID(id string) any       { return id }

func oneOrMany(xs []string) any {
	if len(xs) == 1 {
		return xs[0]
	}
	return xs
}

// Trust returns the trust policy of the role as indented JSON. s must be normalized.
func Trust(s *Spec) ([]byte, error) {
	doc := trustTree(s, literal{s.Partition})
	b, err := render(doc)
	if err != nil {
		return nil, err
	}
	return b, CheckSize(b, TrustPolicyLimit, "trust policy")
}

// trustTree builds the trust policy with the variable parts from b.
func trustTree(s *Spec, b binder) obj {
	var stmts []any
	if s.awsTrust() {
		var principal any
		if roots := s.trustedRoots(); len(roots) > 0 {
			principal = b.roots(roots)
		} else {
			principal = "*" // --org-id alone: any principal of the organization
		}
		cond := conditions{}
		if s.ExternalID != "" {
			cond.add("StringEquals", "sts:ExternalId", b.externalID(s.ExternalID))
		}
		if len(s.Principals) > 0 {
			cond.add("StringLike", "aws:PrincipalArn", b.principals(s.Principals))
		}
		if s.OrgID != "" {
			cond.add("StringEquals", "aws:PrincipalOrgID", b.orgID(s.OrgID))
		}
		if s.RequireMFA {
			cond.add("Bool", "aws:MultiFactorAuthPresent", "true")
		}
		if s.MFAMaxAge > 0 {
			cond.add("NumericLessThan", "aws:MultiFactorAuthAge", strconv.Itoa(s.MFAMaxAge))
		}
		if s.SecureTransport {
			cond.add("Bool", "aws:SecureTransport", "true")
		}
		if s.SessionNamePattern != "" {
			cond.add("StringLike", "sts:RoleSessionName", s.SessionNamePattern)
		}
		st := obj{{"Sid", "AssumeRole"}, {"Effect", "Allow"}, {"Principal", obj{{"AWS", principal}}},
			{"Action", oneOrMany(s.trustActions())}}
		if len(cond) > 0 {
			st = append(st, kv{"Condition", cond.obj()})
		}
		stmts = append(stmts, st)
	}
	if s.SAMLProvider != "" {
		acts := []string{"sts:AssumeRoleWithSAML"}
		if s.AllowTags {
			acts = append(acts, "sts:TagSession")
		}
		if s.AllowSourceIdentity {
			acts = append(acts, "sts:SetSourceIdentity")
		}
		cond := conditions{}
		cond.add("StringEquals", "SAML:aud", s.SAMLAudience)
		stmts = append(stmts, obj{{"Sid", "AssumeRoleWithSAML"}, {"Effect", "Allow"},
			{"Principal", obj{{"Federated", s.SAMLProvider}}}, {"Action", oneOrMany(acts)}, {"Condition", cond.obj()}})
	}
	if s.OIDCProvider != "" {
		acts := []string{"sts:AssumeRoleWithWebIdentity"}
		if s.AllowTags {
			acts = append(acts, "sts:TagSession")
		}
		host := s.oidcHost()
		cond := conditions{}
		cond.add("StringEquals", host+":aud", s.OIDCAud)
		cond.add("StringLike", host+":sub", oneOrMany(s.OIDCSub))
		stmts = append(stmts, obj{{"Sid", "AssumeRoleWithWebIdentity"}, {"Effect", "Allow"},
			{"Principal", obj{{"Federated", s.OIDCProvider}}}, {"Action", oneOrMany(acts)}, {"Condition", cond.obj()}})
	}
	return obj{{"Version", "2012-10-17"}, {"Statement", stmts}}
}

// conditions is a Condition block in insertion order.
type conditions []struct {
	op   string
	keys obj
}

func (c *conditions) add(op, key string, v any) {
	for i := range *c {
		if (*c)[i].op == op {
			(*c)[i].keys = append((*c)[i].keys, kv{key, v})
			return
		}
	}
	*c = append(*c, struct {
		op   string
		keys obj
	}{op, obj{{key, v}}})
}

func (c conditions) obj() obj {
	o := obj{}
	for _, e := range c {
		o = append(o, kv{e.op, e.keys})
	}
	return o
}

// Caller returns the identity policy that lets principals of the source accounts assume the role
// in s.Accounts: sts:AssumeRole, and sts:TagSession / sts:SetSourceIdentity when the role allows
// them, on exactly those role ARNs.
func Caller(s *Spec) ([]byte, error) {
	if s.RoleName == "" {
		return nil, usage("policy caller needs --role-name")
	}
	if len(s.Accounts) == 0 {
		return nil, usage("policy caller needs --account: the accounts the role lives in")
	}
	arns := make([]string, len(s.Accounts))
	for i, a := range s.Accounts {
		arns[i] = s.RoleARN(a)
	}
	doc := obj{{"Version", "2012-10-17"}, {"Statement", []any{
		obj{{"Sid", "AssumeRole" + sidName(s.RoleName)}, {"Effect", "Allow"}, {"Action", oneOrMany(s.trustActions())}, {"Resource", oneOrMany(arns)}},
	}}}
	b, err := render(doc)
	if err != nil {
		return nil, err
	}
	return b, CheckSize(b, ManagedPolicyLimit, "identity policy")
}

// sidName keeps the letters and digits of a role name (a Sid allows only those).
func sidName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// IAM's size limits, counted in characters without white space.
const (
	// TrustPolicyLimit is the default quota of a role trust policy (raisable to 4096).
	TrustPolicyLimit = 2048
	// ManagedPolicyLimit is the limit of a customer managed policy.
	ManagedPolicyLimit = 6144
)

// CheckSize fails when a policy exceeds limit characters, not counting white space outside
// strings (how IAM counts), or is not valid JSON.
func CheckSize(doc []byte, limit int, what string) error {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return fmt.Errorf("generated %s is not JSON: %w", what, err)
	}
	n := PolicySize(doc)
	if n > limit {
		return usage("the %s has %d characters without white space; IAM allows %d", what, n, limit).
			WithHint("trust fewer principals or use a glob (--principal 'arn:aws:iam::ACCOUNT:role/prefix-*'); the trust policy quota can be raised to 4096")
	}
	return nil
}

// PolicySize counts a policy's characters the way IAM does: white space outside strings is free.
func PolicySize(doc []byte) int {
	n, inStr, esc := 0, false, false
	for _, r := range string(doc) {
		switch {
		case inStr:
			n++
			switch {
			case esc:
				esc = false
			case r == '\\':
				esc = true
			case r == '"':
				inStr = false
			}
		case r == '"':
			inStr = true
			n++
		case r == ' ' || r == '\n' || r == '\t' || r == '\r':
		default:
			n++
		}
	}
	return n
}
