package testidp

import (
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/saml"
	"github.com/assume-role/assume-role/stslimits"
)

// Mint returns a base64 SAML response for user granting roles, valid for validity (default five
// minutes), that the STS emulator accepts. Used by the OneLogin and Okta doubles.
func Mint(user string, roles []saml.Role, sessionDuration int, validity time.Duration) string {
	if validity == 0 {
		validity = 5 * time.Minute
	}
	values := make([]string, 0, len(roles))
	for _, r := range roles {
		values = append(values, r.RoleARN+","+r.PrincipalARN)
	}
	return stsemu.MintSAMLAssertion(stsemu.SAMLAssertionOptions{
		Subject:         user,
		Roles:           values,
		RoleSessionName: stslimits.SanitizeSessionName(user),
		SessionDuration: sessionDuration,
		NotOnOrAfter:    time.Now().Add(validity),
	})
}
