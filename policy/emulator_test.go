package policy_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/internal/stsemu/stsemutest"
	"github.com/assume-role/assume-role/policy"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

const (
	genRole   = "arn:aws:iam::222222222222:role/Generated"
	readRole  = "arn:aws:iam::222222222222:role/read"
	aliceARN  = "arn:aws:iam::111111111111:user/alice"
	bobARN    = "arn:aws:iam::111111111111:user/engineers/bob"
	aliceMFA  = "arn:aws:iam::111111111111:mfa/alice"
	orgA      = "o-aaaaaaaaaa"
	orgB      = "o-bbbbbbbbbb"
	sessionS0 = "s0"
)

var (
	alice = aws.Credentials{AccessKeyID: "AKIAEXAMPLEALICE0001", SecretAccessKey: "aliceEMULATORsecretKEYdoNOTuse0000000001"}
	bob   = aws.Credentials{AccessKeyID: "AKIAEMULATORBOB00001", SecretAccessKey: "bobEMULATORsecretKEYdoNOTuse000000000002"}
)

func stsClient(url string, c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{},
		Credentials: credentials.StaticCredentialsProvider{Value: c},
	})
}

// call is one AssumeRole attempt on the generated role.
type call struct {
	name    string
	who     string // alice, bob, or read (a session of role read, assumed by alice)
	ext     string
	mfa     bool
	session string
	tags    bool
	srcID   bool
	want    bool
}

func (c call) principal() string {
	switch c.who {
	case "bob":
		return bobARN
	case "read":
		return "arn:aws:sts::222222222222:assumed-role/read/" + sessionS0
	}
	return aliceARN
}

// TestGeneratedTrustPoliciesInEmulator loads each generated trust policy into the emulator and
// proves that exactly the intended callers may assume the role; the local evaluator must agree
// with the emulator on every call.
func TestGeneratedTrustPoliciesInEmulator(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cases := []struct {
		name   string
		spec   policy.Spec
		orgs   map[string]string
		secure bool
		calls  []call
	}{
		{name: "prowler: account root + external ID + principal ARN",
			spec: policy.Spec{FromAccounts: []string{"111111111111"}, Principals: []string{aliceARN}, ExternalID: "prowler-ext-1"},
			calls: []call{
				{name: "intended caller", who: "alice", ext: "prowler-ext-1", want: true},
				{name: "no external ID", who: "alice"},
				{name: "wrong external ID", who: "alice", ext: "prowler-ext-2"},
				{name: "wrong caller of the trusted account", who: "bob", ext: "prowler-ext-1"},
			}},
		{name: "principal glob matches role sessions",
			spec: policy.Spec{Principals: []string{"arn:aws:iam::222222222222:role/rea*"}},
			calls: []call{
				{name: "session of role read", who: "read", want: true},
				{name: "user of another account", who: "alice"},
			}},
		{name: "path glob",
			spec: policy.Spec{Principals: []string{"arn:aws:iam::111111111111:user/engineers/*"}},
			calls: []call{
				{name: "bob under /engineers/", who: "bob", want: true},
				{name: "alice under /", who: "alice"},
			}},
		{name: "MFA required",
			spec: policy.Spec{FromAccounts: []string{"111111111111"}, RequireMFA: true},
			calls: []call{
				{name: "with MFA", who: "alice", mfa: true, want: true},
				{name: "without MFA", who: "alice"},
				{name: "session without MFA", who: "read"},
			}},
		{name: "MFA max age",
			spec: policy.Spec{FromAccounts: []string{"111111111111"}, MFAMaxAge: 600},
			calls: []call{
				{name: "fresh MFA", who: "alice", mfa: true, want: true},
				{name: "no MFA", who: "alice"},
			}},
		{name: "organization",
			spec: policy.Spec{FromAccounts: []string{"111111111111", "222222222222"}, OrgID: orgA},
			orgs: map[string]string{"111111111111": orgA, "222222222222": orgB},
			calls: []call{
				{name: "member of the organization", who: "alice", want: true},
				{name: "principal of another organization", who: "read"},
			}},
		{name: "organization only: Principal * with aws:PrincipalOrgID",
			spec: policy.Spec{Principals: []string{"arn:aws:iam::*:role/read"}, OrgID: orgB},
			orgs: map[string]string{"111111111111": orgA, "222222222222": orgB},
			calls: []call{
				{name: "role read in the organization", who: "read", want: true},
				{name: "user outside it", who: "alice"},
			}},
		{name: "secure transport, sent over TLS",
			spec: policy.Spec{FromAccounts: []string{"111111111111"}, SecureTransport: true}, secure: true,
			calls: []call{{name: "TLS", who: "alice", want: true}}},
		{name: "secure transport, sent in the clear",
			spec:  policy.Spec{FromAccounts: []string{"111111111111"}, SecureTransport: true},
			calls: []call{{name: "plain HTTP", who: "alice"}}},
		{name: "session name pattern",
			spec: policy.Spec{FromAccounts: []string{"111111111111"}, SessionNamePattern: "prowler-*"},
			calls: []call{
				{name: "matching name", who: "alice", session: "prowler-audit", want: true},
				{name: "other name", who: "alice", session: "audit"},
			}},
		{name: "session tags allowed",
			spec: policy.Spec{FromAccounts: []string{"111111111111"}, AllowTags: true, AllowSourceIdentity: true},
			calls: []call{
				{name: "tags", who: "alice", tags: true, want: true},
				{name: "source identity", who: "alice", srcID: true, want: true},
			}},
		{name: "session tags not allowed",
			spec: policy.Spec{FromAccounts: []string{"111111111111"}},
			calls: []call{
				{name: "plain", who: "alice", want: true},
				{name: "tags", who: "alice", tags: true},
				{name: "source identity", who: "alice", srcID: true},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.RoleName = "Generated"
			if err := spec.Normalize(); err != nil {
				t.Fatal(err)
			}
			doc, err := policy.Trust(&spec)
			if err != nil {
				t.Fatal(err)
			}
			_, url := stsemutest.Start(t, func(sc *stsemu.Scenario) {
				sc.Roles = append(sc.Roles, &stsemu.Role{ARN: genRole, MaxSessionDuration: 3600, TrustPolicy: doc})
				sc.OrganizationIDs = tc.orgs
				sc.AssumeSecureTransport = tc.secure
			})
			for _, c := range tc.calls {
				got, detail := tryAssume(t, url, c)
				if got != c.want {
					t.Errorf("%s: assumed = %v (%s), want %v\npolicy:\n%s", c.name, got, detail, c.want, doc)
				}
				d, err := policy.Evaluate(doc, policy.Request{
					Principal: c.principal(), ExternalID: c.ext, MFA: c.mfa, OrgID: tc.orgs[accountOf(c)],
					Insecure: !tc.secure, SessionName: orDefault(c.session, "generated"), Tags: c.tags, SourceIdentity: c.srcID,
				})
				if err != nil {
					t.Fatal(err)
				}
				if d.Allowed != c.want {
					t.Errorf("%s: local evaluator allowed = %v, emulator %v: %+v", c.name, d.Allowed, c.want, d)
				}
			}
		})
	}
}

func accountOf(c call) string {
	if c.who == "read" {
		return "222222222222"
	}
	return "111111111111"
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

var mfaCode = 123456

// tryAssume makes the call and reports whether STS issued credentials; a refusal must be
// AccessDenied.
func tryAssume(t *testing.T, url string, c call) (bool, string) {
	t.Helper()
	ctx := context.Background()
	creds := alice
	switch c.who {
	case "bob":
		creds = bob
	case "read":
		out, err := stsClient(url, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(readRole), RoleSessionName: aws.String(sessionS0)})
		if err != nil {
			t.Fatalf("assume read: %v", err)
		}
		creds = aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
	}
	in := &sts.AssumeRoleInput{RoleArn: aws.String(genRole), RoleSessionName: aws.String(orDefault(c.session, "generated"))}
	if c.ext != "" {
		in.ExternalId = aws.String(c.ext)
	}
	if c.mfa {
		mfaCode++
		in.SerialNumber, in.TokenCode = aws.String(aliceMFA), aws.String(strconv.Itoa(mfaCode))
	}
	if c.tags {
		in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("audit")}}
	}
	if c.srcID {
		in.SourceIdentity = aws.String("alice")
	}
	_, err := stsClient(url, creds).AssumeRole(ctx, in)
	if err == nil {
		return true, "ok"
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("%s: want AccessDenied or success, got %v", c.name, err)
	}
	return false, ae.ErrorMessage()
}

// TestMFAMaxAgeExpires: a session whose MFA sign-in is older than --mfa-max-age is refused.
func TestMFAMaxAgeExpires(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	spec := policy.Spec{FromAccounts: []string{"111111111111"}, MFAMaxAge: 600}
	if err := spec.Normalize(); err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Trust(&spec)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := stsemu.LoadScenario(stsemutest.DemoScenario())
	if err != nil {
		t.Fatal(err)
	}
	sc.Roles = append(sc.Roles, &stsemu.Role{ARN: genRole, TrustPolicy: doc})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hs := httptest.NewServer(stsemu.New(sc, stsemu.WithClock(func() time.Time { return now })))
	t.Cleanup(hs.Close)
	ctx := context.Background()
	tok, err := stsClient(hs.URL, alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(aliceMFA), TokenCode: aws.String("123456")})
	if err != nil {
		t.Fatal(err)
	}
	sess := aws.Credentials{AccessKeyID: *tok.Credentials.AccessKeyId, SecretAccessKey: *tok.Credentials.SecretAccessKey, SessionToken: *tok.Credentials.SessionToken}
	in := &sts.AssumeRoleInput{RoleArn: aws.String(genRole), RoleSessionName: aws.String("s1")}
	now = now.Add(599 * time.Second)
	if _, err := stsClient(hs.URL, sess).AssumeRole(ctx, in); err != nil {
		t.Fatalf("MFA 599 s old: %v", err)
	}
	now = now.Add(2 * time.Second)
	if _, err := stsClient(hs.URL, sess).AssumeRole(ctx, in); err == nil {
		t.Fatal("MFA 601 s old: assumed, want AccessDenied")
	}
	for age, want := range map[int]bool{599: true, 600: false} {
		d, err := policy.Evaluate(doc, policy.Request{Principal: aliceARN, MFA: true, MFAAge: age})
		if err != nil || d.Allowed != want {
			t.Errorf("evaluate MFA age %d: %+v %v, want allowed %v", age, d, err, want)
		}
	}
}

// TestGeneratedOIDCTrustInEmulator: the web-identity statement admits tokens of the provider with
// the audience and a matching sub, and refuses another sub (another branch) or audience.
func TestGeneratedOIDCTrustInEmulator(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	const provider = "arn:aws:iam::222222222222:oidc-provider/oidc.emulator.example"
	spec := policy.Spec{OIDCProvider: provider, OIDCAud: "sts.amazonaws.com", OIDCSub: []string{"repo:assume-role/*:ref:refs/heads/main"}}
	if err := spec.Normalize(); err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Trust(&spec)
	if err != nil {
		t.Fatal(err)
	}
	_, url := stsemutest.Start(t, func(sc *stsemu.Scenario) {
		sc.Roles = append(sc.Roles, &stsemu.Role{ARN: genRole, TrustPolicy: doc})
	})
	anon := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{}, Credentials: aws.AnonymousCredentials{}})
	for _, c := range []struct {
		sub, aud string
		want     bool
	}{
		{"repo:assume-role/assume-role:ref:refs/heads/main", "sts.amazonaws.com", true},
		{"repo:assume-role/assume-role:ref:refs/heads/feature", "sts.amazonaws.com", false},
		{"repo:someone/else:ref:refs/heads/main", "sts.amazonaws.com", false},
		{"repo:assume-role/assume-role:ref:refs/heads/main", "emulator-client", false},
	} {
		tok := stsemu.MintWebIdentityToken("emulator-oidc-hs256-secret-not-a-real-key", map[string]any{
			"iss": "https://oidc.emulator.example", "aud": c.aud, "sub": c.sub, "exp": time.Now().Add(time.Hour).Unix()})
		_, err := anon.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String(genRole), RoleSessionName: aws.String("gha"), WebIdentityToken: aws.String(tok)})
		if (err == nil) != c.want {
			t.Errorf("sub %s aud %s: err = %v, want allowed %v", c.sub, c.aud, err, c.want)
		}
		d, eerr := policy.Evaluate(doc, policy.Request{Principal: provider, Context: map[string][]string{
			"oidc.emulator.example:sub": {c.sub}, "oidc.emulator.example:aud": {c.aud}}})
		if eerr != nil || d.Allowed != c.want {
			t.Errorf("evaluator: sub %s aud %s: %+v %v", c.sub, c.aud, d, eerr)
		}
	}
}

// TestGeneratedSAMLTrustInEmulator: the SAML statement admits assertions of the provider for AWS
// sign-in, and refuses another provider's.
func TestGeneratedSAMLTrustInEmulator(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	const provider = "arn:aws:iam::222222222222:saml-provider/emulator-idp"
	const other = "arn:aws:iam::333333333333:saml-provider/emulator-idp"
	spec := policy.Spec{SAMLProvider: provider}
	if err := spec.Normalize(); err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Trust(&spec)
	if err != nil {
		t.Fatal(err)
	}
	_, url := stsemutest.Start(t, func(sc *stsemu.Scenario) {
		sc.Roles = append(sc.Roles, &stsemu.Role{ARN: genRole, TrustPolicy: doc})
	})
	anon := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{}, Credentials: aws.AnonymousCredentials{}})
	for _, c := range []struct {
		prov string
		want bool
	}{{provider, true}, {other, false}} {
		a := stsemu.MintSAMLAssertion(stsemu.SAMLAssertionOptions{Subject: "alice@example.com", RoleSessionName: "alice@example.com",
			Roles: []string{genRole + "," + c.prov}})
		_, err := anon.AssumeRoleWithSAML(context.Background(), &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(genRole), PrincipalArn: aws.String(c.prov), SAMLAssertion: aws.String(a)})
		if (err == nil) != c.want {
			t.Errorf("provider %s: err = %v, want allowed %v", c.prov, err, c.want)
		}
		d, eerr := policy.Evaluate(doc, policy.Request{Principal: c.prov})
		if eerr != nil || d.Allowed != c.want {
			t.Errorf("evaluator: provider %s: %+v %v", c.prov, d, eerr)
		}
	}
}

// TestOrgIDFromTheScenarioOrganization: the accounts of the scenario's organization carry its ID as
// aws:PrincipalOrgID.
func TestOrgIDFromTheScenarioOrganization(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, c := range []struct {
		org  string
		want bool
	}{{"o-emulator01", true}, {"o-otherorg01", false}} {
		spec := policy.Spec{FromAccounts: []string{"111111111111"}, OrgID: c.org}
		if err := spec.Normalize(); err != nil {
			t.Fatal(err)
		}
		doc, err := policy.Trust(&spec)
		if err != nil {
			t.Fatal(err)
		}
		_, url := stsemutest.Start(t, func(sc *stsemu.Scenario) {
			sc.Roles = append(sc.Roles, &stsemu.Role{ARN: genRole, TrustPolicy: doc})
			sc.Organization = &stsemu.Organization{ManagementAccount: "111111111111",
				Accounts: []*stsemu.OrgAccount{{ID: "111111111111", Name: "bastion"}, {ID: "222222222222", Name: "prod"}}}
		})
		if got, detail := tryAssume(t, url, call{name: c.org, who: "alice"}); got != c.want {
			t.Errorf("trust requiring %s: assumed = %v (%s), want %v", c.org, got, detail, c.want)
		}
	}
}
