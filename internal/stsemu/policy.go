package stsemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// policyDoc is a parsed IAM trust policy.
type policyDoc struct {
	Statements []statement
}

type statement struct {
	Effect     string
	Principal  principalSet // nil: absent
	NotPrinc   principalSet
	Actions    []string
	NotActions []string
	Conditions []condition
}

// principalSet maps a principal type ("AWS", "Federated", "Service", "*")
// to its values.
type principalSet map[string][]string

type condition struct {
	Op     string // base operator, e.g. "StringEquals"
	IfEx   bool
	Set    string // "", "ForAnyValue", "ForAllValues"
	Key    string // lower-cased
	Values []string
}

// stringOrSlice decodes a JSON string, scalar or array into strings.
type stringOrSlice []string

func (s *stringOrSlice) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		out := make([]string, 0, len(raw))
		for _, r := range raw {
			v, err := scalarString(r)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		*s = out
		return nil
	}
	v, err := scalarString(b)
	if err != nil {
		return err
	}
	*s = []string{v}
	return nil
}

func scalarString(b json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "", err
	}
	switch t := v.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case float64:
		return string(bytes.TrimSpace(b)), nil
	}
	return "", fmt.Errorf("expected a string, number or boolean, got %s", b)
}

func parsePrincipal(raw json.RawMessage) (principalSet, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return nil, fmt.Errorf("principal string must be \"*\"")
		}
		return principalSet{"*": {"*"}}, nil
	}
	var m map[string]stringOrSlice
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("invalid Principal: %w", err)
	}
	ps := principalSet{}
	for k, v := range m {
		ps[k] = v
	}
	return ps, nil
}

func parsePolicy(b []byte) (*policyDoc, error) {
	var doc struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	var rawStmts []json.RawMessage
	st := bytes.TrimSpace(doc.Statement)
	switch {
	case len(st) == 0:
		return nil, errors.New("missing Statement")
	case st[0] == '[':
		if err := json.Unmarshal(st, &rawStmts); err != nil {
			return nil, err
		}
	default:
		rawStmts = []json.RawMessage{st}
	}
	p := &policyDoc{}
	for _, rs := range rawStmts {
		var s struct {
			Sid          string                              `json:"Sid"`
			Effect       string                              `json:"Effect"`
			Principal    json.RawMessage                     `json:"Principal"`
			NotPrincipal json.RawMessage                     `json:"NotPrincipal"`
			Action       stringOrSlice                       `json:"Action"`
			NotAction    stringOrSlice                       `json:"NotAction"`
			Condition    map[string]map[string]stringOrSlice `json:"Condition"`
		}
		if err := json.Unmarshal(rs, &s); err != nil {
			return nil, err
		}
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return nil, fmt.Errorf("invalid Effect %q", s.Effect)
		}
		if len(s.Action) == 0 && len(s.NotAction) == 0 {
			return nil, errors.New("statement has no Action")
		}
		stmt := statement{Effect: s.Effect, Actions: s.Action, NotActions: s.NotAction}
		var err error
		if stmt.Principal, err = parsePrincipal(s.Principal); err != nil {
			return nil, err
		}
		if stmt.NotPrinc, err = parsePrincipal(s.NotPrincipal); err != nil {
			return nil, err
		}
		if stmt.Principal == nil && stmt.NotPrinc == nil {
			return nil, errors.New("trust policy statement has no Principal")
		}
		for op, kv := range s.Condition {
			c := condition{Op: op}
			if set, rest, ok := strings.Cut(op, ":"); ok {
				c.Set, c.Op = set, rest
				if set != "ForAnyValue" && set != "ForAllValues" {
					return nil, fmt.Errorf("unknown condition set operator %q", set)
				}
			}
			if base, ok := strings.CutSuffix(c.Op, "IfExists"); ok {
				c.Op, c.IfEx = base, true
			}
			if !knownOp(c.Op) {
				return nil, fmt.Errorf("unsupported condition operator %q", op)
			}
			for k, v := range kv {
				cc := c
				cc.Key, cc.Values = strings.ToLower(k), v
				stmt.Conditions = append(stmt.Conditions, cc)
			}
		}
		p.Statements = append(p.Statements, stmt)
	}
	if len(p.Statements) == 0 {
		return nil, errors.New("empty Statement")
	}
	return p, nil
}

func knownOp(op string) bool {
	switch op {
	case "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
		"StringLike", "StringNotLike", "Bool", "Null",
		"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
		"NumericGreaterThan", "NumericGreaterThanEquals", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		return true
	}
	return false
}

// principal describes who is calling, for Principal matching.
type principal struct {
	Type    string   // "AWS" or "Federated"
	Account string   // AWS: the principal's account
	ARNs    []string // AWS: identities that match (user ARN, role ARN, session ARN); Federated: provider ARN / issuer
}

// evalRequest is one authorization question asked of a trust policy.
type evalRequest struct {
	Action    string
	Principal principal
	Context   map[string][]string // lower-cased keys
}

// allowed reports whether the policy allows the request: some Allow
// statement matches and no Deny statement matches.
func (p *policyDoc) allowed(req evalRequest) bool {
	allow := false
	for _, s := range p.Statements {
		if !s.matches(req) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allow = true
	}
	return allow
}

func (s statement) matches(req evalRequest) bool {
	if len(s.Actions) > 0 && !anyGlob(s.Actions, req.Action, true) {
		return false
	}
	if len(s.NotActions) > 0 && anyGlob(s.NotActions, req.Action, true) {
		return false
	}
	if s.Principal != nil && !s.Principal.matches(req.Principal) {
		return false
	}
	if s.NotPrinc != nil && s.NotPrinc.matches(req.Principal) {
		return false
	}
	for _, c := range s.Conditions {
		if !c.eval(req.Context) {
			return false
		}
	}
	return true
}

func (ps principalSet) matches(p principal) bool {
	if len(ps["*"]) > 0 {
		return true
	}
	for _, v := range ps[p.Type] {
		if v == "*" {
			return true
		}
		if p.Type == "AWS" && (v == p.Account || v == "arn:aws:iam::"+p.Account+":root" ||
			strings.HasSuffix(v, ":iam::"+p.Account+":root") && strings.HasPrefix(v, "arn:")) {
			return true
		}
		for _, a := range p.ARNs {
			if v == a {
				return true
			}
		}
	}
	return false
}

func (c condition) eval(ctx map[string][]string) bool {
	vals, present := ctx[c.Key]
	if c.Op == "Null" {
		want := len(c.Values) > 0 && strings.EqualFold(c.Values[0], "true")
		return want == !present
	}
	if !present {
		if c.IfEx {
			return true
		}
		// Negated operators and ForAllValues match an absent key.
		return negated(c.Op) || c.Set == "ForAllValues"
	}
	switch c.Set {
	case "ForAllValues":
		for _, v := range vals {
			if !c.one(v) {
				return false
			}
		}
		return true
	case "ForAnyValue":
		for _, v := range vals {
			if c.one(v) {
				return true
			}
		}
		return false
	}
	// Single-valued key: compare the first (only) value.
	return c.one(vals[0])
}

func negated(op string) bool { return strings.Contains(op, "Not") }

// one evaluates the operator for a single context value against the
// condition's values (OR across values; NOR for negated operators).
func (c condition) one(v string) bool {
	base := strings.Replace(c.Op, "Not", "", 1)
	hit := false
	for _, want := range c.Values {
		if compare(base, v, want) {
			hit = true
			break
		}
	}
	if negated(c.Op) {
		return !hit
	}
	return hit
}

// compare is the emulator's own copy of the condition operators (package policy has the product's):
// the emulator stands in for AWS in tests of the policy generators, so it must not share their code.
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

// glob matches IAM wildcards: * (any run) and ? (one character).
func glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	// path.Match treats '/' specially and supports classes; IAM does
	// neither, so escape everything but * and ? and replace '/'.
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
