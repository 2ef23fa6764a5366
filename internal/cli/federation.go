package cli

import (
	"errors"
	"fmt"
	"github.com/assume-role/assume-role/internal/safefile"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/assume-role/assume-role/accounts"
	"github.com/assume-role/assume-role/engine"
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
	role                 *string // -R, owned by targetFlags
	noInputFlag          *bool   // --no-input, owned by targetFlags
}

func (f *federationFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.samlAssertion, "saml-assertion", "", "sign in with this SAML response (base64 or XML) from any IdP: FILE, or - for stdin")
	fs.BoolVar(&f.allowInsecureIdP, "allow-insecure-idp", false, "allow a plain http SAML_IDP_ASSERTION_URL on another host (the password travels in clear)")
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
	src := &engine.SAMLSource{AllowInsecure: f.allowInsecureIdP, AccountNames: accountNames(sio.Getenv)}
	tg.req.SAML = src
	if f.samlAssertion != "" {
		b, err := readAssertion(sio, f.samlAssertion)
		if err != nil {
			return err
		}
		src.Assertion = b
		return nil
	}
	// coinbase's scheme: the assertion comes from the IdP.
	src.IdPURL = strings.TrimSpace(sio.Getenv("SAML_IDP_ASSERTION_URL"))
	src.IdPName = strings.TrimSpace(sio.Getenv("SAML_IDP_NAME"))
	for _, v := range []struct{ name, value string }{{"SAML_IDP_ASSERTION_URL", src.IdPURL}, {"SAML_IDP_NAME", src.IdPName}} {
		if v.value == "" {
			return problem.New(problem.Config, "AWS_ASSUME_ROLE_AUTH_SCHEME=saml needs %s", v.name).
				WithHint("export SAML_IDP_ASSERTION_URL (the IdP endpoint) and SAML_IDP_NAME (the IAM SAML provider name), or pass --saml-assertion FILE")
		}
	}
	src.BodyTemplate = sio.Getenv("SAML_IDP_REQUEST_BODY_TEMPLATE")
	if src.BodyTemplate == "" {
		src.BodyTemplate = saml.DefaultTemplate
	}
	path, explicit := sio.Getenv("SAML_FILE"), true
	if path == "" {
		path, explicit = filepath.Join(homeDir(sio.Getenv), ".saml", "credentials"), false
	}
	user, password, warn, err := saml.LoadCredentialsFile(path)
	if warn != "" {
		fmt.Fprintf(sio.Err, "assume-role: warning: %s\n", warn)
	}
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist) && !explicit:
	case err != nil && errors.Is(err, fs.ErrNotExist):
		return problem.New(problem.Config, "SAML_FILE %s does not exist", path).
			WithHint("create it with lines username = … and password = … (chmod 600), or unset SAML_FILE to be asked")
	case err != nil:
		return problem.Wrap(problem.Config, err, "cannot read the SAML credentials: %s", firstLine(err.Error())).
			WithHint("the file holds lines username = … and password = …")
	}
	src.Username, src.Password = user, password
	canPrompt := sio.Prompter != nil && !f.noInput(sio) && sio.Prompter.CanPrompt()
	src.Credentials = func() (string, string, error) {
		if !canPrompt {
			return "", "", problem.New(problem.NoCredentials, "no SAML username or password in %s and no terminal to ask on", path).
				WithHint("add username = … and password = … to %s (chmod 600), or run on a terminal", path)
		}
		u, p := user, password
		var err error
		if u == "" {
			if u, err = sio.Prompter.Ask("SAML username: ", ""); err != nil {
				return "", "", problem.Wrap(problem.Interrupted, err, "no SAML username given")
			}
			u = strings.TrimSpace(u)
		}
		if p == "" {
			if p, err = sio.Prompter.Secret("SAML password: "); err != nil {
				return "", "", problem.Wrap(problem.Interrupted, err, "no SAML password given")
			}
		}
		return u, p, nil
	}
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

// accountNames maps account IDs to their alias in ~/.aws/accounts, for the role picker.
func accountNames(getenv func(string) string) map[string]string {
	a, err := accounts.Load(accountsPath(getenv))
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, n := range a.Names() {
		if id, ok := a.Lookup(n); ok {
			if _, seen := out[id]; !seen {
				out[id] = n
			}
		}
	}
	return out
}
