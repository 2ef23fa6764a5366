package shellenv

import (
	"strings"
	"testing"
)

// hostileValues are values that would run code, expand, split or vanish if
// they were not quoted correctly, in any of the supported shells.
func hostileValues(dir string) []string {
	return []string{
		`'`, `''`, `"`, `$(touch PWNED)`, "`touch PWNED`", `$(touch ` + dir + `/PWNED)`,
		`'; touch PWNED; echo '`, `\'; touch PWNED; echo \'`, `'\''`, `(touch PWNED)`,
		`"; touch PWNED; echo "`, `$HOME`, `${HOME}`, `$argv`, `$Env:PATH`, `\`, `\'`, `\\'`, `a\`,
		`!`, `!!`, `!-1`, `%`, `%s%n`, `*`, `?`, `[a]`, `{a,b}`, `~`, `~root`, `;`, `&&`, `|`,
		`#comment`, `end`, `)`, "\n", "a\nb", "a\n", "\n\n", "\ttab", "\r", "a\r\nb",
		"héllo wörld", "日本語", "🔐😀", "’; touch PWNED; ‘", "\x1b[31mred", "\x7f",
		"-n", "-e", "-", "--", "--help", "", " ", "  leading", "trailing  ",
		strings.Repeat("a'b\"c$d\\e`f(g)\n", 10*1024/15),
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		sh   Shell
		in   string
		want string
	}{
		{Bash, "", `''`},
		{Bash, "plain", `'plain'`},
		{Bash, "it's", `'it'\''s'`},
		{Bash, `a\b $x`, `'a\b $x'`},
		{Bash, "a\nb", "'a\nb'"},
		{Zsh, "it's", `'it'\''s'`},
		{Shell("sh"), "it's", `'it'\''s'`},
		{Fish, "", `''`},
		{Fish, "it's", `'it\'s'`},
		{Fish, `a\b`, `'a\\b'`},
		{Fish, `\'`, `'\\\''`},
		{Fish, "$x (y)", `'$x (y)'`},
		{PowerShell, "", `''`},
		{PowerShell, "it's", `'it''s'`},
		{PowerShell, "$x `y`", "'$x `y`'"},
		{PowerShell, "é", `('' + [char]0x00E9)`},
		{PowerShell, "a’b", `('a' + [char]0x2019 + 'b')`},
		{PowerShell, "a\nb", `('a' + [char]0x000A + 'b')`},
		{PowerShell, "😀", `('' + [char]0xD83D + [char]0xDE00)`},
		{PowerShell, "\xff", `('' + [char]0xFFFD)`},
		{Env, "a b'c", "a b'c"},
	}
	for _, tt := range tests {
		if got := Quote(tt.sh, tt.in); got != tt.want {
			t.Errorf("Quote(%s, %q) = %q, want %q", tt.sh, tt.in, got, tt.want)
		}
	}
}

func TestQuoteRoundTripHostile(t *testing.T) {
	for _, v := range hostileValues("/tmp/x") {
		checkPOSIXRoundTrip(t, v)
		checkFishRoundTrip(t, v)
		checkPowerShellRoundTrip(t, v)
	}
}

func TestDecodersRejectUnsafeQuoting(t *testing.T) {
	// The decoders must be able to fail, or the fuzz tests prove nothing.
	for _, q := range []string{``, `a`, `'a`, `'a'b`, `'a' 'b'`, "\\\n"} {
		if _, err := decodePOSIX(q); err == nil {
			t.Errorf("decodePOSIX(%q) accepted unsafe input", q)
		}
	}
	for _, q := range []string{``, `a`, `'a`, `'a\'`, `'a'b`} {
		if _, err := decodeFish(q); err == nil {
			t.Errorf("decodeFish(%q) accepted unsafe input", q)
		}
	}
	for _, q := range []string{``, `a`, `'a`, `'a’b'`, `('a' + $x)`, `('a' + [char]0x10000)`, `('a'`, `'a' + 'b'`} {
		if _, err := decodePowerShell(q); err == nil {
			t.Errorf("decodePowerShell(%q) accepted unsafe input", q)
		}
	}
	if got, err := decodePowerShell("'a‘’b'"); err != nil || got != "a’b" {
		t.Errorf("decodePowerShell of doubled typographic quote = %q, %v; want \"a’b\"", got, err)
	}
}

func checkPOSIXRoundTrip(t *testing.T, s string) {
	t.Helper()
	q := Quote(Bash, s)
	got, err := decodePOSIX(q)
	if err != nil || got != s {
		t.Fatalf("bash: Quote(%q) = %q decodes to %q, %v", s, q, got, err)
	}
}

func checkFishRoundTrip(t *testing.T, s string) {
	t.Helper()
	q := Quote(Fish, s)
	got, err := decodeFish(q)
	if err != nil || got != s {
		t.Fatalf("fish: Quote(%q) = %q decodes to %q, %v", s, q, got, err)
	}
}

func checkPowerShellRoundTrip(t *testing.T, s string) {
	t.Helper()
	q := Quote(PowerShell, s)
	if !isPrintableASCII(q) {
		t.Fatalf("powershell: Quote(%q) = %q is not printable ASCII", s, q)
	}
	want := string([]rune(s)) // PowerShell strings are UTF-16: invalid bytes become U+FFFD
	got, err := decodePowerShell(q)
	if err != nil || got != want {
		t.Fatalf("powershell: Quote(%q) = %q decodes to %q, %v; want %q", s, q, got, err, want)
	}
}

func addSeeds(f *testing.F) {
	for _, v := range hostileValues("/tmp/x") {
		f.Add(v)
	}
	f.Add("\x00")
	f.Add("\xff\xfe")
	f.Add("\xed\xa0\x80") // an encoded surrogate: invalid UTF-8
}

func FuzzQuoteBash(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkPOSIXRoundTrip)
}

func FuzzQuoteFish(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkFishRoundTrip)
}

func FuzzQuotePowerShell(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkPowerShellRoundTrip)
}
