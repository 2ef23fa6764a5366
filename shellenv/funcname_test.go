package shellenv

import (
	"regexp"
	"testing"
)

// validFuncName replaced a regular expression compiled at init; it must accept and reject
// exactly what the expression did.
func TestValidFuncNameMatchesRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+-]*$`)
	cases := []string{
		"", "a", "A", "0", "_", "assume-role", "assume_role", "ar.v2", "c++", "x-1.2+3",
		".", "-a", "+a", ".hidden", "a b", "a\n", "\na", "a/b", `a\b`, "a$", "é", "aé", "a\x00",
		"a\t", "ASSUME-ROLE", "a..", "a--", "__", "9lives",
	}
	// Every one- and two-byte string, so that each byte is tried first and after a valid byte.
	for b := range 256 {
		cases = append(cases, string([]byte{byte(b)}), string([]byte{'a', byte(b)}), string([]byte{byte(b), 'a'}))
	}
	for _, s := range cases {
		if got, want := validFuncName(s), re.MatchString(s); got != want {
			t.Errorf("validFuncName(%q) = %v, regexp says %v", s, got, want)
		}
	}
}
