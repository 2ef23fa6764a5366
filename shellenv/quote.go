package shellenv

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// Quote returns s as a single literal word in the syntax of sh, so that the
// shell reads back exactly s and expands nothing in it.
//
//   - Bash, Zsh (and any unknown Shell): a single-quoted string, in which
//     each single quote is closed, backslash-escaped and reopened.
//   - Fish: a single-quoted string, with \ and ' backslash-escaped.
//   - PowerShell: a single-quoted string with ' doubled when s is printable
//     ASCII; otherwise a parenthesised concatenation of such strings and
//     [char]0xHHHH casts (one per UTF-16 code unit), so the output is pure
//     ASCII and survives any console code page and line-ending translation.
//     Invalid UTF-8 bytes become U+FFFD, as PowerShell strings are UTF-16.
//   - Env: s unchanged (the env-file format has no quoting).
//
// No shell can hold a NUL byte in a variable; Render rejects such values.
func Quote(sh Shell, s string) string {
	switch sh {
	case Fish:
		return quoteFish(s)
	case PowerShell:
		return quotePowerShell(s)
	case Env:
		return s
	default:
		return quotePOSIX(s)
	}
}

// quotePOSIX wraps s in single quotes; inside them every byte is literal, so
// the only character to handle is ' itself: close, escape it, reopen.
func quotePOSIX(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quoteFish wraps s in fish single quotes, where \\ and \' are the only escapes.
func quoteFish(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// quotePowerShell quotes s for PowerShell. Inside single quotes PowerShell
// ends the string at any of ' ‘ ’ ‚ ‛, so literal parts are restricted to
// printable ASCII (where only ' needs doubling) and everything else is cast
// from its UTF-16 code units.
func quotePowerShell(s string) string {
	if isPrintableASCII(s) {
		return psLiteral(s)
	}
	var parts []string
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, psLiteral(lit.String()))
			lit.Reset()
		}
	}
	for _, r := range s { // invalid UTF-8 decodes to U+FFFD here
		if r >= 0x20 && r < 0x7f {
			lit.WriteRune(r)
			continue
		}
		flush()
		for _, u := range utf16.Encode([]rune{r}) {
			parts = append(parts, fmt.Sprintf("[char]0x%04X", u))
		}
	}
	flush()
	if !strings.HasPrefix(parts[0], "'") {
		// '' + [char]… makes the whole sum a string concatenation.
		parts = append([]string{"''"}, parts...)
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

// psLiteral returns a PowerShell single-quoted string for printable ASCII s.
func psLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
