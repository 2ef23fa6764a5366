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

	// CredentialsFile names the file Username and Password came from, for messages.
	CredentialsFile string

	// IdP, when set, signs in at OneLogin or Okta directly.
	IdP *IdPSource

	// Credentials returns the user name and password when they are not set (from SAML_FILE /
	// ~/.saml/credentials or a prompt). Called only when the IdP must be asked.
	Credentials func() (user, password string, err error)

	// Unattended: a sign-in may not prompt (no password, MFA code, device or push approval asked
	// for); it fails with a clear error instead. Set for the targets of a fan-out after the one
	// interactive sign-in, so that a refresh after the assertion expired never blocks on a prompt.
	Unattended bool
	// Shared, when set, holds the assertion of coinbase's scheme for the requests of a fan-out:
	// reused while valid instead of signing in at the IdP again.
	Shared *SharedAssertion
}

// IdPSource is a direct sign-in at OneLogin or Okta (AWS_ASSUME_ROLE_AUTH_SCHEME=onelogin|okta,
// --idp): the engine reads the vendor's configuration (its file in the user's configuration
// folder and ONELOGIN_*/OKTA_* variables, through Options.Getenv), signs in, handles MFA and hands
// the assertion to the SAML path. SAMLSource.Username and Password, when set (~/.saml/credentials),
// are used before a prompt.
type IdPSource struct {
	Vendor           string // "onelogin" or "okta"
	MFADevice        string // --mfa-device: the device (ID or name) to use without asking
	RememberPassword bool   // --remember-password: keep the password in the cache's keyring backend
}
