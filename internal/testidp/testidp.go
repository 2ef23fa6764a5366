// Package testidp is a small identity provider for tests and the demo. It speaks coinbase
// assume-role's JSON contract: the client POSTs a JSON body holding a user name ("email" or
// "username") and a "password"; a known user with the right password receives
// {"saml_response": "<base64 SAML response>"} granting the configured roles, anyone else 401.
//
// The assertions are unsigned and built with stsemu.MintSAMLAssertion, so the STS emulator
// accepts them. Failure modes (500, no saml_response, an expired assertion) can be switched on to
// test clients. Every login attempt is recorded, with the exact user name and password received,
// so tests can check that special characters arrive intact. It serves on loopback only.
package testidp

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/saml"
	"github.com/assume-role/assume-role/stslimits"
)

// Mode selects how the IdP answers a correct login.
type Mode int

const (
	// Normal answers 200 with a valid saml_response.
	Normal Mode = iota
	// NoSAMLResponse answers 200 with a JSON object lacking saml_response.
	NoSAMLResponse
	// ServerError answers 500 to every request.
	ServerError
	// ExpiredAssertion answers with an assertion whose NotOnOrAfter has passed.
	ExpiredAssertion
)

// User is an account of the IdP.
type User struct {
	Name     string
	Password string
	// Roles granted to this user; nil means Options.Roles.
	Roles []saml.Role
}

// Options configure an IdP.
type Options struct {
	Users []User
	// Roles granted to users without their own list.
	Roles []saml.Role
	// UserFields are the JSON fields read for the user name, first non-empty wins;
	// default "email", "username".
	UserFields []string
	// PasswordField is the JSON field holding the password; default "password".
	PasswordField string
	// SessionDuration, when > 0, is put in the assertion's SessionDuration attribute.
	SessionDuration int
	// Now is the clock for NotOnOrAfter; default time.Now.
	Now func() time.Time
	// Mode is the initial answer mode.
	Mode Mode
}

// Login is one request the IdP received.
type Login struct {
	User     string // the user name field, exactly as decoded
	Password string // the password field, exactly as decoded
	Body     []byte // the raw request body
	OK       bool   // the login succeeded (a known user with the right password)
}

// IdP is an http.Handler implementing the contract. It is safe for concurrent use.
type IdP struct {
	opts   Options
	mu     sync.Mutex
	mode   Mode
	logins []Login
}

// New returns an IdP.
func New(o Options) *IdP {
	if len(o.UserFields) == 0 {
		o.UserFields = []string{"email", "username"}
	}
	if o.PasswordField == "" {
		o.PasswordField = "password"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &IdP{opts: o, mode: o.Mode}
}

// EmulatorRoles returns the roles NAMES of account, each granted through the demo scenario's
// SAML provider arn:aws:iam::ACCOUNT:saml-provider/emulator-idp.
func EmulatorRoles(account string, names ...string) []saml.Role {
	out := make([]saml.Role, 0, len(names))
	for _, n := range names {
		out = append(out, saml.Role{
			RoleARN:      fmt.Sprintf("arn:aws:iam::%s:role/%s", account, n),
			PrincipalARN: fmt.Sprintf("arn:aws:iam::%s:saml-provider/emulator-idp", account),
		})
	}
	return out
}

// SetMode changes how the IdP answers from now on.
func (p *IdP) SetMode(m Mode) {
	p.mu.Lock()
	p.mode = m
	p.mu.Unlock()
}

// Requests returns how many requests the IdP received.
func (p *IdP) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.logins)
}

// Logins returns a copy of the requests received, oldest first.
func (p *IdP) Logins() []Login {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Login(nil), p.logins...)
}

// ServeHTTP implements the contract.
func (p *IdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "cannot read the request"})
		return
	}
	var fields map[string]any
	jsonErr := json.Unmarshal(body, &fields)
	login := Login{Body: body}
	for _, f := range p.opts.UserFields {
		if s, ok := fields[f].(string); ok && s != "" {
			login.User = s
			break
		}
	}
	login.Password, _ = fields[p.opts.PasswordField].(string)
	user := p.check(login.User, login.Password)
	login.OK = user != nil && r.Method == http.MethodPost && jsonErr == nil

	p.mu.Lock()
	p.logins = append(p.logins, login)
	mode := p.mode
	p.mu.Unlock()

	switch {
	case mode == ServerError:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "internal error"})
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "POST a JSON body"})
	case jsonErr != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "the body is not a JSON object"})
	case user == nil:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "invalid username or password"})
	case mode == NoSAMLResponse:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"saml_response": p.assertion(user, mode == ExpiredAssertion)})
	}
}

// check returns the user whose name and password match exactly, or nil.
func (p *IdP) check(name, password string) *User {
	if name == "" {
		return nil
	}
	for i := range p.opts.Users {
		u := &p.opts.Users[i]
		if u.Name == name && u.Password == password {
			return u
		}
	}
	return nil
}

func (p *IdP) assertion(u *User, expired bool) string {
	roles := u.Roles
	if roles == nil {
		roles = p.opts.Roles
	}
	values := make([]string, 0, len(roles))
	for _, r := range roles {
		values = append(values, r.RoleARN+","+r.PrincipalARN)
	}
	notAfter := p.opts.Now().Add(5 * time.Minute)
	if expired {
		notAfter = p.opts.Now().Add(-time.Minute)
	}
	return stsemu.MintSAMLAssertion(stsemu.SAMLAssertionOptions{
		Subject:         u.Name,
		Roles:           values,
		RoleSessionName: stslimits.SanitizeSessionName(u.Name),
		SessionDuration: p.opts.SessionDuration,
		NotOnOrAfter:    notAfter,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Listen opens a TCP listener on addr, which must be a loopback address ("127.0.0.1:0" when
// empty), for http.Serve(l, idp).
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip := net.ParseIP(host)
	if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("testidp: refusing to listen on %s: loopback addresses only", addr)
	}
	return net.Listen("tcp", addr)
}
