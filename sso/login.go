package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	ssoapi "github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/gofrs/flock"
)

// Env is everything the package touches outside itself.
type Env struct {
	Getenv     func(string) string
	HTTPClient aws.HTTPClient // nil: the SDK default
	Now        func() time.Time
	// Stderr receives the messages a user must see (the sign-in URL and code, waits).
	Stderr io.Writer
	// OpenBrowser opens a URL in the user's browser; nil when there is none (then the device
	// authorization grant is used).
	OpenBrowser func(url string) error
	// APIOptions are added to every client (e.g. a --debug trace).
	APIOptions []func(*middleware.Stack) error
}

func (e *Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Env) say(format string, a ...any) {
	if e.Stderr != nil {
		fmt.Fprintf(e.Stderr, "assume-role: "+format+"\n", a...)
	}
}

// endpoint is the base URL a user configured for a service (the SDK's AWS_ENDPOINT_URL_<ID>
// setting, then AWS_ENDPOINT_URL); empty for AWS's own.
func (e *Env) endpoint(id string) *string {
	if strings.EqualFold(e.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return nil
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_" + id, "AWS_ENDPOINT_URL"} {
		if v := e.Getenv(k); v != "" {
			return aws.String(v)
		}
	}
	return nil
}

func (e *Env) oidc(region string) *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{Region: region, BaseEndpoint: e.endpoint("SSO_OIDC"), HTTPClient: e.HTTPClient,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 }), APIOptions: e.APIOptions})
}

func (e *Env) portal(region string) *ssoapi.Client {
	return ssoapi.New(ssoapi.Options{Region: region, BaseEndpoint: e.endpoint("SSO"), HTTPClient: e.HTTPClient,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			// The portal allows 20 requests per second in all: throttling is expected when many
			// accounts are listed, so retry it with backoff and without the client-side quota.
			o.MaxAttempts = 10
			o.MaxBackoff = 4 * time.Second
			o.RateLimiter = ratelimit.None
		}), APIOptions: e.APIOptions})
}

// oidcBase is the OIDC service's base URL (for the /authorize page).
func (e *Env) oidcBase(region string) string {
	if p := e.endpoint("SSO_OIDC"); p != nil {
		return strings.TrimSuffix(*p, "/")
	}
	return "https://oidc." + region + ".amazonaws.com"
}

// TokenMargin is how long a token must still be valid to be used without a new sign-in.
const TokenMargin = 10 * time.Minute

// LoginOptions tune Login.
type LoginOptions struct {
	// NoBrowser uses the device authorization grant and opens no browser.
	NoBrowser bool
	// Force signs in again even when the cached token is valid.
	Force bool
	// Wait is how long to wait for the user (and for another process's sign-in); default 10m.
	Wait time.Duration

	refreshOnly bool // never ask the user: refresh or fail
}

// Outcome says what Login did.
type Outcome string

// Outcomes of Login.
const (
	AlreadyValid      Outcome = "valid"              // the cached token was valid: nothing done
	Refreshed         Outcome = "refreshed"          // the refresh token gave a new access token
	DeviceCode        Outcome = "device_code"        // the user signed in with a code
	AuthorizationCode Outcome = "authorization_code" // the user signed in in a browser (PKCE)
)

// Login makes sure a valid access token for s is in the token cache: a valid cached token is
// kept, an expiring one is refreshed, and only then is the user asked to sign in. Processes that
// sign in to the same session at the same time wait for each other (a lock next to the token
// file), so parallel commands share one sign-in.
func (e *Env) Login(ctx context.Context, s *Session, o LoginOptions) (Outcome, *Token, error) {
	if o.Wait == 0 {
		o.Wait = 10 * time.Minute
	}
	path := TokenPath(e.Getenv, s.CacheKey())
	if !o.Force {
		if t, _ := ReadToken(path); t != nil && t.Expires().After(e.now().Add(TokenMargin)) {
			return AlreadyValid, t, nil
		}
	}
	unlock, err := e.lock(ctx, path, o.Wait)
	if err != nil {
		return "", nil, err
	}
	defer unlock()
	t, err := ReadToken(path)
	if err != nil {
		return "", nil, problem.Wrap(problem.Config, err, "cannot read the SSO token cache: %s", firstLine(err.Error()))
	}
	if t != nil && !o.Force && t.Expires().After(e.now().Add(TokenMargin)) {
		return AlreadyValid, t, nil // another process signed in while this one waited
	}
	if t != nil && !o.Force && t.canRefresh(e.now()) {
		if nt, err := e.refresh(ctx, s, t); err == nil {
			return Refreshed, nt, e.store(path, nt)
		} else if ctx.Err() != nil {
			return "", nil, err
		}
		if !o.refreshOnly {
			e.say("the refresh token of %s was refused; signing in again", s.Label())
		}
	}
	if o.refreshOnly {
		return "", nil, notSignedIn(s)
	}
	var nt *Token
	outcome := AuthorizationCode
	if o.NoBrowser || e.OpenBrowser == nil {
		outcome = DeviceCode
		nt, err = e.deviceFlow(ctx, s, o.Wait)
	} else {
		nt, err = e.pkceFlow(ctx, s, o.Wait)
	}
	if err != nil {
		return "", nil, err
	}
	return outcome, nt, e.store(path, nt)
}

func (e *Env) store(path string, t *Token) error {
	if err := WriteToken(path, t); err != nil {
		return problem.Wrap(problem.Config, err, "cannot write the SSO token cache %s: %s", path, firstLine(err.Error()))
	}
	return nil
}

func (e *Env) lock(ctx context.Context, path string, wait time.Duration) (func(), error) {
	if err := os.MkdirAll(dirOf(path), 0o700); err != nil {
		return nil, problem.Wrap(problem.Config, err, "cannot create the SSO token cache: %s", firstLine(err.Error()))
	}
	l := flock.New(strings.TrimSuffix(path, ".json")+".lock", flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err == nil && !ok {
		e.say("another assume-role is signing in to this session; waiting for it")
		lctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		ok, err = l.TryLockContext(lctx, 100*time.Millisecond)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if err != nil || !ok {
		return nil, problem.New(problem.Network, "timed out waiting for another sign-in to this session").
			WithHint("finish the sign-in in the other terminal, or remove %s", l.Path())
	}
	return func() { _ = l.Unlock() }, nil
}

func dirOf(p string) string {
	i := strings.LastIndexAny(p, `/\`)
	if i < 0 {
		return "."
	}
	return p[:i]
}

func (s *Session) scopes() []string {
	if len(s.Scopes) > 0 {
		return s.Scopes
	}
	return []string{"sso:account:access"}
}

func (e *Env) tokenFrom(s *Session, reg *ssooidc.RegisterClientOutput, out *ssooidc.CreateTokenOutput) *Token {
	now := e.now()
	t := &Token{StartURL: s.StartURL, Region: s.Region, AccessToken: aws.ToString(out.AccessToken),
		ExpiresAt: formatTime(now.Add(time.Duration(out.ExpiresIn) * time.Second)), RefreshToken: aws.ToString(out.RefreshToken)}
	if reg != nil {
		t.ClientID, t.ClientSecret = aws.ToString(reg.ClientId), aws.ToString(reg.ClientSecret)
		t.RegistrationExpiresAt = formatTime(time.Unix(reg.ClientSecretExpiresAt, 0))
	}
	return t
}

func (e *Env) refresh(ctx context.Context, s *Session, t *Token) (*Token, error) {
	out, err := e.oidc(s.Region).CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: aws.String(t.ClientID),
		ClientSecret: aws.String(t.ClientSecret), GrantType: aws.String("refresh_token"), RefreshToken: aws.String(t.RefreshToken)})
	if err != nil {
		return nil, err
	}
	nt := e.tokenFrom(s, nil, out)
	nt.ClientID, nt.ClientSecret, nt.RegistrationExpiresAt = t.ClientID, t.ClientSecret, t.RegistrationExpiresAt
	if nt.RefreshToken == "" {
		nt.RefreshToken = t.RefreshToken
	}
	return nt, nil
}

func (e *Env) register(ctx context.Context, s *Session, grants, redirects []string) (*ssooidc.RegisterClientOutput, error) {
	in := &ssooidc.RegisterClientInput{ClientName: aws.String(fmt.Sprintf("assume-role-%d", e.now().Unix())),
		ClientType: aws.String("public"), Scopes: s.scopes(), GrantTypes: grants, RedirectUris: redirects}
	if len(redirects) > 0 {
		in.IssuerUrl = aws.String(s.StartURL)
	}
	reg, err := e.oidc(s.Region).RegisterClient(ctx, in)
	if err != nil {
		return nil, oidcProblem(err, "registering a client with IAM Identity Center failed")
	}
	return reg, nil
}

func (e *Env) deviceFlow(ctx context.Context, s *Session, wait time.Duration) (*Token, error) {
	reg, err := e.register(ctx, s, []string{"urn:ietf:params:oauth:grant-type:device_code", "refresh_token"}, nil)
	if err != nil {
		return nil, err
	}
	c := e.oidc(s.Region)
	da, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId,
		ClientSecret: reg.ClientSecret, StartUrl: aws.String(s.StartURL)})
	if err != nil {
		return nil, oidcProblem(err, "starting the sign-in to %s failed", s.Label())
	}
	e.say("to sign in to %s, open %s", s.Label(), aws.ToString(da.VerificationUriComplete))
	e.say("and check that it shows the code %s", aws.ToString(da.UserCode))
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	deadline := e.now().Add(min(wait, time.Duration(max(da.ExpiresIn, 1))*time.Second))
	in := &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: da.DeviceCode}
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(interval):
		}
		out, err := c.CreateToken(ctx, in)
		if err == nil {
			return e.tokenFrom(s, reg, out), nil
		}
		var pending *oidctypes.AuthorizationPendingException
		var slow *oidctypes.SlowDownException
		switch {
		case errors.As(err, &pending):
		case errors.As(err, &slow):
			interval += 5 * time.Second // RFC 8628 §3.5
		default:
			return nil, oidcProblem(err, "the sign-in to %s failed", s.Label())
		}
		if e.now().After(deadline) {
			return nil, problem.New(problem.NoCredentials, "the sign-in to %s was not confirmed in time", s.Label()).
				WithHint("run assume-role sso login again and confirm the code in the browser")
		}
	}
}

func randomURLSafe(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pkceFlow is the authorization code grant with PKCE (RFC 7636) and a loopback redirect
// (RFC 8252): the browser comes back to a listener on 127.0.0.1 with the code.
func (e *Env) pkceFlow(ctx context.Context, s *Session, wait time.Duration) (*Token, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, problem.Wrap(problem.Network, err, "cannot listen on 127.0.0.1 for the sign-in redirect: %s", firstLine(err.Error())).
			WithHint("use --no-browser to sign in with a code instead")
	}
	defer ln.Close()
	const cbPath = "/oauth/callback"
	redirect := fmt.Sprintf("http://127.0.0.1:%d%s", ln.Addr().(*net.TCPAddr).Port, cbPath)
	reg, err := e.register(ctx, s, []string{"authorization_code", "refresh_token"}, []string{"http://127.0.0.1" + cbPath})
	if err != nil {
		return nil, err
	}
	verifier := randomURLSafe(48)
	sum := sha256.Sum256([]byte(verifier))
	state := randomURLSafe(24)
	q := url.Values{"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {redirect},
		"state": {state}, "code_challenge_method": {"S256"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"scopes": {strings.Join(s.scopes(), " ")}}
	authURL := e.oidcBase(s.Region) + "/authorize?" + q.Encode()

	type answer struct{ code, err string }
	got := make(chan answer, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != cbPath {
			http.NotFound(w, r)
			return
		}
		rq := r.URL.Query()
		if rq.Get("state") != state {
			http.Error(w, "unexpected state", http.StatusBadRequest)
			return
		}
		a := answer{code: rq.Get("code"), err: rq.Get("error")}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if a.code == "" {
			if a.err == "" {
				a.err = "no code"
			}
			fmt.Fprintf(w, "<!doctype html><title>assume-role</title><p>Sign-in failed: %s</p>\n", html.EscapeString(a.err))
		} else {
			fmt.Fprint(w, "<!doctype html><title>assume-role</title><p>Signed in. You may close this tab.</p>\n")
		}
		select {
		case got <- a:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	e.say("to sign in to %s, open this URL in a browser on this machine:", s.Label())
	if e.Stderr != nil {
		fmt.Fprintln(e.Stderr, authURL)
	}
	if err := e.OpenBrowser(authURL); err != nil {
		e.say("could not open a browser (%s); open the URL above yourself", firstLine(err.Error()))
	}
	var a answer
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(wait):
		return nil, problem.New(problem.NoCredentials, "the sign-in to %s was not completed in time", s.Label()).
			WithHint("run assume-role sso login again, or use --no-browser to sign in with a code")
	case a = <-got:
	}
	if a.code == "" {
		return nil, problem.New(problem.NoCredentials, "the sign-in to %s failed: %s", s.Label(), a.err)
	}
	out, err := e.oidc(s.Region).CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("authorization_code"), Code: aws.String(a.code), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
	if err != nil {
		return nil, oidcProblem(err, "redeeming the sign-in code for %s failed", s.Label())
	}
	return e.tokenFrom(s, reg, out), nil
}

// oidcProblem turns an SDK error into a problem without echoing anything secret (the SDK's
// error texts name operations and codes, never token values).
func oidcProblem(err error, format string, a ...any) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	k := problem.NoCredentials
	var re *awsHTTPError
	if errors.As(err, &re) {
		k = problem.Network
	}
	return problem.Wrap(k, err, format+": %s", append(a, firstLine(err.Error()))...)
}

// Logout signs out of the portal and deletes the session's cached token.
func (e *Env) Logout(ctx context.Context, s *Session) (bool, error) {
	path := TokenPath(e.Getenv, s.CacheKey())
	t, err := ReadToken(path)
	if err != nil || t == nil {
		return false, err
	}
	if t.Expires().After(e.now()) {
		_, _ = e.portal(s.Region).Logout(ctx, &ssoapi.LogoutInput{AccessToken: aws.String(t.AccessToken)})
	}
	if err := os.Remove(path); err != nil {
		return false, problem.Wrap(problem.Config, err, "cannot delete %s: %s", path, firstLine(err.Error()))
	}
	return true, nil
}
