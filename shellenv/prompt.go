package shellenv

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// PromptSegment returns a short description of the assumed role for a shell
// prompt, such as "aws:(prod:read 47m)", from the environment the binary
// exported: AWS_ACCOUNT_NAME (or, when empty, AWS_ACCOUNT_ID), AWS_ACCOUNT_ROLE
// and AWS_CREDENTIAL_EXPIRATION (RFC 3339; AWS_SESSION_EXPIRATION as a
// fallback). The time left is shown as "47m", "2h05m" or "expired", and
// omitted when no expiration parses. It returns "" when neither an account nor
// a role is set.
//
// Characters other than letters, digits, marks, spaces and -_.@+=,/: are
// replaced by '_', so the segment carries no shell, prompt (% or \) or
// terminal escape sequences.
func PromptSegment(getenv func(string) string, now time.Time) string {
	account := getenv("AWS_ACCOUNT_NAME")
	if account == "" {
		account = getenv("AWS_ACCOUNT_ID")
	}
	role := getenv("AWS_ACCOUNT_ROLE")
	if account == "" && role == "" {
		return ""
	}
	label := sanitizePrompt(account)
	if role != "" {
		if label != "" {
			label += ":"
		}
		label += sanitizePrompt(role)
	}
	for _, key := range []string{"AWS_CREDENTIAL_EXPIRATION", "AWS_SESSION_EXPIRATION"} {
		if exp, err := time.Parse(time.RFC3339, getenv(key)); err == nil {
			// Whole seconds on both sides, as the shell function computes it with the shell's clock:
			// otherwise the two disagree by a minute whenever now's second equals the expiry's.
			label += " " + timeLeft(exp.Truncate(time.Second).Sub(now.Truncate(time.Second)))
			break
		}
	}
	return "aws:(" + label + ")"
}

// timeLeft formats d, rounded down to the minute.
func timeLeft(d time.Duration) string {
	if d <= 0 {
		return "expired"
	}
	m := int(d / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}

func sanitizePrompt(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || strings.ContainsRune("-_.@+=,/:", r):
			return r
		case r == unicode.ReplacementChar:
			return '_'
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			return r
		}
		return '_'
	}, s)
}
