package engine

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestRedactParamsAllowList: only the parameters of shownParams show their values; every other
// one, known secret or unknown, shows its name only.
func TestRedactParamsAllowList(t *testing.T) {
	// The shapes of SSO GetRoleCredentials and SSO OIDC CreateToken inputs.
	type getRoleCredentials struct{ AccessToken, AccountId, RoleName *string }
	type createToken struct{ ClientId, ClientSecret, RefreshToken, GrantType *string }
	type future struct{ SomethingNew, RoleArn *string }
	cases := []struct {
		in      any
		shown   []string
		secrets []string
	}{
		{&getRoleCredentials{aws.String("bearer-SECRET"), aws.String("111111111111"), aws.String("admin")},
			[]string{`AccessToken="<redacted>"`, `AccountId="111111111111"`, `RoleName="admin"`}, []string{"bearer-SECRET"}},
		{&createToken{aws.String("client"), aws.String("client-SECRET"), aws.String("refresh-SECRET"), aws.String("refresh_token")},
			[]string{`ClientSecret="<redacted>"`, `RefreshToken="<redacted>"`}, []string{"client-SECRET", "refresh-SECRET"}},
		{&future{aws.String("new-SECRET"), aws.String("arn:aws:iam::1:role/r")},
			[]string{`SomethingNew="<redacted>"`, `RoleArn="arn:aws:iam::1:role/r"`}, []string{"new-SECRET"}},
		{&sts.AssumeRoleWithWebIdentityInput{WebIdentityToken: aws.String("eyJ-SECRET"), RoleArn: aws.String("arn:aws:iam::1:role/r"), ProviderId: aws.String("accounts.google.com")},
			[]string{`WebIdentityToken="<redacted>"`, `ProviderId="accounts.google.com"`}, []string{"eyJ-SECRET"}},
		{&sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::1:role/r"), Policy: aws.String(`{"Version":"2012-10-17"}`), DurationSeconds: aws.Int32(900)},
			[]string{`Policy="{\"Version\":\"2012-10-17\"}"`, "DurationSeconds=900"}, nil},
	}
	for _, c := range cases {
		got := redactParams(c.in)
		for _, s := range c.shown {
			if !strings.Contains(got, s) {
				t.Errorf("%T: %s lacks %s", c.in, got, s)
			}
		}
		for _, s := range c.secrets {
			if strings.Contains(got, s) {
				t.Errorf("%T: %s shows %s", c.in, got, s)
			}
		}
	}
}
