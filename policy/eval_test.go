package policy_test

import (
	"strings"
	"testing"

	"github.com/assume-role/assume-role/policy"
)

// coinbase's bastion trust policy (its README): TLS, MFA, MFA at most 12 hours old.
const coinbaseBastion = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
    "Action": "sts:AssumeRole",
    "Condition": {
      "Bool": {"aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": "true"},
      "NumericLessThan": {"aws:MultiFactorAuthAge": "43200"}
    }
  }]
}`

func TestEvaluateSeedPolicies(t *testing.T) {
	alice := "arn:aws:iam::111111111111:user/alice"
	cases := []struct {
		name   string
		doc    string
		req    policy.Request
		allow  bool
		reason string
	}{
		{"coinbase: MFA 100 s old", coinbaseBastion, policy.Request{Principal: alice, MFA: true, MFAAge: 100}, true, ""},
		{"coinbase: no MFA", coinbaseBastion, policy.Request{Principal: alice}, false, "the request has no aws:MultiFactorAuthPresent"},
		{"coinbase: MFA too old", coinbaseBastion, policy.Request{Principal: alice, MFA: true, MFAAge: 50000}, false, `aws:MultiFactorAuthAge "50000"`},
		{"coinbase: no TLS", coinbaseBastion, policy.Request{Principal: alice, MFA: true, Insecure: true}, false, "aws:SecureTransport"},
		{"coinbase: other account", coinbaseBastion, policy.Request{Principal: "arn:aws:iam::999999999999:user/eve", MFA: true}, false, "is not arn:aws:iam::111111111111:root"},
		{"root user", coinbaseBastion, policy.Request{Principal: "arn:aws:iam::111111111111:root", MFA: true}, false, "root user cannot assume roles"},
		{"account ID principal", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`,
			policy.Request{Principal: alice}, true, ""},
		{"role ARN admits its sessions", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/ci"},"Action":"sts:AssumeRole"}}`,
			policy.Request{Principal: "arn:aws:sts::111111111111:assumed-role/ci/run-1"}, true, ""},
		{"explicit deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:*"},{"Sid":"NoBob","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"aws:PrincipalArn":"*bob"}}}]}`,
			policy.Request{Principal: "arn:aws:iam::111111111111:user/bob"}, false, ""},
		{"tags need TagSession", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}`,
			policy.Request{Principal: alice, Tags: true}, false, "does not allow sts:TagSession"},
		{"IfExists with the key absent", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEqualsIfExists":{"sts:ExternalId":"x1"}}}}`,
			policy.Request{Principal: alice}, true, ""},
	}
	for _, c := range cases {
		d, err := policy.Evaluate([]byte(c.doc), c.req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d.Allowed != c.allow || !strings.Contains(strings.Join(d.Reasons, "\n"), c.reason) {
			t.Errorf("%s: %+v, want allowed %v with %q", c.name, d, c.allow, c.reason)
		}
	}
	d, _ := policy.Evaluate([]byte(cases[8].doc), cases[8].req)
	if !d.Explicit || d.Statement != "NoBob" {
		t.Errorf("explicit deny: %+v", d)
	}
}

func TestEvaluateRejects(t *testing.T) {
	for _, doc := range []string{`{}`, `{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"sts:AssumeRole"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringSoundsLike":{"a":"b"}}}]}`, `not json`} {
		if _, err := policy.Evaluate([]byte(doc), policy.Request{Principal: "arn:aws:iam::111111111111:user/a"}); err == nil {
			t.Errorf("%s: accepted", doc)
		}
	}
	if _, err := policy.Evaluate([]byte(coinbaseBastion), policy.Request{Principal: "alice"}); err == nil {
		t.Error("a principal that is not an ARN was accepted")
	}
}

// FuzzEvaluate: no policy document or principal makes the evaluator panic.
func FuzzEvaluate(f *testing.F) {
	f.Add(coinbaseBastion, "arn:aws:iam::111111111111:user/alice", "x")
	f.Add(`{"Statement":{"Effect":"Allow","Principal":{"AWS":["1","2"]},"Action":["sts:*"],"Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":"a*"}}}}`, "arn:aws:sts::111111111111:assumed-role/r/s", "")
	f.Fuzz(func(t *testing.T, doc, principal, ext string) {
		policy.Evaluate([]byte(doc), policy.Request{Principal: principal, ExternalID: ext, Tags: true, SourceIdentity: true})
	})
}
