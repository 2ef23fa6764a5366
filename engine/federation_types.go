package engine

// SAMLSource says where a SAML assertion comes from: given directly (any IdP), or fetched from an
// IdP endpoint with coinbase's JSON contract.
type SAMLSource struct {
	Assertion []byte // base64 or raw XML, as read from --saml-assertion; secret
	Role      string // role to pick from the assertion by name, account/name or ARN (when RoleARN is unset)

	IdPURL        string // SAML_IDP_ASSERTION_URL
	IdPName       string // SAML_IDP_NAME: the provider is arn:aws:iam::ACCOUNT:saml-provider/NAME
	BodyTemplate  string // SAML_IDP_REQUEST_BODY_TEMPLATE
	Username      string
	Password      string // secret
	AllowInsecure bool   // --allow-insecure-idp

	// AccountNames maps account IDs to aliases (from ~/.aws/accounts) for the role picker.
	AccountNames map[string]string

	// Credentials returns the user name and password when they are not set (from SAML_FILE /
	// ~/.saml/credentials or a prompt). Called only when the IdP must be asked.
	Credentials func() (user, password string, err error)
}
