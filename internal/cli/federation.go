package cli

import (
	"errors"
	"io"
	"strings"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/internal/safefile"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/saml"
	"github.com/spf13/pflag"
)

// maxAssertionInput bounds what --saml-assertion reads (a SAML response is a few kilobytes).
const maxAssertionInput = saml.MaxAssertionSize * 2

// federationFlags select SAML or web identity sign-in.
type federationFlags struct {
	samlAssertion        string
	allowInsecureIdP     bool
	webIdentityTokenFile string
	idp                  string // --idp onelogin|okta
	mfaDevice            string
	rememberPassword     bool
	role                 *string // -R, owned by targetFlags
	noInputFlag          *bool   // --no-input, owned by targetFlags
}

func (f *federationFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.samlAssertion, "saml-assertion", "", "sign in with this SAML response (base64 or XML) from any IdP: FILE, or - for stdin")
	fs.BoolVar(&f.allowInsecureIdP, "allow-insecure-idp", false, "allow a plain http SAML_IDP_ASSERTION_URL on another host (the password travels in clear)")
	fs.StringVar(&f.idp, "idp", "", "sign in at this identity provider directly: onelogin or okta (env AWS_ASSUME_ROLE_AUTH_SCHEME)")
	fs.StringVar(&f.mfaDevice, "mfa-device", "", "with --idp: the MFA device (ID or name) to use without asking")
	fs.BoolVar(&f.rememberPassword, "remember-password", false, "with --idp: keep the IdP password in the cache's keyring backend after a successful sign-in")
	fs.StringVar(&f.webIdentityTokenFile, "web-identity-token-file", "", "sign in with the OIDC token in FILE (AssumeRoleWithWebIdentity; env AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN)")
}

func (f *federationFlags) noInput(sio *IO) bool {
	if sio.Getenv("ASSUME_ROLE_NO_INPUT") != "" {
		return true
	}
	return f.noInputFlag != nil && *f.noInputFlag
}

// apply fills tg.req.SAML or tg.req.WebIdentityTokenFile; federated reports whether one is used.
// The SAML scheme is coinbase's (AWS_ASSUME_ROLE_AUTH_SCHEME=saml and SAML_IDP_* variables) or any
// IdP's assertion given with --saml-assertion; web identity comes from --web-identity-token-file
// or, when no other target is given, AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN.
func (f *federationFlags) apply(sio *IO, tg *target, pos positional) (federated bool, err error) {
	vendor := strings.ToLower(strings.TrimSpace(f.idp))
	if scheme := strings.ToLower(strings.TrimSpace(sio.Getenv("AWS_ASSUME_ROLE_AUTH_SCHEME"))); vendor == "" && (scheme == "onelogin" || scheme == "okta") {
		vendor = scheme
	}
	if vendor != "" {
		return true, f.applyVendor(sio, tg, vendor)
	}
	if f.mfaDevice != "" || f.rememberPassword {
		return false, problem.New(problem.Usage, "--mfa-device and --remember-password apply to a OneLogin or Okta sign-in").
			WithHint("add --idp onelogin|okta, or set AWS_ASSUME_ROLE_AUTH_SCHEME")
	}
	samlScheme := strings.EqualFold(strings.TrimSpace(sio.Getenv("AWS_ASSUME_ROLE_AUTH_SCHEME")), "saml")
	useSAML := samlScheme || f.samlAssertion != ""
	switch {
	case useSAML && f.webIdentityTokenFile != "":
		return false, problem.New(problem.Usage, "--web-identity-token-file cannot be combined with SAML sign-in").
			WithHint("use one of --saml-assertion (or AWS_ASSUME_ROLE_AUTH_SCHEME=saml) and --web-identity-token-file")
	case useSAML:
		return true, f.applySAML(sio, tg, pos)
	case f.webIdentityTokenFile != "":
		return true, f.applyWebIdentity(sio, tg, pos, f.webIdentityTokenFile)
	}
	file, role := sio.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), sio.Getenv("AWS_ROLE_ARN")
	if file != "" && role != "" && (f.role == nil || *f.role == "") && tg.req.Profile == "" && pos.account == "" {
		return true, f.applyWebIdentity(sio, tg, pos, file)
	}
	return false, nil
}

func (f *federationFlags) applyWebIdentity(sio *IO, tg *target, pos positional, file string) error {
	if tg.req.Profile != "" {
		return problem.New(problem.Usage, "--web-identity-token-file cannot be combined with -p/--profile").
			WithHint("a profile's web_identity_token_file and role_arn are used with -p alone")
	}
	tg.req.WebIdentityTokenFile = file
	if (f.role == nil || *f.role == "") && pos.account == "" {
		role := sio.Getenv("AWS_ROLE_ARN")
		if role == "" {
			return problem.New(problem.Usage, "web identity sign-in needs a role").
				WithHint("give -R/--role ARN or ACCOUNT ROLE, or set AWS_ROLE_ARN")
		}
		tg.req.RoleARN = role
	}
	return nil
}

func (f *federationFlags) applySAML(sio *IO, tg *target, pos positional) error {
	if pos.token != "" || tg.req.TokenCode != "" {
		return problem.New(problem.Usage, "SAML sign-in takes no MFA code: your IdP handles MFA").
			WithHint("assume-role ACCOUNT ROLE [REGION]")
	}
	if tg.req.Profile != "" {
		return problem.New(problem.Usage, "-p/--profile cannot be combined with SAML sign-in").
			WithHint("give ACCOUNT ROLE or -R ARN to choose a role of the assertion")
	}
	if f.samlAssertion != "" {
		b, err := readAssertion(sio, f.samlAssertion)
		if err != nil {
			return err
		}
		tg.req.SAML = &engine.SAMLSource{AllowInsecure: f.allowInsecureIdP, Assertion: b}
		return nil
	}
	// coinbase's scheme: the engine reads the IdP settings and the SAML credentials file, and asks
	// for what is missing on the terminal when the sign-in needs it.
	eng, err := f.engine(sio)
	if err != nil {
		return err
	}
	src, err := eng.CoinbaseSAML(f.allowInsecureIdP)
	if err != nil {
		return err
	}
	tg.req.SAML = src
	return nil
}

// readAssertion reads --saml-assertion: a file, or stdin for "-".
func readAssertion(sio *IO, name string) ([]byte, error) {
	var r io.Reader
	what := name
	if name == "-" {
		if sio.In == nil {
			return nil, problem.New(problem.Usage, "--saml-assertion -: no standard input")
		}
		r, what = sio.In, "standard input"
	} else {
		fh, _, err := safefile.Open(name, maxAssertionInput)
		if errors.Is(err, safefile.ErrNotRegular) || errors.Is(err, safefile.ErrTooLarge) {
			return nil, problem.Wrap(problem.Usage, err, "--saml-assertion: %s", err.Error()).
				WithHint("pass a regular file, or - to read the assertion from standard input")
		}
		if err != nil {
			return nil, problem.Wrap(problem.Usage, err, "cannot read the SAML assertion file %s", name).
				WithHint("pass a readable file, or - to read the assertion from standard input")
		}
		defer fh.Close()
		r = fh
	}
	b, err := io.ReadAll(io.LimitReader(r, maxAssertionInput+1))
	switch {
	case err != nil:
		return nil, problem.Wrap(problem.Usage, err, "cannot read the SAML assertion from %s", what)
	case len(b) > maxAssertionInput:
		return nil, problem.New(problem.Usage, "the SAML assertion in %s is larger than %d bytes", what, maxAssertionInput)
	case len(strings.TrimSpace(string(b))) == 0:
		return nil, problem.New(problem.Usage, "the SAML assertion in %s is empty", what).
			WithHint("pass the SAMLResponse your IdP posts to https://signin.aws.amazon.com/saml (base64 or XML)")
	}
	return b, nil
}

// engine is a light engine (no cache) that reads the SAML settings; its prompts are the command's.
func (f *federationFlags) engine(sio *IO) (*engine.Engine, error) {
	o := engine.Options{Getenv: sio.Getenv, Now: sio.Now, Warn: sio.Err}
	if !f.noInput(sio) {
		o.Prompter = sio.Prompter
	}
	return engine.New(o), nil
}

// applyVendor prepares a direct OneLogin or Okta sign-in (--idp, AWS_ASSUME_ROLE_AUTH_SCHEME); the
// engine reads the vendor's configuration. ~/.saml/credentials (or SAML_FILE) may hold the username
// and password, as for coinbase's scheme.
func (f *federationFlags) applyVendor(sio *IO, tg *target, vendor string) error {
	switch {
	case vendor != "onelogin" && vendor != "okta":
		return problem.New(problem.Usage, "unknown identity provider %q", vendor).WithHint("use --idp onelogin or --idp okta")
	case f.samlAssertion != "" || f.webIdentityTokenFile != "":
		return problem.New(problem.Usage, "--idp %s cannot be combined with --saml-assertion or --web-identity-token-file", vendor)
	case tg.req.Profile != "":
		return problem.New(problem.Usage, "-p/--profile cannot be combined with a %s sign-in", vendor).
			WithHint("give ACCOUNT ROLE or -R ARN to choose a role of the assertion")
	}
	eng, err := f.engine(sio)
	if err != nil {
		return err
	}
	src, err := eng.IdPSAML(&engine.IdPSource{Vendor: vendor, MFADevice: f.mfaDevice, RememberPassword: f.rememberPassword})
	if err != nil {
		return err
	}
	tg.req.SAML = src
	return nil
}
