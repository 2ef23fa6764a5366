package policy_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/assume-role/assume-role/policy"
	"github.com/assume-role/assume-role/problem"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func prowler() *policy.Spec {
	s := &policy.Spec{RoleName: "ProwlerScan", FromAccounts: []string{"111111111111"},
		Principals: []string{"arn:aws:iam::111111111111:role/prowler*"}, ExternalID: "prowler-ext-1",
		ManagedPolicyARNs: []string{"arn:aws:iam::aws:policy/SecurityAudit"}, MaxSessionDuration: 7200}
	if err := s.Normalize(); err != nil {
		panic(err)
	}
	return s
}

func everything() *policy.Spec {
	s := &policy.Spec{RoleName: "All", FromAccounts: []string{"111111111111", "444444444444"},
		Principals: []string{"arn:aws:iam::111111111111:role/a*", "arn:aws:iam::111111111111:user/b"}, ExternalID: "x-1",
		MFAMaxAge: 3600, OrgID: "o-abcdefghij", SecureTransport: true, SessionNamePattern: "ci-*", AllowTags: true, AllowSourceIdentity: true,
		SAMLProvider: "arn:aws:iam::222222222222:saml-provider/okta",
		OIDCProvider: "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
		OIDCAud:      "sts.amazonaws.com", OIDCSub: []string{"repo:o/r:ref:refs/heads/main"}}
	if err := s.Normalize(); err != nil {
		panic(err)
	}
	return s
}

// TestTrustGrammar: every generated trust policy parses, has a Principal and Action per statement,
// only Sids of letters and digits, and fits IAM's size limit.
func TestTrustGrammar(t *testing.T) {
	for _, s := range []*policy.Spec{prowler(), everything()} {
		b, err := policy.Trust(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policy.ParseDocument(b); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		var doc struct {
			Version   string
			Statement []map[string]json.RawMessage
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.Version != "2012-10-17" {
			t.Fatalf("%v %s", err, b)
		}
		for _, st := range doc.Statement {
			var sid string
			json.Unmarshal(st["Sid"], &sid)
			if strings.Trim(sid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
				t.Errorf("Sid %q", sid)
			}
			if st["Principal"] == nil || st["Action"] == nil || st["Effect"] == nil {
				t.Errorf("statement %v", st)
			}
		}
		if n := policy.PolicySize(b); n > policy.TrustPolicyLimit {
			t.Errorf("size %d", n)
		}
	}
}

func TestTrustTooLarge(t *testing.T) {
	s := &policy.Spec{}
	for i := range 200 {
		s.Principals = append(s.Principals, "arn:aws:iam::111111111111:role/some-rather-long-role-name-"+strings.Repeat("x", 3)+string(rune('a'+i%26)))
	}
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	_, err := policy.Trust(s)
	if p := problem.As(err); p == nil || p.Kind != problem.Usage || !strings.Contains(p.Msg, "IAM allows 2048") {
		t.Fatalf("err = %v", err)
	}
}

func TestFederatedTrust(t *testing.T) {
	b, err := policy.Trust(everything())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		as   string
		ctx  map[string][]string
		want bool
	}{
		{"arn:aws:iam::222222222222:saml-provider/okta", nil, true},
		{"arn:aws:iam::222222222222:saml-provider/other", nil, false},
		{"arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
			map[string][]string{"token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"}, "token.actions.githubusercontent.com:sub": {"repo:o/r:ref:refs/heads/main"}}, true},
		{"arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
			map[string][]string{"token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"}, "token.actions.githubusercontent.com:sub": {"repo:o/r:pull_request"}}, false},
	}
	for _, c := range cases {
		d, err := policy.Evaluate(b, policy.Request{Principal: c.as, Context: c.ctx})
		if err != nil || d.Allowed != c.want {
			t.Errorf("%s %v: %+v %v, want %v", c.as, c.ctx, d, err, c.want)
		}
	}
}

func TestCaller(t *testing.T) {
	s := prowler()
	s.Accounts = []string{"222222222222", "333333333333"}
	s.AllowTags = true
	b, err := policy.Caller(s)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct{ Action, Resource []string }
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	st := doc.Statement[0]
	if !reflect.DeepEqual(st.Action, []string{"sts:AssumeRole", "sts:TagSession"}) ||
		!reflect.DeepEqual(st.Resource, []string{"arn:aws:iam::222222222222:role/ProwlerScan", "arn:aws:iam::333333333333:role/ProwlerScan"}) {
		t.Fatalf("%s", b)
	}
}

// TestTerraformParses: the module parses with HCL, and declares the variables and outputs the
// README lists.
func TestTerraformParses(t *testing.T) {
	for _, tc := range []struct {
		spec *policy.Spec
		vars []string
	}{
		{prowler(), []string{"external_id", "managed_policy_arns", "max_session_duration", "role_name", "trusted_account_ids", "trusted_principal_arns"}},
		{everything(), []string{"external_id", "managed_policy_arns", "max_session_duration", "org_id", "role_name", "trusted_account_ids", "trusted_principal_arns"}},
	} {
		b, err := policy.Terraform(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := hclparse.NewParser().ParseHCL(b, "main.tf")
		if diags.HasErrors() {
			t.Fatalf("%v\n%s", diags, b)
		}
		content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
			{Type: "variable", LabelNames: []string{"name"}}, {Type: "output", LabelNames: []string{"name"}},
			{Type: "resource", LabelNames: []string{"type", "name"}}}})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		var vars, outs, res []string
		for _, bl := range content.Blocks {
			switch bl.Type {
			case "variable":
				vars = append(vars, bl.Labels[0])
			case "output":
				outs = append(outs, bl.Labels[0])
			case "resource":
				res = append(res, bl.Labels[0]+"."+bl.Labels[1])
				attrs, _ := bl.Body.JustAttributes()
				if bl.Labels[0] == "aws_iam_role" {
					checkTrustExpr(t, attrs["assume_role_policy"], tc.spec)
				}
			}
		}
		sort.Strings(vars)
		if !reflect.DeepEqual(vars, tc.vars) || !reflect.DeepEqual(outs, policy.TerraformOutputs) ||
			!reflect.DeepEqual(res, []string{"aws_iam_role.this", "aws_iam_role_policy_attachment.this"}) {
			t.Errorf("variables %v outputs %v resources %v", vars, outs, res)
		}
	}
}

// checkTrustExpr: the trust policy is jsonencode of an object whose variable parts are the
// module's variables.
func checkTrustExpr(t *testing.T, a *hcl.Attribute, s *policy.Spec) {
	t.Helper()
	if a == nil {
		t.Fatal("aws_iam_role has no assume_role_policy")
	}
	call, ok := a.Expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "jsonencode" {
		t.Fatalf("assume_role_policy is %T, want jsonencode(…)", a.Expr)
	}
	refs := map[string]bool{}
	for _, tr := range a.Expr.Variables() {
		if tr.RootName() == "var" {
			refs[tr[1].(hcl.TraverseAttr).Name] = true
		}
	}
	if s.ExternalID != "" && !refs["external_id"] || !refs["trusted_principal_arns"] || !refs["trusted_account_ids"] {
		t.Errorf("trust policy refers to %v", refs)
	}
}

// TestCloudFormationTemplate checks the stack's parameters, the role, and the StackSet form.
func TestCloudFormationTemplate(t *testing.T) {
	b, err := policy.CloudFormation(prowler(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Parameters map[string]struct{ Type, Default any }
		Resources  map[string]struct {
			Type       string
			Properties map[string]any
		}
		Outputs map[string]any
	}
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	var params []string
	for k := range tmpl.Parameters {
		params = append(params, k)
	}
	sort.Strings(params)
	want := []string{"ExternalId", "ManagedPolicyArns", "MaxSessionDuration", "RoleName", "TrustedAccountId", "TrustedPrincipalArn"}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("parameters %v, want %v", params, want)
	}
	role := tmpl.Resources["Role"]
	if role.Type != "AWS::IAM::Role" || role.Properties["ManagedPolicyArns"] == nil || tmpl.Outputs["RoleArn"] == nil {
		t.Errorf("template:\n%s", b)
	}

	s := prowler()
	_, err = policy.CloudFormation(s, &policy.StackSetOptions{})
	if p := problem.As(err); p == nil || !strings.Contains(p.Msg, "--ou") {
		t.Fatalf("stackset without OU: %v", err)
	}
	b, err = policy.CloudFormation(s, &policy.StackSetOptions{OrganizationalUnits: []string{"ou-ab12-cdefghij"}, DelegatedAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	var ss struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				PermissionModel, CallAs, TemplateBody string
				AutoDeployment                        struct{ Enabled bool }
				Parameters                            []struct{ ParameterKey string }
			}
		}
	}
	if err := json.Unmarshal(b, &ss); err != nil {
		t.Fatal(err)
	}
	p := ss.Resources["StackSet"]
	if p.Type != "AWS::CloudFormation::StackSet" || p.Properties.PermissionModel != "SERVICE_MANAGED" || p.Properties.CallAs != "DELEGATED_ADMIN" ||
		!p.Properties.AutoDeployment.Enabled || len(p.Properties.Parameters) != len(want) {
		t.Errorf("stackset:\n%s", b)
	}
	inner, _ := policy.CloudFormation(prowler(), nil)
	if p.Properties.TemplateBody != string(inner) {
		t.Error("the StackSet's TemplateBody is not the single-account stack")
	}
}

func TestSpecValidation(t *testing.T) {
	for _, s := range []policy.Spec{
		{},
		{FromAccounts: []string{"12345"}},
		{FromAccounts: []string{"111111111111"}, ExternalID: "a"},
		{FromAccounts: []string{"111111111111"}, OrgID: "org-1"},
		{Principals: []string{"arn:aws:iam::*:role/x"}},
		{Principals: []string{"alice"}},
		{OIDCProvider: "arn:aws:iam::222222222222:oidc-provider/x", OIDCAud: "a"},
		{FromAccounts: []string{"111111111111"}, MaxSessionDuration: 100},
		{FromAccounts: []string{"111111111111"}, SessionNamePattern: "a b"},
	} {
		if err := s.Normalize(); problem.As(err) == nil || problem.As(err).Kind != problem.Usage {
			t.Errorf("%+v: err = %v, want a usage problem", s, err)
		}
	}
}

func TestProfiles(t *testing.T) {
	s := prowler()
	s.Accounts = []string{"222222222222"}
	s.RequireMFA = true
	if _, err := policy.Profiles(s, policy.ProfileOptions{}); err == nil {
		t.Fatal("MFA without --mfa-serial accepted")
	}
	b, err := policy.Profiles(s, policy.ProfileOptions{MFASerial: "arn:aws:iam::111111111111:mfa/alice", Names: map[string]string{"222222222222": "prod-audit"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[profile prod-audit]", "role_arn = arn:aws:iam::222222222222:role/ProwlerScan", "external_id = prowler-ext-1",
		"mfa_serial = arn:aws:iam::111111111111:mfa/alice", "duration_seconds = 7200", "source_profile = default"} {
		if !strings.Contains(string(b), want+"\n") {
			t.Errorf("missing %q in\n%s", want, b)
		}
	}
}

func TestPolicySize(t *testing.T) {
	for doc, want := range map[string]int{
		`{"a": "b c"}`:             11,
		"{\n  \"a\" : [ 1, 2 ]\n}": 11,
		`{"a":"say \"hi there\""}`: 24,
		`{"a":"tab	in string"}`:    21,
	} {
		if got := policy.PolicySize([]byte(doc)); got != want {
			t.Errorf("PolicySize(%q) = %d, want %d", doc, got, want)
		}
	}
}
