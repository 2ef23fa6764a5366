package stsemu

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTrustPolicyEvaluation(t *testing.T) {
	user := principal{Type: "AWS", Account: "111111111111", ARNs: []string{"arn:aws:iam::111111111111:user/alice"}}
	sessionOf := principal{Type: "AWS", Account: "222222222222", ARNs: []string{"arn:aws:iam::222222222222:role/read", "arn:aws:sts::222222222222:assumed-role/read/s"}}
	fed := principal{Type: "Federated", ARNs: []string{"arn:aws:iam::222222222222:saml-provider/idp"}}
	cases := []struct {
		name   string
		policy string
		action string
		p      principal
		ctx    map[string][]string
		want   bool
	}{
		{"object statement, account root", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}`, "sts:AssumeRole", user, nil, true},
		{"bare account id", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["sts:AssumeRole"]}]}`, "sts:AssumeRole", user, nil, true},
		{"other account", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"sts:AssumeRole"}]}`, "sts:AssumeRole", user, nil, false},
		{"user ARN", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:user/alice"]},"Action":"sts:*"}]}`, "sts:AssumeRole", user, nil, true},
		{"role ARN matches its sessions", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/read"},"Action":"sts:AssumeRole"}]}`, "sts:AssumeRole", sessionOf, nil, true},
		{"star principal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}`, "sts:AssumeRole", user, nil, true},
		{"action mismatch", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:TagSession"}]}`, "sts:AssumeRole", user, nil, false},
		{"action wildcard case-insensitive", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"STS:Assume*"}]}`, "sts:AssumeRole", user, nil, true},
		{"explicit deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`, "sts:AssumeRole", user, nil, false},
		{"federated", `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::222222222222:saml-provider/idp"},"Action":"sts:AssumeRoleWithSAML"}]}`, "sts:AssumeRoleWithSAML", fed, nil, true},
		{"AWS principal does not match federated", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:saml-provider/idp"},"Action":"*"}]}`, "sts:AssumeRoleWithSAML", fed, nil, false},
		{"Bool true", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true}}}]}`, "sts:AssumeRole", user, map[string][]string{"aws:multifactorauthpresent": {"true"}}, true},
		{"Bool missing key", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`, "sts:AssumeRole", user, nil, false},
		{"BoolIfExists missing key", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`, "sts:AssumeRole", user, nil, true},
		{"BoolIfExists false present", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}}]}`, "sts:AssumeRole", user, map[string][]string{"aws:multifactorauthpresent": {"false"}}, false},
		{"StringEquals one of", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"sts:ExternalId":["a1","b2"]}}}]}`, "sts:AssumeRole", user, map[string][]string{"sts:externalid": {"b2"}}, true},
		{"StringEquals case-sensitive", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"sts:ExternalId":"ABC"}}}]}`, "sts:AssumeRole", user, map[string][]string{"sts:externalid": {"abc"}}, false},
		{"StringNotEquals absent", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringNotEquals":{"sts:ExternalId":"x"}}}]}`, "sts:AssumeRole", user, nil, true},
		{"StringNotEquals equal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringNotEquals":{"sts:ExternalId":"x"}}}]}`, "sts:AssumeRole", user, map[string][]string{"sts:externalid": {"x"}}, false},
		{"StringLike glob", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringLike":{"sts:RoleSessionName":"ali?e-*"}}}]}`, "sts:AssumeRole", user, map[string][]string{"sts:rolesessionname": {"alice-a/b"}}, true},
		{"StringLike no match", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringLike":{"sts:RoleSessionName":"bob*"}}}]}`, "sts:AssumeRole", user, map[string][]string{"sts:rolesessionname": {"alice"}}, false},
		{"NumericLessThan", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}`, "sts:AssumeRole", user, map[string][]string{"aws:multifactorauthage": {"120"}}, true},
		{"NumericLessThan too old", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}`, "sts:AssumeRole", user, map[string][]string{"aws:multifactorauthage": {"3600"}}, false},
		{"NumericLessThanEquals", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"NumericLessThanEquals":{"aws:MultiFactorAuthAge":3600}}}]}`, "sts:AssumeRole", user, map[string][]string{"aws:multifactorauthage": {"3600"}}, true},
		{"Null true requires absence", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"Null":{"sts:SourceIdentity":"true"}}}]}`, "sts:AssumeRole", user, map[string][]string{"sts:sourceidentity": {"x"}}, false},
		{"Null false requires presence", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"Null":{"sts:SourceIdentity":"false"}}}]}`, "sts:AssumeRole", user, map[string][]string{"sts:sourceidentity": {"x"}}, true},
		{"condition keys case-insensitive", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"AWS:PrincipalArn":"arn:aws:iam::111111111111:user/alice"}}}]}`, "sts:AssumeRole", user, map[string][]string{"aws:principalarn": {"arn:aws:iam::111111111111:user/alice"}}, true},
		{"two operators are ANDed", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"sts:ExternalId":"x"},"Bool":{"aws:SecureTransport":"true"}}}]}`, "sts:AssumeRole", user, map[string][]string{"sts:externalid": {"x"}, "aws:securetransport": {"false"}}, false},
		{"ForAnyValue", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}}}]}`, "sts:TagSession", user, map[string][]string{"aws:tagkeys": {"env", "team"}}, true},
		{"ForAllValues", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}`, "sts:TagSession", user, map[string][]string{"aws:tagkeys": {"env", "team"}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parsePolicy([]byte(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			ctx := tc.ctx
			if ctx == nil {
				ctx = map[string][]string{}
			}
			if got := p.allowed(evalRequest{Action: tc.action, Principal: tc.p, Context: ctx}); got != tc.want {
				t.Fatalf("allowed = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, doc := range []string{
		`{`,
		`{"Statement":[]}`,
		`{"Version":"2012-10-17"}`,
		`{"Statement":{"Effect":"Maybe","Principal":"*","Action":"*"}}`,
		`{"Statement":{"Effect":"Allow","Action":"*"}}`,
		`{"Statement":{"Effect":"Allow","Principal":"*"}}`,
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringSorta":{"a":"b"}}}}`,
	} {
		if _, err := parsePolicy([]byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
}

func TestParseScenario(t *testing.T) {
	sc, err := LoadScenario(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Users) == 0 || sc.Users[0].ARN() != "arn:aws:iam::111111111111:user/alice" {
		t.Fatalf("alice not first user")
	}
	for _, bad := range []struct{ doc, want string }{
		{`{"userz":[]}`, "unknown field"},
		{`{"users":[{"account":"111111111111","name":"x","access_key_id":"AKIAREALLOOKING00001","secret_access_key":"s"}]}`, "EMULATOR or EXAMPLE"},
		{`{"users":[{"account":"1111","name":"x","access_key_id":"AKIAEXAMPLE","secret_access_key":"s"}]}`, "12-digit"},
		{`{"roles":[{"arn":"arn:aws:iam::111111111111:user/x","trust_policy":{}}]}`, "invalid role ARN"},
		{`{"roles":[{"arn":"arn:aws:iam::111111111111:role/x","max_session_duration":60,"trust_policy":{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}}]}`, "max_session_duration"},
		{`{"roles":[{"arn":"arn:aws:iam::111111111111:role/x","trust_policy":{"Statement":{"Effect":"Allow","Action":"*"}}}]}`, "Principal"},
		{`{"oidc_providers":[{"arn":"arn:aws:iam::111111111111:oidc-provider/x","issuer":"https://x"}]}`, "hs256_secret"},
	} {
		_, err := ParseScenario([]byte(bad.doc))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseScenario(%s) = %v, want error containing %q", bad.doc, err, bad.want)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true},
		{"a*c", "a/b/c", true},
		{"a?c", "a/c", true},
		{"a[b]c", "a[b]c", true},
		{"a[b]c", "abc", false},
		{"repo:org/*", "repo:org/x:ref:refs/heads/main", true},
		{"repo:org/*", "repo:other/x", false},
	} {
		if got := glob(tc.p, tc.s, false); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringLike":{"a":"*"}}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := parsePolicy([]byte(doc))
		if err == nil {
			p.allowed(evalRequest{Action: "sts:AssumeRole", Principal: principal{Type: "AWS", Account: "1"}, Context: map[string][]string{"a": {"b"}}})
		}
	})
}

// FuzzServeHTTP feeds arbitrary unsigned and signed-looking requests to the
// server; it must answer without panicking.
func FuzzServeHTTP(f *testing.F) {
	f.Add("Action=AssumeRoleWithSAML&RoleArn=arn:aws:iam::222222222222:role/saml-read&PrincipalArn=arn:aws:iam::222222222222:saml-provider/emulator-idp&SAMLAssertion=PHg+", "")
	f.Add("Action=AssumeRoleWithWebIdentity&RoleArn=arn:aws:iam::222222222222:role/web-read&RoleSessionName=ab&WebIdentityToken=a.b.c", "")
	f.Add("Action=GetCallerIdentity", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEALICE0001/20261121/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	sc, err := LoadScenario(demoPath)
	if err != nil {
		f.Fatal(err)
	}
	srv := New(sc)
	f.Fuzz(func(t *testing.T, body, auth string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Amz-Date", "20261121T000000Z")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code == 0 {
			t.Fatal("no status")
		}
	})
}
