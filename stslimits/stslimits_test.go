package stslimits

import (
	"strings"
	"testing"
)

func TestRoleARN(t *testing.T) {
	good := map[string][3]string{
		"arn:aws:iam::222222222222:role/read":             {"aws", "222222222222", "read"},
		"arn:aws:iam::012345678901:role/ops/deploy":       {"aws", "012345678901", "deploy"},
		"arn:aws-cn:iam::222222222222:role/a":             {"aws-cn", "222222222222", "a"},
		"arn:aws-us-gov:iam::222222222222:role/x/y/z-1.@": {"aws-us-gov", "222222222222", "z-1.@"},
	}
	for in, want := range good {
		p, a, n, err := RoleARN("--role", in)
		if err != nil || p != want[0] || a != want[1] || n != want[2] {
			t.Errorf("RoleARN(%q) = %q %q %q %v", in, p, a, n, err)
		}
	}
	for _, in := range []string{"", "read", "arn:aws:iam::22222222222:role/read", "arn:aws:iam::222222222222:user/read", "arn:aws:sts::222222222222:role/read", "arn:aws:iam::222222222222:role/", "arn:aws:iam::222222222222:role/a b"} {
		if _, _, _, err := RoleARN("--role", in); err == nil {
			t.Errorf("RoleARN(%q) accepted", in)
		} else if !strings.Contains(err.Error(), "--role") {
			t.Errorf("error does not name the flag: %v", err)
		}
	}
}

func TestSimpleLimits(t *testing.T) {
	type c struct {
		f  func(string, string) error
		in string
		ok bool
	}
	long := func(n int) string { return strings.Repeat("a", n) }
	for i, tc := range []c{
		{SessionName, "ab", true}, {SessionName, "a", false}, {SessionName, long(64), true}, {SessionName, long(65), false},
		{SessionName, "alice@example.com", true}, {SessionName, "a b", false}, {SessionName, "a/b", false},
		{ExternalID, "ext-123", true}, {ExternalID, "a", false}, {ExternalID, long(1224), true}, {ExternalID, long(1225), false},
		{ExternalID, "urn:x/y", true}, {ExternalID, "a;b", false},
		{SerialNumber, "arn:aws:iam::111111111111:mfa/alice", true}, {SerialNumber, "GAHT1234", false}, {SerialNumber, "GAHT12345", true},
		{TokenCode, "123456", true}, {TokenCode, "12345", false}, {TokenCode, "1234567", false}, {TokenCode, "12345a", false},
		{SourceIdentity, "alice", true}, {SourceIdentity, "aws:alice", false}, {SourceIdentity, "AWS:x1", false}, {SourceIdentity, "a", false},
		{RoleName, "read", true}, {RoleName, "ops/deploy", true}, {RoleName, "a b", false}, {RoleName, long(65), false},
		{Region, "us-east-1", true}, {Region, "eu-south-2", true}, {Region, "us-gov-west-1", true}, {Region, "useast1", false}, {Region, "us-east-1;x", false},
	} {
		err := tc.f("--x", tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("case %d (%q): err = %v, want ok=%v", i, tc.in, err, tc.ok)
		}
	}
}

func TestTokenCodeNotEchoed(t *testing.T) {
	err := TokenCode("--token-code", "98765x")
	if err == nil || strings.Contains(err.Error(), "98765") {
		t.Fatalf("err = %v", err)
	}
}

func TestDuration(t *testing.T) {
	if Duration("-T", 899, MinDuration, MaxRoleDuration) == nil || Duration("-T", 43201, MinDuration, MaxRoleDuration) == nil {
		t.Fatal("out of range accepted")
	}
	if err := Duration("-T", 3600, MinDuration, MaxRoleDuration); err != nil {
		t.Fatal(err)
	}
}

func TestPolicies(t *testing.T) {
	arns := make([]string, 11)
	for i := range arns {
		arns[i] = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	}
	if PolicyARNs("--policy-arns", arns) == nil {
		t.Error("11 ARNs accepted")
	}
	if err := PolicyARNs("--policy-arns", arns[:10]); err != nil {
		t.Error(err)
	}
	if PolicyARNs("--policy-arns", []string{"ReadOnlyAccess"}) == nil {
		t.Error("bad ARN accepted")
	}
	if Policy("--policy", "{", nil) == nil {
		t.Error("bad JSON accepted")
	}
	if err := Policy("--policy", `{"Version":"2012-10-17", "Statement": []}`, nil); err != nil {
		t.Error(err)
	}
	big := `{"Sid":"` + strings.Repeat("x", 2100) + `"}`
	if Policy("--policy", big, nil) == nil {
		t.Error("oversized policy accepted")
	}
}

func TestTags(t *testing.T) {
	if err := Tags("--tags", []Tag{{"Project", "x"}, {"team", ""}}, []string{"project"}); err != nil {
		t.Error(err)
	}
	if Tags("--tags", []Tag{{"a", "1"}, {"A", "2"}}, nil) == nil {
		t.Error("duplicate keys accepted")
	}
	if Tags("--tags", []Tag{{strings.Repeat("k", 129), "1"}}, nil) == nil {
		t.Error("long key accepted")
	}
	if Tags("--tags", []Tag{{"k", strings.Repeat("v", 257)}}, nil) == nil {
		t.Error("long value accepted")
	}
	if Tags("--tags", []Tag{{"k", "a;b"}}, nil) == nil {
		t.Error("bad char accepted")
	}
	if Tags("--tags", []Tag{{"k", "v"}}, []string{"other"}) == nil {
		t.Error("unknown transitive key accepted")
	}
	many := make([]Tag, 51)
	for i := range many {
		many[i] = Tag{Key: strings.Repeat("k", i+1), Value: "v"}
	}
	if Tags("--tags", many, nil) == nil {
		t.Error("51 tags accepted")
	}
	if _, err := ParseTag("--tags", "novalue"); err == nil {
		t.Error("tag without = accepted")
	}
}

func TestSanitizeSessionName(t *testing.T) {
	for in, want := range map[string]string{
		"alice":                 "alice",
		"alice smith":           "alice-smith",
		"a":                     "a-",
		"":                      "--",
		"ops/deploy":            "ops-deploy",
		strings.Repeat("x", 70): strings.Repeat("x", 64),
	} {
		got := SanitizeSessionName(in)
		if got != want || SessionName("x", got) != nil {
			t.Errorf("Sanitize(%q) = %q", in, got)
		}
	}
}

func FuzzSanitizeSessionName(f *testing.F) {
	f.Add("alice@example.com")
	f.Add("é ü 😀")
	f.Fuzz(func(t *testing.T, s string) {
		if err := SessionName("x", SanitizeSessionName(s)); err != nil {
			t.Fatalf("Sanitize(%q) invalid: %v", s, err)
		}
	})
}

func TestPartition(t *testing.T) {
	for r, p := range map[string]string{"us-east-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "eu-south-2": "aws"} {
		if PartitionForRegion(r) != p {
			t.Errorf("%s", r)
		}
	}
}
