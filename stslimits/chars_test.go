package stslimits

import (
	"regexp"
	"testing"
)

// The regular expressions the loops of chars.go replaced; the loops must agree with them on every input.
var (
	reRoleARN     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::([0-9]{12}):role/((?:[\x21-\x7e]+/)*)([\w+=,.@-]{1,64})$`)
	reSessionName = regexp.MustCompile(`^[\w+=,.@-]*$`)
	reExternalID  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	reSerial      = regexp.MustCompile(`^[\w+=/:,.@-]*$`)
	reTokenCode   = regexp.MustCompile(`^[0-9]{6}$`)
	reRoleOrPath  = regexp.MustCompile(`^((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$`)
	reInvalidName = regexp.MustCompile(`[^\w+=,.@-]`)
	reRegion      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

var charSeeds = []string{
	"", "a", "/", "//", "a/", "/a", "a//b", "ops/deploy", "ops/x/deploy", "aws:x", "x\n", "\n", "é", "\xff", "a\xffb", "日本",
	"arn:aws:iam::123456789012:role/read", "arn:aws:iam::123456789012:role/ops/deploy",
	"arn:aws:iam::123456789012:role//read", "arn:aws:iam::123456789012:role/a//read",
	"arn:aws:iam::123456789012:role/~!/read", "arn:aws-cn:iam::123456789012:role/x", "arn:aws-x:iam::123456789012:role/x",
	"arn:aws:iam::12345678901:role/x", "arn:aws:iam::1234567890123:role/x", "arn:aws:iam::123456789012:role/",
	"arn:aws:iam::123456789012:role/a b", "arn:aws:iam::123456789012:role/p q/x", "arn:aws:iam::123456789012:user/x",
	"arn:aws:iam::123456789012:role/" + string(make([]byte, 65)),
	"arn:aws:iam::123456789012:role/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"arn:aws:iam::123456789012:role/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"us-east-1", "us-gov-west-1", "eu-south-2", "cn-north-1", "us-east-", "us--east-1", "use-east-1", "u-east-1", "us-1",
	"us-east-1a", "US-east-1", "us-east-1\n", "123456", "12345", "1234567", "12345a", "alice@example.com", "a+b=c,d.e@f-g_h",
	"arn:aws:iam::111111111111:mfa/alice", "ext:id/with-slash",
}

func FuzzCharsMatchRegexps(f *testing.F) {
	for _, s := range charSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkChars(t, s) })
}

func TestCharsMatchRegexps(t *testing.T) {
	for _, s := range charSeeds {
		checkChars(t, s)
	}
}

func checkChars(t *testing.T, s string) {
	t.Helper()
	for _, c := range []struct {
		name string
		got  bool
		re   *regexp.Regexp
	}{
		{"session name", onlyWordOr(s, sessionNameExtra), reSessionName},
		{"external id", onlyWordOr(s, externalIDExtra), reExternalID},
		{"serial", onlyWordOr(s, serialExtra), reSerial},
		{"token code", isDigits(s, 6), reTokenCode},
		{"role name or path", isRoleNameOrPath(s), reRoleOrPath},
		{"region", isRegion(s), reRegion},
	} {
		if want := c.re.MatchString(s); c.got != want {
			t.Errorf("%s %q: loop says %v, %s says %v", c.name, s, c.got, c.re, want)
		}
	}
	p, a, n, ok := parseRoleARN(s)
	m := reRoleARN.FindStringSubmatch(s)
	if ok != (m != nil) || ok && (p != m[1] || a != m[2] || n != m[4]) {
		t.Errorf("role ARN %q: loop says %v %q %q %q, regexp says %q", s, ok, p, a, n, m)
	}
	if got, want := replaceInvalidNameChars(s), reInvalidName.ReplaceAllString(s, "-"); got != want {
		t.Errorf("sanitise %q: loop gives %q, regexp gives %q", s, got, want)
	}
}
