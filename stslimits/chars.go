package stslimits

import (
	"strings"
	"unicode/utf8"
)

// The character sets STS documents, as plain loops. Each function states the regular expression
// it is equal to (RE2 syntax: \w is ASCII [0-9A-Za-z_]); chars_test.go checks the equality on
// tables and by fuzzing.

const (
	sessionNameExtra = "+=,.@-"   // [\w+=,.@-]
	externalIDExtra  = "+=,.@:/-" // [\w+=,.@:/-]
	serialExtra      = "+=/:,.@-" // [\w+=/:,.@-]
)

// rolePartitions are the partitions a role ARN may name.
var rolePartitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// onlyWordOr is ^[\w<extra>]*$ for an ASCII extra: every byte is a word character or in extra.
// A non-ASCII byte never matches, as in the regular expression.
func onlyWordOr(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isWordByte(c) && (c >= utf8.RuneSelf || strings.IndexByte(extra, c) < 0) {
			return false
		}
	}
	return true
}

// isDigits is ^[0-9]{n}$.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isLower is ^[a-z]+$.
func isLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}

// isRegion is ^[a-z]{2}(-[a-z]+)+-[0-9]+$.
func isRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 3 || len(parts[0]) != 2 || !isLower(parts[0]) {
		return false
	}
	for _, p := range parts[1 : len(parts)-1] {
		if !isLower(p) {
			return false
		}
	}
	last := parts[len(parts)-1]
	return last != "" && isDigits(last, len(last))
}

// isRoleName is ^[\w+=,.@-]{1,64}$.
func isRoleName(s string) bool {
	return len(s) >= 1 && len(s) <= 64 && onlyWordOr(s, sessionNameExtra)
}

// isRoleNameOrPath is ^((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$: a name after any number of
// non-empty path segments.
func isRoleNameOrPath(s string) bool {
	i := strings.LastIndexByte(s, '/')
	if !isRoleName(s[i+1:]) {
		return false
	}
	if i < 0 {
		return true
	}
	for _, seg := range strings.Split(s[:i], "/") {
		if seg == "" || !onlyWordOr(seg, sessionNameExtra) {
			return false
		}
	}
	return true
}

// parseRoleARN is
//
//	^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::([0-9]{12}):role/((?:[\x21-\x7e]+/)*)([\w+=,.@-]{1,64})$
//
// returning the first, second and fourth groups.
func parseRoleARN(arn string) (partition, account, name string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:")
	if !found {
		return "", "", "", false
	}
	partition, rest, found = strings.Cut(rest, ":")
	if !found || !knownPartition(partition) {
		return "", "", "", false
	}
	rest, found = strings.CutPrefix(rest, "iam::")
	if !found || len(rest) < 12 || !isDigits(rest[:12], 12) {
		return "", "", "", false
	}
	account = rest[:12]
	rest, found = strings.CutPrefix(rest[12:], ":role/")
	if !found {
		return "", "", "", false
	}
	// The name cannot hold '/', so it is what follows the last one; the path before it is empty
	// or at least two printable ASCII characters ending in '/' (one or more "[\x21-\x7e]+/").
	i := strings.LastIndexByte(rest, '/')
	name, path := rest[i+1:], rest[:i+1]
	if !isRoleName(name) || len(path) == 1 {
		return "", "", "", false
	}
	for j := 0; j < len(path); j++ {
		if path[j] < 0x21 || path[j] > 0x7e {
			return "", "", "", false
		}
	}
	return partition, account, name, true
}

func knownPartition(p string) bool {
	for _, k := range rolePartitions {
		if p == k {
			return true
		}
	}
	return false
}

// replaceInvalidNameChars is regexp.MustCompile(`[^\w+=,.@-]`).ReplaceAllString(s, "-"): every
// other character (a whole rune, or one byte of invalid UTF-8) becomes one '-'.
func replaceInvalidNameChars(s string) string {
	if onlyWordOr(s, sessionNameExtra) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isWordByte(c) || strings.IndexByte(sessionNameExtra, c) >= 0 {
				b.WriteByte(c)
			} else {
				b.WriteByte('-')
			}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteByte('-')
		i += size
	}
	return b.String()
}
