package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/idp"
	"github.com/assume-role/assume-role/idp/okta"
	"github.com/assume-role/assume-role/idp/onelogin"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/saml"
	"github.com/assume-role/assume-role/stslimits"
)

// Direct IdP sign-in timing.
const (
	assertionMargin  = 30 * time.Second // reuse a cached assertion while more than this remains
	passwordLifetime = 90 * 24 * time.Hour
	pushPollInterval = time.Second
	pushMaxWait      = 5 * time.Minute
)

// vendorSignIn is a direct sign-in at OneLogin or Okta, configured and checked before any network
// call.
type vendorSignIn struct {
	src      *IdPSource
	from     *SAMLSource // the request's SAML source (Unattended)
	name     string      // "OneLogin", "Okta"
	prefix   string      // ONELOGIN, OKTA
	cfg      idp.Settings
	path     string // configuration file
	apiURL   string // OneLogin API base URL; Okta org URL
	identity string // what identifies the IdP account in cache keys (no secret)
	user     string
	password string // from ~/.saml/credentials, when there
	credFile string // where that password came from
	// passwordFrom is where the password of the sign-in came from: file, keyring or prompt.
	passwordFrom string
	state        idp.State
	statePth     string
	needs        string // what the MFA step of this sign-in asked of the user (empty: nothing)
	device       string // the MFA device used, remembered on success
}

// prepareVendor reads the vendor's configuration and checks it, with no network call.
func (e *Engine) prepareVendor(s *samlSignIn) error {
	src := s.src.IdP
	v := &vendorSignIn{src: src, from: s.src}
	var keys []string
	switch strings.ToLower(src.Vendor) {
	case "onelogin":
		v.name, v.prefix, keys = "OneLogin", "ONELOGIN", onelogin.Keys
	case "okta":
		v.name, v.prefix, keys = "Okta", "OKTA", okta.Keys
	default:
		return problem.New(problem.Usage, "unknown identity provider %q", src.Vendor).WithHint("use onelogin or okta")
	}
	vendor := strings.ToLower(src.Vendor)
	l, err := idp.Load(e.getenv, vendor, v.prefix, keys)
	if err != nil {
		return problem.Wrap(problem.Config, err, "%s", err.Error()).
			WithHint("the file holds lines name = value (%s)", strings.Join(keys, ", "))
	}
	if l.Warning != "" {
		fmt.Fprintf(e.warn, "assume-role: warning: %s\n", l.Warning)
	}
	v.cfg, v.path = l.Settings, l.Path
	need := func(k string) error {
		if v.cfg[k] != "" {
			return nil
		}
		return problem.New(problem.Config, "%s sign-in needs %s", v.name, k).
			WithHint("set %s_%s, or put %s = … in %s (chmod 600)", v.prefix, strings.ToUpper(k), k, v.path)
	}
	bad := func(err error) error {
		hint := "use https"
		if errors.Is(err, idp.ErrInsecureURL) {
			hint = "use https (plain http is accepted only for a loopback address)"
		}
		return problem.Wrap(problem.Config, err, "%s", err.Error()).WithHint("%s", hint)
	}
	switch vendor {
	case "onelogin":
		for _, k := range []string{"client_id", "client_secret", "subdomain", "app_id"} {
			if err := need(k); err != nil {
				return err
			}
		}
		v.apiURL = v.cfg["api_url"]
		if v.apiURL == "" {
			u, err := onelogin.APIURL(v.cfg["region"])
			if err != nil {
				return problem.New(problem.Config, "OneLogin %s", err.Error()).
					WithHint("set region (ONELOGIN_REGION) to us or eu, or api_url to your API URL")
			}
			v.apiURL = u
		}
		if _, err := idp.CheckURL("OneLogin api_url", v.apiURL); err != nil {
			return bad(err)
		}
		v.identity = strings.Join([]string{redactURL(v.apiURL), v.cfg["subdomain"], v.cfg["app_id"]}, "|")
	case "okta":
		for _, k := range []string{"org_url", "app_url"} {
			if err := need(k); err != nil {
				return err
			}
		}
		for _, k := range []string{"org_url", "app_url"} {
			if _, err := idp.CheckURL("Okta "+k, v.cfg[k]); err != nil {
				return bad(err)
			}
		}
		v.apiURL = v.cfg["org_url"]
		v.identity = redactURL(v.cfg["org_url"]) + "|" + redactURL(v.cfg["app_url"])
	}
	if src.RememberPassword {
		if e.cache == nil || e.cache.Backend() == cache.BackendFile || e.cache.Backend() == cache.BackendNone {
			return problem.New(problem.Usage, "--remember-password keeps the password in an OS keyring, and the cache backend is %s", backendName(e.cache)).
				WithHint("choose a keyring backend with --cache-backend (keychain, wincred, secret-service, kwallet, pass, keyctl, encrypted-file)")
		}
	}
	v.statePth = idp.StatePath(e.getenv)
	v.state = idp.LoadState(v.statePth)
	v.user = firstSet(v.cfg["username"], s.src.Username, v.state[vendor].Username)
	v.password, v.credFile = s.src.Password, firstSet(s.src.CredentialsFile, "~/.saml/credentials")
	if v.user == "" {
		if err := e.unattended(s.src, "a username"); err != nil {
			return err
		}
		if !e.prompt.CanPrompt() {
			return problem.New(problem.NoCredentials, "no %s username", v.name).
				WithHint("set %s_USERNAME or username = … in %s, or run on a terminal to be asked", v.prefix, v.path)
		}
		u, err := e.prompt.Ask(v.name+" username: ", "")
		if err != nil {
			return problem.Wrap(problem.Interrupted, err, "no %s username given", v.name)
		}
		if v.user = strings.TrimSpace(u); v.user == "" {
			return problem.New(problem.NoCredentials, "no %s username given", v.name)
		}
	}
	s.vendor = v
	return nil
}

func backendName(c *cache.Cache) string {
	if c == nil {
		return "off (--no-cache)"
	}
	return c.Backend()
}

func (v *vendorSignIn) vendorKey() string { return strings.ToLower(v.src.Vendor) }

// roleKeyFields identify a role's credentials obtained through this IdP account, without the
// assertion: a later switch to the same role is served from the cache with no IdP call.
func (v *vendorSignIn) roleKeyFields(fields map[string]string) {
	fields["federation"] = "saml-" + v.vendorKey()
	fields["idp"], fields["idp_user"] = v.identity, v.user
}

func (v *vendorSignIn) assertionKey() cache.Key {
	return cache.Key{Kind: cache.KindAssertion, Fields: map[string]string{"vendor": v.vendorKey(), "idp": v.identity, "idp_user": v.user}}
}

func (v *vendorSignIn) passwordKey() cache.Key {
	return cache.Key{Kind: cache.KindPassword, Fields: map[string]string{"vendor": v.vendorKey(), "idp": v.identity, "idp_user": v.user}}
}

// vendorAssertion gets the assertion: a cached one still valid (another role of the same sign-in
// costs no IdP call and no prompt), else a sign-in.
func (e *Engine) vendorAssertion(ctx context.Context, req Request, s *samlSignIn) error {
	v := s.vendor
	if e.cache == nil || req.NoCache {
		a, err := e.signInVendor(ctx, req, v, false)
		s.assertion = a
		return err
	}
	// Under the assertion's lock: processes switching to several roles at once sign in once.
	var fresh *saml.Assertion
	ent, cached, err := e.cache.GetOrFetchMargin(ctx, v.assertionKey(), assertionMargin, func(ctx context.Context) (*cache.Entry, error) {
		a, err := e.signInVendor(ctx, req, v, true)
		if err != nil {
			return nil, err
		}
		fresh = a
		exp := a.NotOnOrAfter
		if exp.IsZero() {
			exp = e.now().Add(5 * time.Minute)
		}
		return &cache.Entry{Kind: cache.KindAssertion, Secret: a.Raw, Expiration: exp, Label: v.name + " SAML assertion for " + v.user}, nil
	})
	switch {
	case err != nil && problem.As(err) != nil:
		return err
	case err != nil:
		return problem.Wrap(problem.Config, err, "credential cache: %s", oneLine(err)).
			WithHint("run with --no-cache, or clear the cache with assume-role cache clear")
	case fresh != nil:
		s.assertion = fresh
		return nil
	}
	a, perr := saml.ParseAssertion([]byte(ent.Secret))
	if perr != nil {
		_ = e.cache.Invalidate(v.assertionKey())
		a, err = e.signInVendor(ctx, req, v, true)
		s.assertion = a
		return err
	}
	if cached {
		e.debugf("using the cached %s assertion (valid until %s)", v.name, ent.Expiration.UTC().Format(time.RFC3339))
	}
	s.assertion = a
	return nil
}

// signInVendor signs in at the IdP and returns an assertion granting AWS roles; useCache allows
// the remembered password (and remembering it).
func (e *Engine) signInVendor(ctx context.Context, req Request, v *vendorSignIn, useCache bool) (*saml.Assertion, error) {
	if needs := v.from.Shared.getNeeds(); needs != "" {
		if err := e.unattended(v.from, needs); err != nil {
			return nil, err // known before any IdP call: the first sign-in of the fan-out needed it
		}
	}
	password, fromKeyring, err := e.vendorPassword(v, useCache)
	if err != nil {
		return nil, err
	}
	e.debugf("signing in at %s %s as %s", v.name, redactURL(v.apiURL), v.user)
	var raw string
	switch v.vendorKey() {
	case "onelogin":
		raw, err = e.oneloginSignIn(ctx, req, v, password)
	default:
		raw, err = e.oktaSignIn(ctx, req, v, password)
	}
	if err != nil {
		p := e.vendorProblem(ctx, v, err)
		if fromKeyring && (errors.Is(err, onelogin.ErrPassword) || errors.Is(err, okta.ErrPassword)) {
			_ = e.cache.Invalidate(v.passwordKey())
			p = p.WithHint("the remembered password was refused and removed from the keyring: run again to type it")
		}
		return nil, p
	}
	a, err := saml.ParseAssertion([]byte(raw))
	if err != nil {
		return nil, problem.Wrap(problem.Config, err, "%s returned an unusable SAML assertion: %s", v.name, oneLine(err)).
			WithHint("check that the app (%s) is the AWS app and sends AWS role attributes", map[string]string{"onelogin": "app_id", "okta": "app_url"}[v.vendorKey()])
	}
	if len(a.Roles) == 0 {
		what := map[string]string{"onelogin": "app " + v.cfg["app_id"], "okta": "app " + redactURL(v.cfg["app_url"])}[v.vendorKey()]
		return nil, problem.New(problem.AccessDenied, "the SAML assertion from %s (%s) grants %s no AWS role", v.name, what, v.user).
			WithHint("ask your %s administrator to give you an AWS role in that app (attribute %s)", v.name, saml.AttrRole)
	}
	if useCache && v.src.RememberPassword && !fromKeyring {
		if err := e.cache.Put(v.passwordKey(), &cache.Entry{Kind: cache.KindPassword, Secret: password,
			Expiration: e.now().Add(passwordLifetime), Label: v.name + " password of " + v.user}); err != nil {
			fmt.Fprintf(e.warn, "assume-role: warning: the password could not be remembered: %s\n", oneLine(err))
		}
	}
	if v.needs != "" && v.from.Shared != nil {
		v.from.Shared.setNeeds(v.needs)
	}
	st := v.state[v.vendorKey()]
	st.Username = v.user
	if v.device != "" {
		st.MFADevice = v.device
	}
	v.state[v.vendorKey()] = st
	if err := v.state.Save(v.statePth); err != nil {
		e.debugf("saving %s: %v", v.statePth, err)
	}
	return a, nil
}

// vendorPassword: ~/.saml/credentials, the keyring (remembered earlier), or a hidden prompt.
func (e *Engine) vendorPassword(v *vendorSignIn, useCache bool) (password string, fromKeyring bool, err error) {
	if v.password != "" {
		v.passwordFrom = "file"
		return v.password, false, nil
	}
	if useCache && e.cache.Backend() != cache.BackendFile && e.cache.Backend() != cache.BackendNone {
		if ent, ok := e.cache.Lookup(v.passwordKey()); ok && ent.Secret != "" {
			v.passwordFrom = "keyring"
			return ent.Secret, true, nil
		}
	}
	if err := e.unattended(v.from, "the "+v.name+" password"); err != nil {
		return "", false, err
	}
	if !e.prompt.CanPrompt() {
		return "", false, problem.New(problem.NoCredentials, "no %s password for %s and no terminal to ask on", v.name, v.user).
			WithHint("run on a terminal (add --remember-password to keep it in the keyring), or put password = … in ~/.saml/credentials (chmod 600)")
	}
	p, err := e.prompt.Secret(fmt.Sprintf("%s password for %s: ", v.name, v.user))
	if err != nil {
		return "", false, problem.Wrap(problem.Interrupted, err, "no %s password given", v.name)
	}
	if p == "" {
		return "", false, problem.New(problem.NoCredentials, "no %s password given", v.name)
	}
	v.passwordFrom = "prompt"
	return p, false, nil
}

// mfaChoice is an MFA device or factor offered by the IdP.
type mfaChoice struct{ id, label string }

// chooseMFA picks the device: --mfa-device, the only one, the one used last time, or a prompt.
func (e *Engine) chooseMFA(v *vendorSignIn, choices []mfaChoice) (int, error) {
	labels := make([]string, len(choices))
	for i, c := range choices {
		labels[i] = c.label + " (" + c.id + ")"
	}
	if want := v.src.MFADevice; want != "" {
		for i, c := range choices {
			if strings.EqualFold(c.id, want) || strings.EqualFold(c.label, want) {
				return i, nil
			}
		}
		return 0, problem.New(problem.Usage, "--mfa-device %q is not one of your %s MFA devices: %s", want, v.name, strings.Join(labels, ", ")).
			WithHint("give --mfa-device one of those IDs or names")
	}
	if len(choices) == 1 {
		return 0, nil
	}
	if last := v.state[v.vendorKey()].MFADevice; last != "" {
		for i, c := range choices {
			if c.id == last {
				return i, nil
			}
		}
	}
	if err := e.unattended(v.from, "a choice of "+v.name+" MFA device"); err != nil {
		return 0, err
	}
	if !e.prompt.CanPrompt() {
		return 0, problem.New(problem.MFA, "%s offers several MFA devices: %s", v.name, strings.Join(labels, ", ")).
			WithHint("choose one with --mfa-device ID, or run on a terminal to pick one")
	}
	i, err := e.prompt.Choose(fmt.Sprintf("Choose a %s MFA device:", v.name), labels)
	if err != nil {
		return 0, problem.Wrap(problem.Interrupted, err, "no MFA device chosen")
	}
	return i, nil
}

func (e *Engine) oneloginSignIn(ctx context.Context, req Request, v *vendorSignIn, password string) (string, error) {
	c := &onelogin.Client{BaseURL: v.apiURL, HTTP: e.idpHTTPClient()}
	if err := c.Authenticate(ctx, v.cfg["client_id"], v.cfg["client_secret"]); err != nil {
		return "", err
	}
	a, err := c.SAMLAssertion(ctx, onelogin.AssertionRequest{UsernameOrEmail: v.user, Password: password,
		AppID: v.cfg["app_id"], Subdomain: v.cfg["subdomain"], IPAddress: v.cfg["ip"]})
	if err != nil {
		return "", err
	}
	if a.SAML != "" {
		return a.SAML, nil
	}
	choices := make([]mfaChoice, len(a.Devices))
	for i, d := range a.Devices {
		choices[i] = mfaChoice{id: d.ID, label: d.Type}
	}
	i, err := e.chooseMFA(v, choices)
	if err != nil {
		return "", err
	}
	v.device = choices[i].id
	var data string
	err = e.withCode(ctx, req, v, choices[i].label, func(code string) error {
		var err error
		data, err = c.VerifyFactor(ctx, onelogin.VerifyRequest{AppID: v.cfg["app_id"], DeviceID: choices[i].id, StateToken: a.StateToken, OTPToken: code})
		return err
	})
	return data, err
}

// withCode gets an MFA code (given, mfa_process or a prompt) and calls verify with it; a code typed
// at the terminal that the IdP refuses is asked again (three tries in all).
func (e *Engine) withCode(ctx context.Context, req Request, v *vendorSignIn, device string, verify func(code string) error) error {
	typed := req.TokenCode == "" && v.cfg["mfa_process"] == ""
	if typed {
		if err := e.unattended(v.from, "an MFA code ("+device+")"); err != nil {
			return err
		}
	}
	for attempt := 1; ; attempt++ {
		code, err := e.mfaCode(ctx, device, req.TokenCode, v.cfg["mfa_process"])
		if err != nil {
			return err
		}
		err = verify(code)
		if err == nil && v.cfg["mfa_process"] == "" {
			v.needs = "an MFA code (" + device + ")"
		}
		if err == nil || !typed || attempt == 3 || !(errors.Is(err, onelogin.ErrCode) || errors.Is(err, okta.ErrCode)) {
			return err
		}
		fmt.Fprintf(e.warn, "assume-role: %s refused the code; try again\n", v.name)
	}
}

func (e *Engine) oktaSignIn(ctx context.Context, req Request, v *vendorSignIn, password string) (string, error) {
	c := &okta.Client{OrgURL: v.cfg["org_url"], HTTP: e.idpHTTPClient()}
	tx, err := c.Authn(ctx, v.user, password)
	if err != nil {
		return "", err
	}
	switch tx.Status {
	case "SUCCESS":
	case "MFA_REQUIRED":
		var factors []okta.Factor
		for _, f := range tx.Factors {
			// With a code given, only code factors are candidates.
			if f.Supported() && (req.TokenCode == "" || f.FactorType == okta.FactorTOTP || v.src.MFADevice != "") {
				factors = append(factors, f)
			}
		}
		if len(factors) == 0 {
			return "", &okta.Error{Class: okta.ErrNoFactor}
		}
		choices := make([]mfaChoice, len(factors))
		for i, f := range factors {
			choices[i] = mfaChoice{id: f.ID, label: f.Label()}
		}
		i, err := e.chooseMFA(v, choices)
		if err != nil {
			return "", err
		}
		f := factors[i]
		v.device = f.ID
		if tx, err = e.oktaVerify(ctx, req, v, c, f, tx.StateToken); err != nil {
			return "", err
		}
		if tx.Status != "SUCCESS" {
			return "", &okta.Error{Class: okta.ErrServer, Message: "status " + tx.Status + " after MFA"}
		}
	default:
		return "", &okta.Error{Class: okta.ErrServer, Message: "status " + tx.Status}
	}
	if tx.SessionToken == "" {
		return "", &okta.Error{Class: okta.ErrServer, Message: "no session token"}
	}
	return c.SAMLResponse(ctx, v.cfg["app_url"], tx.SessionToken)
}

// oktaVerify verifies a TOTP code, or sends a push and polls it.
func (e *Engine) oktaVerify(ctx context.Context, req Request, v *vendorSignIn, c *okta.Client, f okta.Factor, state string) (*okta.Transaction, error) {
	if f.FactorType == okta.FactorTOTP {
		var tx *okta.Transaction
		err := e.withCode(ctx, req, v, f.Label(), func(code string) error {
			var err error
			tx, err = c.Verify(ctx, f, state, code)
			return err
		})
		return tx, err
	}
	if err := e.unattended(v.from, "approving an Okta Verify push"); err != nil {
		return nil, err
	}
	v.needs = "approving an Okta Verify push"
	fmt.Fprintf(e.warn, "assume-role: Okta Verify push sent to %s: waiting for approval…\n", v.user)
	deadline := e.now().Add(pushMaxWait)
	for {
		tx, err := c.Verify(ctx, f, state, "")
		if err != nil {
			return nil, err
		}
		if tx.Status != "MFA_CHALLENGE" || tx.FactorResult != "WAITING" {
			return tx, nil
		}
		if tx.StateToken != "" {
			state = tx.StateToken
		}
		if !e.now().Before(deadline) {
			return nil, &okta.Error{Class: okta.ErrPushTimeout}
		}
		t := time.NewTimer(pushPollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// vendorProblem turns a sign-in failure into one line saying what to do; never a secret.
func (e *Engine) vendorProblem(ctx context.Context, v *vendorSignIn, err error) *problem.Problem {
	if p := problem.As(err); p != nil {
		return p
	}
	msg := oneLine(err)
	var ne net.Error
	cfg := func(k string) string {
		return fmt.Sprintf("%s_%s or %s in %s", v.prefix, strings.ToUpper(k), k, v.path)
	}
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return problem.Wrap(problem.Interrupted, err, "interrupted")
	case errors.Is(err, onelogin.ErrClientCredentials):
		return problem.Wrap(problem.Config, err, "%s", msg).
			WithHint("check client_id and client_secret (%s_CLIENT_ID and %s_CLIENT_SECRET, or %s): an API credential of your OneLogin account (Developers > API Credentials, scope Authentication Only)", v.prefix, v.prefix, v.path)
	case errors.Is(err, onelogin.ErrPassword), errors.Is(err, okta.ErrPassword):
		hint := fmt.Sprintf("check the username (%s) and type the password again", cfg("username"))
		if v.passwordFrom == "file" {
			hint = "fix the password in " + v.credFile + " (or remove it there to be asked), and check the username (" + cfg("username") + ")"
		}
		return problem.Wrap(problem.NoCredentials, err, "sign-in as %s: %s", v.user, msg).WithHint("%s", hint)
	case errors.Is(err, okta.ErrPasswordExpired):
		return problem.Wrap(problem.NoCredentials, err, "%s", msg).WithHint("change your password in Okta's web page, then run again")
	case errors.Is(err, onelogin.ErrLocked), errors.Is(err, okta.ErrLocked):
		return problem.Wrap(problem.AccessDenied, err, "sign-in as %s: %s", v.user, msg).
			WithHint("wait until the lock expires, or ask your %s administrator to unlock the account", v.name)
	case errors.Is(err, onelogin.ErrCode), errors.Is(err, okta.ErrCode):
		return problem.Wrap(problem.MFA, err, "%s", msg).
			WithHint("run again with a fresh code (or another device with --mfa-device)")
	case errors.Is(err, okta.ErrPushRejected):
		return problem.Wrap(problem.MFA, err, "%s", msg).
			WithHint("run again and approve the push, or use a code with --mfa-device and --token-code")
	case errors.Is(err, okta.ErrPushTimeout):
		return problem.Wrap(problem.MFA, err, "%s", msg).
			WithHint("run again and approve the push in Okta Verify within a few minutes")
	case errors.Is(err, okta.ErrNoFactor):
		return problem.Wrap(problem.MFA, err, "%s", msg).
			WithHint("enrol an authenticator app (TOTP) or Okta Verify in Okta")
	case errors.Is(err, onelogin.ErrAppNotAssigned):
		return problem.Wrap(problem.AccessDenied, err, "%s", msg).
			WithHint("check app_id (%s) and ask your OneLogin administrator to assign the AWS app to you", cfg("app_id"))
	case errors.Is(err, okta.ErrAppNotAssigned):
		return problem.Wrap(problem.AccessDenied, err, "%s", msg).
			WithHint("set app_url (%s) to the AWS app's embed link and ask your Okta administrator to assign it to you", cfg("app_url"))
	case errors.As(err, &ne) || strings.HasPrefix(msg, "contacting "):
		return problem.Wrap(problem.Network, err, "%s sign-in: %s", v.name, msg).
			WithHint("check the %s URL (%s), your network and proxy settings", v.name, redactURL(v.apiURL))
	}
	return problem.Wrap(problem.Network, err, "%s sign-in: %s", v.name, msg).
		WithHint("%s failed: try again later", v.name)
}

// assumeVendor is assumeSAML for a direct OneLogin or Okta sign-in. Role credentials are keyed by
// the IdP account and the role, not by the assertion: with a known role (ACCOUNT ROLE or -R) a
// cached result costs no IdP call and no prompt; otherwise the role list comes from a cached
// assertion while it is valid, or from a sign-in.
func (e *Engine) assumeVendor(ctx context.Context, req Request) (*Result, error) {
	s := &samlSignIn{src: req.SAML, duration: req.DurationSeconds, explicit: req.DurationSeconds != 0}
	if s.duration == 0 {
		s.duration = defaultDuration
	}
	if err := e.prepareVendor(s); err != nil {
		return nil, err
	}
	requested := s.duration
	if req.RoleARN != "" {
		t, err := newFedTarget(req.RoleARN)
		if err != nil {
			return nil, err
		}
		s.target, s.role = t, saml.Role{RoleARN: req.RoleARN}
	} else {
		if err := e.vendorAssertion(ctx, req, s); err != nil {
			return nil, err
		}
		if err := e.chooseSAMLRole(s, req.SAML.Role); err != nil {
			return nil, err
		}
		s.capDuration(e)
	}
	if err := e.resolveFedRegions(ctx, req, s.target); err != nil {
		return nil, err
	}
	fields := map[string]string{"role": s.role.RoleARN, "duration": strconv.Itoa(requested)}
	s.vendor.roleKeyFields(fields)
	policyFields(req, fields)
	key := cache.Key{Kind: cache.KindRole, Fields: fields}
	return e.cachedFederated(ctx, req, key, s.target, func(ctx context.Context) (*cache.Entry, error) {
		if s.assertion == nil {
			if err := e.vendorAssertion(ctx, req, s); err != nil {
				return nil, err
			}
			if err := e.chooseSAMLRole(s, s.role.RoleARN); err != nil {
				return nil, err
			}
			s.capDuration(e)
		}
		if err := stslimits.SAMLProviderARN("SAML provider", s.role.PrincipalARN); err != nil {
			return nil, problem.Wrap(problem.Config, err, "%s", err.Error())
		}
		return e.fetchSAML(ctx, req, s)
	})
}
