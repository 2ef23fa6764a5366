package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func TestSessionNameFromARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::111111111111:user/alice":                      "alice",
		"arn:aws:iam::111111111111:user/ops/bob.smith@corp":         "bob.smith@corp",
		"arn:aws:sts::222222222222:assumed-role/read/alice":         "alice",
		"arn:aws:sts::222222222222:assumed-role/read/botocore-1234": "botocore-1234",
		"arn:aws:sts::222222222222:federated-user/x":                "x-",
		"arn:aws:iam::111111111111:root":                            "root",
	} {
		if got := sessionNameFromARN(arn); got != want {
			t.Errorf("%s: %q, want %q", arn, got, want)
		}
	}
}

func TestHopKeyCoversEveryInput(t *testing.T) {
	base := func() (*Hop, string, string) {
		return &Hop{Kind: HopAssumeRole, RoleARN: "arn:aws:iam::222222222222:role/read", DurationSeconds: 3600}, "key:AKIA", "us-east-1"
	}
	ids := map[string]string{}
	add := func(name string, h *Hop, parent, region string) {
		id := hopKey(h, parent, region, "").ID()
		for other, oid := range ids {
			if oid == id {
				t.Fatalf("%s and %s share a cache key", name, other)
			}
		}
		ids[name] = id
	}
	h, parent, region := base()
	add("base", h, parent, region)
	mut := map[string]func(*Hop, *string, *string){
		"role":      func(h *Hop, _, _ *string) { h.RoleARN += "2" },
		"parent":    func(_ *Hop, p, _ *string) { *p = "key:OTHER" },
		"stsregion": func(_ *Hop, _, r *string) { *r = "eu-west-1" },
		"duration":  func(h *Hop, _, _ *string) { h.DurationSeconds = 7200 },
		"external":  func(h *Hop, _, _ *string) { h.ExternalID = "x1" },
		"session":   func(h *Hop, _, _ *string) { h.SessionName = "s1" },
		"policy":    func(h *Hop, _, _ *string) { h.Policy = "{}" },
		"arns":      func(h *Hop, _, _ *string) { h.PolicyARNs = []string{"arn:aws:iam::aws:policy/X"} },
		"tags":      func(h *Hop, _, _ *string) { h.Tags = []stslimits.Tag{{Key: "a", Value: "b"}} },
		"trans":     func(h *Hop, _, _ *string) { h.TransitiveTagKeys = []string{"a"} },
		"sourceid":  func(h *Hop, _, _ *string) { h.SourceIdentity = "me" },
		"mfa":       func(h *Hop, _, _ *string) { h.MFA = true },
		"kind":      func(h *Hop, _, _ *string) { h.Kind = HopWebIdentity },
		"token":     func(h *Hop, _, _ *string) { h.token = "abcd" },
	}
	for name, m := range mut {
		h, parent, region := base()
		m(h, &parent, &region)
		add(name, h, parent, region)
	}
	h, parent, region = base()
	if hopKey(h, parent, region, "http://127.0.0.1:1").ID() == ids["base"] {
		t.Fatal("the STS endpoint is not in the key")
	}
	// Tag order does not matter.
	a, _, _ := base()
	b, _, _ := base()
	a.Tags = []stslimits.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}
	b.Tags = []stslimits.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}}
	if hopKey(a, "p", "r", "").ID() != hopKey(b, "p", "r", "").ID() {
		t.Fatal("tag order changed the key")
	}
}

func TestValidate(t *testing.T) {
	ok := Request{RoleARN: "arn:aws:iam::222222222222:role/read", DurationSeconds: 3600, ExternalID: "ext-1"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]Request{
		"arn":      {RoleARN: "arn:aws:iam::2222:role/read"},
		"duration": {DurationSeconds: 100},
		"mfa dur":  {MFASessionSeconds: 130000},
		"ext":      {ExternalID: "e"},
		"session":  {SessionName: "a b"},
		"token":    {TokenCode: "12"},
		"region":   {Region: "nowhere"},
		"sts":      {STSRegion: "x"},
		"scheme":   {Scheme: "kerberos"},
		"srcid":    {SourceIdentity: "aws:x"},
	} {
		err := r.Validate()
		if p := problem.As(err); p == nil || p.Kind != problem.Usage {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestExplain(t *testing.T) {
	e := New(Options{})
	api := func(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }
	cases := []struct {
		err  error
		info callInfo
		kind problem.Kind
		want string
	}{
		{api("AccessDenied", "User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole on resource: R"), callInfo{op: "AssumeRole", role: "R"}, problem.AccessDenied, "arn:aws:iam::1:user/a may not assume R"},
		{api("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."), callInfo{op: "GetSessionToken"}, problem.MFA, "MFA code was not accepted"},
		{api("InvalidClientTokenId", "The security token included in the request is invalid."), callInfo{op: "AssumeRole"}, problem.NoCredentials, "not valid"},
		{api("ExpiredToken", "expired"), callInfo{op: "AssumeRole"}, problem.NoCredentials, "expired"},
		{api("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."), callInfo{op: "AssumeRole", duration: 7200}, problem.Limit, "1-hour cap"},
		{api("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), callInfo{op: "AssumeRole", duration: 7200, role: "R"}, problem.Limit, "MaxSessionDuration of R"},
		{api("RegionDisabledException", "x"), callInfo{op: "AssumeRole", stsRegion: "ap-east-1"}, problem.Network, "ap-east-1"},
		{api("Throttling", "Rate exceeded"), callInfo{op: "AssumeRole"}, problem.Network, "throttling"},
		{errors.New("boom"), callInfo{op: "AssumeRole"}, problem.Internal, "boom"},
	}
	for _, c := range cases {
		p := e.explain(c.err, c.info)
		if p.Kind != c.kind || !strings.Contains(p.Msg, c.want) {
			t.Errorf("%v: kind %v msg %q, want %v %q", c.err, p.Kind, p.Msg, c.kind, c.want)
		}
		if strings.Contains(p.Msg, "\n") || strings.Contains(p.Hint, "\n") {
			t.Errorf("multi-line problem: %q %q", p.Msg, p.Hint)
		}
	}
}

func TestRedactParams(t *testing.T) {
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::1:role/r"), TokenCode: aws.String("123456"),
		SerialNumber: aws.String("arn:aws:iam::1:mfa/a")}
	got := redactParams(in)
	if strings.Contains(got, "123456") || !strings.Contains(got, `TokenCode="<redacted>"`) || !strings.Contains(got, "SerialNumber") {
		t.Fatalf("redactParams = %s", got)
	}
	got = redactParams(&sts.AssumeRoleWithSAMLInput{SAMLAssertion: aws.String("PHNhbWw+c2VjcmV0")})
	if strings.Contains(got, "PHNhbWw") {
		t.Fatalf("assertion leaked: %s", got)
	}
}
