// Package stslimits validates AssumeRole-family parameters against STS's own limits before any
// network call. The AWS SDK for Go checks only that required fields are present; STS would reject
// the rest with a terse ValidationError after a round trip. Every error names the offending flag
// and value (never a secret: token codes are not echoed).
package stslimits

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// Only the rarely used checks compile a regular expression, and only on first use: a process
// start must not pay for patterns it never needs (they were the most expensive package
// initialiser of the binary). The checks on the path of every switch are plain loops; the tests
// compare each of them with the regular expression it replaces.
var (
	samlProvPattern  = lazy(`^arn:aws[a-z-]*:iam::[0-9]{12}:saml-provider/[\w+=,.@-]{1,128}$`)
	policyARNPattern = lazy(`^arn:[a-z-]+:iam::(aws|[0-9]{12}):policy/.+$`)
	tagChars         = lazy(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

const webIdentityPolicy = 2048

// lazy compiles a pattern on first use.
func lazy(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

// Error is a validation failure for one parameter.
type Error struct {
	Flag  string // the flag or field, e.g. "--external-id"
	Value string // the offending value, "" when it must not be echoed
	Rule  string // what STS accepts
}

func (e *Error) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("invalid %s: %s", e.Flag, e.Rule)
	}
	return fmt.Sprintf("invalid %s %q: %s", e.Flag, e.Value, e.Rule)
}

func fail(flag, value, rule string) error { return &Error{Flag: flag, Value: value, Rule: rule} }

// Duration limits in seconds.
const (
	MinDuration            = 900
	MaxRoleDuration        = 43200
	MaxSessionTokenSeconds = 129600
	ChainedRoleMaxSeconds  = 3600
)

// RoleARN checks a role ARN and returns its partition, account ID and role name (without path).
func RoleARN(flag, arn string) (partition, account, name string, err error) {
	if n := len(arn); n < 20 || n > 2048 {
		return "", "", "", fail(flag, arn, "a role ARN is 20 to 2048 characters, like arn:aws:iam::123456789012:role/NAME")
	}
	partition, account, name, ok := parseRoleARN(arn)
	if !ok {
		return "", "", "", fail(flag, arn, "expected a role ARN like arn:aws:iam::123456789012:role/NAME")
	}
	return partition, account, name, nil
}

// RoleName checks a role name that may include a path (ops/deploy).
func RoleName(flag, s string) error {
	if !isRoleNameOrPath(strings.TrimPrefix(s, "/")) {
		return fail(flag, s, "a role name is 1 to 64 characters of letters, digits and +=,.@_- (optionally after a path like ops/)")
	}
	return nil
}

// SAMLProviderARN checks a SAML provider ARN.
func SAMLProviderARN(flag, arn string) error {
	if !samlProvPattern().MatchString(arn) {
		return fail(flag, arn, "expected a SAML provider ARN like arn:aws:iam::123456789012:saml-provider/NAME")
	}
	return nil
}

// SessionName checks a role session name: 2-64 characters of [\w+=,.@-].
func SessionName(flag, s string) error {
	if len(s) < 2 || len(s) > 64 || !onlyWordOr(s, sessionNameExtra) {
		return fail(flag, s, "2 to 64 characters of letters, digits and +=,.@_-")
	}
	return nil
}

// SanitizeSessionName turns any name (an IAM user name, an e-mail, a session name) into a valid
// role session name: invalid characters become '-', the result is cut to 64 characters and padded
// to at least 2.
func SanitizeSessionName(s string) string {
	s = replaceInvalidNameChars(s)
	if len(s) > 64 {
		s = s[:64]
	}
	for len(s) < 2 {
		s += "-"
	}
	return s
}

// ExternalID checks an external ID: 2-1224 characters of [\w+=,.@:/-].
func ExternalID(flag, s string) error {
	if len(s) < 2 || len(s) > 1224 || !onlyWordOr(s, externalIDExtra) {
		return fail(flag, s, "2 to 1224 characters of letters, digits and +=,.@:/_-")
	}
	return nil
}

// SerialNumber checks an MFA device serial number or ARN.
func SerialNumber(flag, s string) error {
	if len(s) < 9 || len(s) > 256 || !onlyWordOr(s, serialExtra) {
		return fail(flag, s, "an MFA device ARN (arn:aws:iam::123456789012:mfa/NAME) or hardware serial, 9 to 256 characters")
	}
	return nil
}

// TokenCode checks an MFA code. The value is never echoed.
func TokenCode(flag, s string) error {
	if !isDigits(s, 6) {
		return fail(flag, "", "an MFA code is exactly 6 digits")
	}
	return nil
}

// Duration checks seconds against [min, max].
func Duration(flag string, seconds, min, max int) error {
	if seconds < min || seconds > max {
		return fail(flag, fmt.Sprint(seconds), fmt.Sprintf("must be between %d and %d seconds", min, max))
	}
	return nil
}

// SourceIdentity checks a source identity: 2-64 of [\w+=,.@-], not starting with "aws:".
func SourceIdentity(flag, s string) error {
	if len(s) < 2 || len(s) > 64 || !onlyWordOr(s, sessionNameExtra) || strings.HasPrefix(strings.ToLower(s), "aws:") {
		return fail(flag, s, "2 to 64 characters of letters, digits and +=,.@_-, not starting with aws:")
	}
	return nil
}

// PolicyARNs checks the managed policy list (at most 10 ARNs).
func PolicyARNs(flag string, arns []string) error {
	if len(arns) > 10 {
		return fail(flag, fmt.Sprint(len(arns)), "at most 10 managed policy ARNs")
	}
	for _, a := range arns {
		if len(a) < 20 || len(a) > 2048 || !policyARNPattern().MatchString(a) {
			return fail(flag, a, "expected a policy ARN like arn:aws:iam::aws:policy/ReadOnlyAccess")
		}
	}
	return nil
}

// Policy checks an inline session policy: valid JSON, at most 2048 characters once whitespace
// outside strings is removed (STS counts the plaintext), together with the managed ARNs.
func Policy(flag, doc string, arns []string) error {
	if doc == "" {
		return nil
	}
	if !json.Valid([]byte(doc)) {
		return fail(flag, "", "the session policy is not valid JSON")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(doc)); err != nil {
		return fail(flag, "", "the session policy is not valid JSON")
	}
	total := utf8.RuneCount(compact.Bytes())
	for _, a := range arns {
		total += len(a)
	}
	if total > webIdentityPolicy {
		return fail(flag, "", fmt.Sprintf("session policies may hold at most 2048 characters together (this one has %d)", total))
	}
	return nil
}

// Tag is a session tag.
type Tag struct{ Key, Value string }

// ParseTag parses Key=Value.
func ParseTag(flag, s string) (Tag, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return Tag{}, fail(flag, s, "expected Key=Value")
	}
	return Tag{Key: k, Value: v}, nil
}

// Tags checks session tags and transitive keys.
func Tags(flag string, tags []Tag, transitive []string) error {
	if len(tags) > 50 {
		return fail(flag, fmt.Sprint(len(tags)), "at most 50 session tags")
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 || !tagChars().MatchString(t.Key) {
			return fail(flag, t.Key, "a tag key is 1 to 128 letters, digits, spaces and _.:/=+-@")
		}
		if n := utf8.RuneCountInString(t.Value); n > 256 || !tagChars().MatchString(t.Value) {
			return fail(flag, t.Key+"="+t.Value, "a tag value is at most 256 letters, digits, spaces and _.:/=+-@")
		}
		lk := strings.ToLower(t.Key)
		if seen[lk] {
			return fail(flag, t.Key, "tag keys are case-insensitive and must be unique")
		}
		seen[lk] = true
	}
	if len(transitive) > 50 {
		return fail("--transitive-tag-keys", fmt.Sprint(len(transitive)), "at most 50 keys")
	}
	for _, k := range transitive {
		if !seen[strings.ToLower(k)] {
			return fail("--transitive-tag-keys", k, "each transitive key must be one of the --tags keys")
		}
	}
	return nil
}

// Region checks a region name shape (us-east-1, eu-south-2, cn-north-1, us-gov-west-1).
func Region(flag, r string) error {
	if !isRegion(r) {
		return fail(flag, r, "expected a region name like us-east-1")
	}
	return nil
}

// PartitionForRegion returns the partition a region belongs to.
func PartitionForRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	default:
		return "aws"
	}
}
