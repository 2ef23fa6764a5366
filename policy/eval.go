package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Request is one question asked of a trust policy: may this principal assume the role with these
// parameters?
type Request struct {
	// Principal is the caller: an IAM user or role ARN, an assumed-role session ARN
	// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), an account root, or a SAML / OIDC provider
	// ARN for federated sign-in.
	Principal string
	// ExternalID is sent as sts:ExternalId ("" = none).
	ExternalID string
	// MFA says the caller authenticated with MFA MFAAge seconds ago.
	MFA    bool
	MFAAge int
	// OrgID is the caller's aws:PrincipalOrgID ("" = not in an organization).
	OrgID string
	// Insecure makes aws:SecureTransport false (the SDK always uses TLS).
	Insecure bool
	// SessionName is sts:RoleSessionName (default: the last part of the principal's ARN).
	SessionName string
	// Tags and SourceIdentity also ask for sts:TagSession and sts:SetSourceIdentity.
	Tags, SourceIdentity bool
	// Context holds further condition keys (e.g. an OIDC token's sub), keys case-insensitive.
	Context map[string][]string
}

// Decision is the answer, with the reason.
type Decision struct {
	Allowed bool `json:"allowed"`
	// Action is the action the decision is about: the first one refused, or the last allowed.
	Action string `json:"action"`
	// Statement names the deciding statement (its Sid or "statement N"), "" when none matched.
	Statement string `json:"statement,omitempty"`
	// Explicit is true when a Deny statement refused.
	Explicit bool `json:"explicit_deny,omitempty"`
	// Reasons say, for a refusal without a matching statement, why each statement did not apply.
	Reasons []string `json:"reasons,omitempty"`
}

// caller is a parsed Request.Principal.
type caller struct {
	typ       string   // "AWS" or "Federated"
	account   string   // AWS
	arns      []string // principal values that name it (session ARN, role ARN, user ARN, provider ARN)
	principal string   // aws:PrincipalArn
	ptype     string   // aws:PrincipalType
	session   bool     // holds temporary credentials
	name      string   // default session name
	action    string   // the AssumeRole* action it calls
}

func parseCaller(p string) (*caller, error) {
	if m := patterns().reSessionARN.FindStringSubmatch(p); m != nil {
		role := fmt.Sprintf("arn:%s:iam::%s:role/%s", m[1], m[2], m[3])
		return &caller{typ: "AWS", account: m[2], arns: []string{p, role}, principal: role, ptype: "AssumedRole",
			session: true, name: m[4], action: "sts:AssumeRole"}, nil
	}
	if m := patterns().reFedUserARN.FindStringSubmatch(p); m != nil {
		return &caller{typ: "AWS", account: m[2], arns: []string{p}, principal: p, ptype: "FederatedUser", session: true, name: m[3], action: "sts:AssumeRole"}, nil
	}
	m := patterns().reIAMARN.FindStringSubmatch(p)
	if m == nil {
		return nil, usage("--as %q is not a principal ARN (a user, role, assumed-role session, account root or identity provider)", p).
			WithHint("for example arn:aws:iam::111111111111:user/alice or arn:aws:sts::111111111111:assumed-role/ProwlerScan/session")
	}
	c := &caller{typ: "AWS", account: m[2], arns: []string{p}, principal: p, action: "sts:AssumeRole"}
	name := m[4]
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	c.name = name
	switch m[3] {
	case "user":
		c.ptype = "User"
	case "role":
		c.ptype = "AssumedRole"
		c.session = true
	case "root":
		c.ptype, c.name = "Account", "root"
	case "saml-provider":
		c.typ, c.action = "Federated", "sts:AssumeRoleWithSAML"
	case "oidc-provider":
		c.typ, c.action = "Federated", "sts:AssumeRoleWithWebIdentity"
	}
	return c, nil
}

// Evaluate answers r against a trust policy the way STS does: an explicit Deny wins, else some
// Allow statement must match the principal, the action and every condition. It asks for the
// AssumeRole action, then sts:TagSession and sts:SetSourceIdentity when r asks for them.
func Evaluate(trustPolicy []byte, r Request) (*Decision, error) {
	doc, err := ParseDocument(trustPolicy)
	if err != nil {
		return nil, err
	}
	c, err := parseCaller(r.Principal)
	if err != nil {
		return nil, err
	}
	if c.ptype == "Account" {
		// STS refuses root callers before it reads the trust policy.
		return &Decision{Action: c.action, Reasons: []string{"the root user cannot assume roles (STS: Roles may not be assumed by root accounts)"}}, nil
	}
	ctx := r.context(c)
	actions := []string{c.action}
	if r.Tags {
		actions = append(actions, "sts:TagSession")
	}
	if r.SourceIdentity {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	var d *Decision
	for _, a := range actions {
		d = doc.decide(a, c, ctx)
		if !d.Allowed {
			return d, nil
		}
	}
	return d, nil
}

func (r Request) context(c *caller) map[string][]string {
	ctx := map[string][]string{}
	if c.typ == "AWS" {
		ctx["aws:principalarn"] = []string{c.principal}
		ctx["aws:principalaccount"] = []string{c.account}
		ctx["aws:principaltype"] = []string{c.ptype}
		if r.OrgID != "" {
			ctx["aws:principalorgid"] = []string{r.OrgID}
		}
		name := r.SessionName
		if name == "" {
			name = c.name
		}
		ctx["sts:rolesessionname"] = []string{name}
		if r.ExternalID != "" {
			ctx["sts:externalid"] = []string{r.ExternalID}
		}
		if r.MFA {
			ctx["aws:multifactorauthpresent"] = []string{"true"}
			ctx["aws:multifactorauthage"] = []string{strconv.Itoa(r.MFAAge)}
		} else if c.session {
			ctx["aws:multifactorauthpresent"] = []string{"false"}
		}
	} else if c.action == "sts:AssumeRoleWithSAML" {
		ctx["saml:aud"] = []string{DefaultSAMLAudience}
	}
	ctx["aws:securetransport"] = []string{strconv.FormatBool(!r.Insecure)}
	if r.SourceIdentity {
		ctx["sts:sourceidentity"] = []string{"source-identity"}
	}
	for k, v := range r.Context {
		ctx[strings.ToLower(k)] = v
	}
	return ctx
}

// Document is a parsed IAM policy.
type Document struct {
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid        string
	Effect     string
	Principal  map[string][]string // nil: absent
	NotPrinc   map[string][]string
	Actions    []string
	NotActions []string
	Conditions []Condition
}

// Condition is one operator and key of a Condition block.
type Condition struct {
	Op     string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	base   string // the operator without set prefix and IfExists
	ifEx   bool
	set    string
	Key    string // as written
	Values []string
}

// ParseDocument parses a policy document and checks its grammar as far as trust policies use it.
func ParseDocument(b []byte) (*Document, error) {
	var raw struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not a policy document: %w", err)
	}
	if raw.Version != "" && raw.Version != "2012-10-17" && raw.Version != "2008-10-17" {
		return nil, fmt.Errorf("unknown policy Version %q", raw.Version)
	}
	var stmts []json.RawMessage
	st := bytes.TrimSpace(raw.Statement)
	switch {
	case len(st) == 0:
		return nil, errors.New("the policy has no Statement")
	case st[0] == '[':
		if err := json.Unmarshal(st, &stmts); err != nil {
			return nil, err
		}
	default:
		stmts = []json.RawMessage{st}
	}
	d := &Document{}
	for i, rs := range stmts {
		var s struct {
			Sid          string                     `json:"Sid"`
			Effect       string                     `json:"Effect"`
			Principal    json.RawMessage            `json:"Principal"`
			NotPrincipal json.RawMessage            `json:"NotPrincipal"`
			Action       strs                       `json:"Action"`
			NotAction    strs                       `json:"NotAction"`
			Condition    map[string]map[string]strs `json:"Condition"`
		}
		if err := json.Unmarshal(rs, &s); err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return nil, fmt.Errorf("statement %d: Effect must be Allow or Deny, not %q", i+1, s.Effect)
		}
		if len(s.Action) == 0 && len(s.NotAction) == 0 {
			return nil, fmt.Errorf("statement %d has no Action", i+1)
		}
		stmt := Statement{Sid: s.Sid, Effect: s.Effect, Actions: s.Action, NotActions: s.NotAction}
		var err error
		if stmt.Principal, err = parsePrincipal(s.Principal); err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		if stmt.NotPrinc, err = parsePrincipal(s.NotPrincipal); err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		if stmt.Principal == nil && stmt.NotPrinc == nil {
			return nil, fmt.Errorf("statement %d has no Principal (a trust policy needs one)", i+1)
		}
		for op, keys := range s.Condition {
			c := Condition{Op: op, base: op}
			if set, rest, ok := strings.Cut(op, ":"); ok {
				if set != "ForAnyValue" && set != "ForAllValues" {
					return nil, fmt.Errorf("statement %d: unknown condition set operator %q", i+1, set)
				}
				c.set, c.base = set, rest
			}
			if b, ok := strings.CutSuffix(c.base, "IfExists"); ok {
				c.base, c.ifEx = b, true
			}
			if !knownOp(c.base) {
				return nil, fmt.Errorf("statement %d: unknown condition operator %q", i+1, op)
			}
			for k, v := range keys {
				cc := c
				cc.Key, cc.Values = k, v
				stmt.Conditions = append(stmt.Conditions, cc)
			}
		}
		sortConditions(stmt.Conditions)
		d.Statements = append(d.Statements, stmt)
	}
	return d, nil
}

func sortConditions(cs []Condition) {
	// Stable order for reasons: by operator, then key.
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && (cs[j].Op < cs[j-1].Op || cs[j].Op == cs[j-1].Op && cs[j].Key < cs[j-1].Key); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// strs decodes a JSON string, number, boolean or an array of them.
type strs []string

func (s *strs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var items []json.RawMessage
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
	} else {
		items = []json.RawMessage{b}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var v any
		if err := json.Unmarshal(it, &v); err != nil {
			return err
		}
		switch t := v.(type) {
		case string:
			out = append(out, t)
		case bool:
			out = append(out, strconv.FormatBool(t))
		case float64:
			out = append(out, string(bytes.TrimSpace(it)))
		default:
			return fmt.Errorf("expected a string, number or boolean, got %s", it)
		}
	}
	*s = out
	return nil
}

func parsePrincipal(raw json.RawMessage) (map[string][]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return nil, errors.New(`a Principal string must be "*"`)
		}
		return map[string][]string{"*": {"*"}}, nil
	}
	var m map[string]strs
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("invalid Principal: %w", err)
	}
	out := map[string][]string{}
	for k, v := range m {
		switch k {
		case "AWS", "Federated", "Service", "CanonicalUser":
		default:
			return nil, fmt.Errorf("unknown principal type %q", k)
		}
		out[k] = v
	}
	return out, nil
}

func knownOp(op string) bool {
	switch op {
	case "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
		"StringLike", "StringNotLike", "Bool", "Null",
		"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
		"NumericGreaterThan", "NumericGreaterThanEquals", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
		"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
		"IpAddress", "NotIpAddress":
		return true
	}
	return false
}

func (d *Document) decide(action string, c *caller, ctx map[string][]string) *Decision {
	var reasons []string
	allow := ""
	for i, s := range d.Statements {
		name := s.Sid
		if name == "" {
			name = fmt.Sprintf("statement %d", i+1)
		}
		why := s.mismatch(action, c, ctx)
		if why != "" {
			if s.Effect == "Allow" {
				reasons = append(reasons, name+": "+why)
			}
			continue
		}
		if s.Effect == "Deny" {
			return &Decision{Action: action, Statement: name, Explicit: true}
		}
		if allow == "" {
			allow = name
		}
	}
	if allow != "" {
		return &Decision{Allowed: true, Action: action, Statement: allow}
	}
	if len(reasons) == 0 {
		reasons = []string{"no statement allows anything"}
	}
	return &Decision{Action: action, Reasons: reasons}
}

// mismatch says why s does not apply to the request, "" when it does.
func (s Statement) mismatch(action string, c *caller, ctx map[string][]string) string {
	if len(s.Actions) > 0 && !anyGlob(s.Actions, action, true) {
		return fmt.Sprintf("does not allow %s (only %s)", action, strings.Join(s.Actions, ", "))
	}
	if len(s.NotActions) > 0 && anyGlob(s.NotActions, action, true) {
		return fmt.Sprintf("excludes %s (NotAction)", action)
	}
	if s.Principal != nil && !principalMatches(s.Principal, c) {
		return fmt.Sprintf("the principal %s is not %s", c.arns[0], describePrincipal(s.Principal))
	}
	if s.NotPrinc != nil && principalMatches(s.NotPrinc, c) {
		return fmt.Sprintf("the principal %s is excluded (NotPrincipal)", c.arns[0])
	}
	for _, cond := range s.Conditions {
		if why := cond.mismatch(ctx); why != "" {
			return why
		}
	}
	return ""
}

func describePrincipal(p map[string][]string) string {
	var parts []string
	for _, t := range []string{"*", "AWS", "Federated", "Service", "CanonicalUser"} {
		parts = append(parts, p[t]...)
	}
	return joinOr(parts)
}

func principalMatches(ps map[string][]string, c *caller) bool {
	if len(ps["*"]) > 0 {
		return true
	}
	for _, v := range ps[c.typ] {
		if v == "*" {
			return true
		}
		if c.typ == "AWS" && (v == c.account || strings.HasPrefix(v, "arn:") && strings.HasSuffix(v, ":iam::"+c.account+":root")) {
			return true
		}
		for _, a := range c.arns {
			if v == a {
				return true
			}
		}
	}
	return false
}

// mismatch says why the condition fails for ctx, "" when it holds.
func (c Condition) mismatch(ctx map[string][]string) string {
	vals, present := ctx[strings.ToLower(c.Key)]
	label := fmt.Sprintf("condition %s %s %s", c.Op, c.Key, strings.Join(c.Values, ","))
	if c.base == "Null" {
		want := len(c.Values) > 0 && strings.EqualFold(c.Values[0], "true")
		if want == !present {
			return ""
		}
		if present {
			return label + ": the request has " + c.Key
		}
		return label + ": the request has no " + c.Key
	}
	if !present {
		if c.ifEx || negated(c.base) || c.set == "ForAllValues" {
			return ""
		}
		return label + ": the request has no " + c.Key + missingHint(c.Key)
	}
	ok := false
	switch c.set {
	case "ForAllValues":
		ok = true
		for _, v := range vals {
			ok = ok && c.one(v)
		}
	case "ForAnyValue":
		for _, v := range vals {
			ok = ok || c.one(v)
		}
	default:
		ok = c.one(vals[0])
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("%s: the request has %s %q", label, c.Key, strings.Join(vals, ","))
}

// missingHint tells which flag provides a key.
func missingHint(key string) string {
	switch strings.ToLower(key) {
	case "sts:externalid":
		return " (--external-id)"
	case "aws:multifactorauthpresent", "aws:multifactorauthage":
		return " (--mfa)"
	case "aws:principalorgid":
		return " (--org-id)"
	}
	return ""
}

func negated(op string) bool { return strings.Contains(op, "Not") }

func (c Condition) one(v string) bool {
	base := strings.Replace(c.base, "Not", "", 1)
	hit := false
	for _, want := range c.Values {
		if compare(base, v, want) {
			hit = true
			break
		}
	}
	if negated(c.base) {
		return !hit
	}
	return hit
}

func compare(op, got, want string) bool {
	switch op {
	case "StringEquals", "ArnEquals":
		return got == want
	case "StringEqualsIgnoreCase":
		return strings.EqualFold(got, want)
	case "StringLike", "ArnLike":
		return glob(want, got, false)
	case "Bool":
		return strings.EqualFold(got, want)
	}
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	switch op {
	case "NumericEquals":
		return g == w
	case "NumericLessThan":
		return g < w
	case "NumericLessThanEquals":
		return g <= w
	case "NumericGreaterThan":
		return g > w
	case "NumericGreaterThanEquals":
		return g >= w
	}
	return false
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if glob(p, s, fold) {
			return true
		}
	}
	return false
}

// glob matches IAM wildcards: * (any run, '/' included) and ? (one character).
func glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range pattern {
		switch r {
		case '*', '?':
			b.WriteRune(r)
		case '/':
			b.WriteRune('\x00')
		case '\\', '[', ']', '-', '^':
			b.WriteRune('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	ok, err := path.Match(b.String(), strings.ReplaceAll(s, "/", "\x00"))
	return err == nil && ok
}
