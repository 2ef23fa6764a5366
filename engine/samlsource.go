package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/assume-role/assume-role/accounts"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/saml"
)

// CoinbaseSAML builds the SAML source of coinbase's scheme (AWS_ASSUME_ROLE_AUTH_SCHEME=saml) from
// the engine's environment: SAML_IDP_ASSERTION_URL, SAML_IDP_NAME, SAML_IDP_REQUEST_BODY_TEMPLATE,
// and the user name and password of SAML_FILE or ~/.saml/credentials. What the file lacks is asked
// for on the terminal when the sign-in needs it (never before: a cached role needs no password).
func (e *Engine) CoinbaseSAML(allowInsecure bool) (*SAMLSource, error) {
	src := &SAMLSource{AllowInsecure: allowInsecure, AccountNames: e.accountNames()}
	src.IdPURL = strings.TrimSpace(e.getenv("SAML_IDP_ASSERTION_URL"))
	src.IdPName = strings.TrimSpace(e.getenv("SAML_IDP_NAME"))
	for _, v := range []struct{ name, value string }{{"SAML_IDP_ASSERTION_URL", src.IdPURL}, {"SAML_IDP_NAME", src.IdPName}} {
		if v.value == "" {
			return nil, problem.New(problem.Config, "AWS_ASSUME_ROLE_AUTH_SCHEME=saml needs %s", v.name).
				WithHint("export SAML_IDP_ASSERTION_URL (the IdP endpoint) and SAML_IDP_NAME (the IAM SAML provider name), or pass --saml-assertion FILE")
		}
	}
	src.BodyTemplate = firstSet(e.getenv("SAML_IDP_REQUEST_BODY_TEMPLATE"), saml.DefaultTemplate)
	user, password, path, err := e.samlCredentialsFile()
	if err != nil {
		return nil, err
	}
	src.Username, src.Password = user, password
	src.Credentials = func() (string, string, error) {
		if !e.prompt.CanPrompt() {
			return "", "", problem.New(problem.NoCredentials, "no SAML username or password in %s and no terminal to ask on", path).
				WithHint("add username = … and password = … to %s (chmod 600), or run on a terminal", path)
		}
		u, p := user, password
		var err error
		if u == "" {
			if u, err = e.prompt.Ask("SAML username: ", ""); err != nil {
				return "", "", problem.Wrap(problem.Interrupted, err, "no SAML username given")
			}
			u = strings.TrimSpace(u)
		}
		if p == "" {
			if p, err = e.prompt.Secret("SAML password: "); err != nil {
				return "", "", problem.Wrap(problem.Interrupted, err, "no SAML password given")
			}
		}
		return u, p, nil
	}
	return src, nil
}

// accountNames maps account IDs to their first alias in the accounts file, for the role picker.
func (e *Engine) accountNames() map[string]string {
	a, err := accounts.Load(e.accountsPath())
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

// IdPSAML builds the source of a direct OneLogin or Okta sign-in; SAML_FILE or ~/.saml/credentials
// may hold the username and password, as for coinbase's scheme.
func (e *Engine) IdPSAML(idp *IdPSource) (*SAMLSource, error) {
	user, password, path, err := e.samlCredentialsFile()
	if err != nil {
		return nil, err
	}
	return &SAMLSource{AccountNames: e.accountNames(), IdP: idp, Username: user, Password: password, CredentialsFile: path}, nil
}

// samlCredentialsFile reads SAML_FILE or ~/.saml/credentials (username = …, password = …); a
// missing default file is no error.
func (e *Engine) samlCredentialsFile() (user, password, path string, err error) {
	path, explicit := e.getenv("SAML_FILE"), true
	if path == "" {
		path, explicit = filepath.Join(e.home(), ".saml", "credentials"), false
	}
	user, password, warn, err := saml.LoadCredentialsFile(path)
	if warn != "" {
		fmt.Fprintf(e.warn, "assume-role: warning: %s\n", warn)
	}
	switch {
	case err != nil && errors.Is(err, fs.ErrNotExist) && !explicit:
		return "", "", path, nil
	case err != nil && errors.Is(err, fs.ErrNotExist):
		return "", "", path, problem.New(problem.Config, "SAML_FILE %s does not exist", path).
			WithHint("create it with lines username = … and password = … (chmod 600), or unset SAML_FILE to be asked")
	case err != nil:
		return "", "", path, problem.Wrap(problem.Config, err, "cannot read the SAML credentials: %s", oneLine(err)).
			WithHint("the file holds lines username = … and password = …")
	}
	return user, password, path, nil
}
