package shellenv

import (
	"testing"
	"time"
)

func TestPromptSegment(t *testing.T) {
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	in := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing", map[string]string{}, ""},
		{"only expiration", map[string]string{"AWS_CREDENTIAL_EXPIRATION": in(time.Hour)}, ""},
		{"minutes", map[string]string{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": in(47*time.Minute + 30*time.Second)}, "aws:(prod:read 47m)"},
		{"hours", map[string]string{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ROLE": "read", "AWS_CREDENTIAL_EXPIRATION": in(2*time.Hour + 5*time.Minute)}, "aws:(prod:read 2h05m)"},
		{"exactly one hour", map[string]string{"AWS_ACCOUNT_NAME": "p", "AWS_ACCOUNT_ROLE": "r", "AWS_CREDENTIAL_EXPIRATION": in(time.Hour)}, "aws:(p:r 1h00m)"},
		{"under a minute", map[string]string{"AWS_ACCOUNT_NAME": "p", "AWS_ACCOUNT_ROLE": "r", "AWS_CREDENTIAL_EXPIRATION": in(59 * time.Second)}, "aws:(p:r 0m)"},
		{"expired now", map[string]string{"AWS_ACCOUNT_NAME": "p", "AWS_ACCOUNT_ROLE": "r", "AWS_CREDENTIAL_EXPIRATION": in(0)}, "aws:(p:r expired)"},
		{"expired", map[string]string{"AWS_ACCOUNT_NAME": "p", "AWS_ACCOUNT_ROLE": "r", "AWS_CREDENTIAL_EXPIRATION": in(-time.Hour)}, "aws:(p:r expired)"},
		{"other zone", map[string]string{"AWS_ACCOUNT_NAME": "p", "AWS_ACCOUNT_ROLE": "r", "AWS_CREDENTIAL_EXPIRATION": "2026-11-03T13:10:00+01:00"}, "aws:(p:r 10m)"},
		{"session expiration fallback", map[string]string{"AWS_ACCOUNT_ROLE": "r", "AWS_ACCOUNT_NAME": "p", "AWS_SESSION_EXPIRATION": in(3 * time.Minute)}, "aws:(p:r 3m)"},
		{"account id fallback", map[string]string{"AWS_ACCOUNT_ID": "123456789012", "AWS_ACCOUNT_ROLE": "admin"}, "aws:(123456789012:admin)"},
		{"name wins over id", map[string]string{"AWS_ACCOUNT_NAME": "prod", "AWS_ACCOUNT_ID": "123456789012", "AWS_ACCOUNT_ROLE": "admin"}, "aws:(prod:admin)"},
		{"role only", map[string]string{"AWS_ACCOUNT_ROLE": "admin"}, "aws:(admin)"},
		{"account only", map[string]string{"AWS_ACCOUNT_NAME": "prod"}, "aws:(prod)"},
		{"bad expiration ignored", map[string]string{"AWS_ACCOUNT_NAME": "p", "AWS_ACCOUNT_ROLE": "r", "AWS_CREDENTIAL_EXPIRATION": "soon"}, "aws:(p:r)"},
		{"hostile names", map[string]string{"AWS_ACCOUNT_NAME": "pr%F{red}od$(id)\x1b[31m", "AWS_ACCOUNT_ROLE": "ré`x`\\n"}, "aws:(pr_F_red_od__id___31m:ré_x__n)"},
		{"unicode kept", map[string]string{"AWS_ACCOUNT_NAME": "Prod Konto ü", "AWS_ACCOUNT_ROLE": "role/path@x"}, "aws:(Prod Konto ü:role/path@x)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PromptSegment(func(k string) string { return tt.env[k] }, now)
			if got != tt.want {
				t.Errorf("PromptSegment = %q, want %q", got, tt.want)
			}
		})
	}
}
