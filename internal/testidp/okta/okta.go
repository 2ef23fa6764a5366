// Package okta is a test double of Okta's authentication API and AWS app embed link: POST
// /api/v1/authn, POST /api/v1/authn/factors/{id}/verify (TOTP codes and Okta Verify pushes that
// are approved, rejected or time out after some polls) and GET of the app's embed link with
// ?onetimetoken=, answering an HTML form holding SAMLResponse. Assertions are minted for the STS
// emulator. For tests only (never linked into the product); serve it on loopback (httptest).
package okta

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/assume-role/assume-role/internal/testidp"
	"github.com/assume-role/assume-role/saml"
)

// AppPath is the path of the AWS app's embed link.
const AppPath = "/home/amazon_aws/0oa1aws/272"

// Push outcomes.
const (
	Approve = "approve"
	Reject  = "reject"
	Timeout = "timeout"
)

// Factor is an MFA factor of a user.
type Factor struct {
	ID       string
	Type     string // token:software:totp or push
	Provider string // GOOGLE, OKTA
	Code     string // TOTP code accepted
	Push     string // push outcome (Approve by default)
	Waits    int    // polls answered WAITING before the outcome
}

// User is an Okta user.
type User struct {
	Name     string
	Password string
	Roles    []saml.Role // nil: Options.Roles; empty: an assertion without AWS roles
	Factors  []Factor
	Locked   bool
	NoApp    bool
}

// Options configure the double.
type Options struct {
	Users           []User
	Roles           []saml.Role
	SessionDuration int
	Validity        time.Duration
}

// Login is an authn request received.
type Login struct{ User, Password string }

// Server is the double.
type Server struct {
	o        Options
	mu       sync.Mutex
	states   map[string]*User
	polls    map[string]int
	sessions map[string]*User
	calls    map[string]int
	logins   []Login
}

// New returns a double.
func New(o Options) *Server {
	return &Server{o: o, states: map[string]*User{}, polls: map[string]int{}, sessions: map[string]*User{}, calls: map[string]int{}}
}

// Calls returns how many requests reached path ("" for all; factor verifications count under
// "verify").
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if path != "" {
		return s.calls[path]
	}
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// Logins returns the authn requests received.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.logins...)
}

func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, code, summary string) {
	write(w, status, map[string]any{"errorCode": code, "errorSummary": summary, "errorId": random(), "errorCauses": []any{}})
}

func (s *Server) success(w http.ResponseWriter, u *User) {
	t := random()
	s.sessions[t] = u
	write(w, http.StatusOK, map[string]any{"status": "SUCCESS", "sessionToken": t, "expiresAt": time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)})
}

// ServeHTTP implements the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := r.URL.Path
	if strings.HasPrefix(path, "/api/v1/authn/factors/") && strings.HasSuffix(path, "/verify") {
		s.calls["verify"]++
	} else {
		s.calls[path]++
	}
	if path == AppPath && r.Method == http.MethodGet {
		u := s.sessions[r.URL.Query().Get("onetimetoken")]
		delete(s.sessions, r.URL.Query().Get("onetimetoken"))
		switch {
		case u == nil:
			http.Error(w, "session expired", http.StatusUnauthorized)
		case u.NoApp:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, "<html><body><h1>403</h1><p>You do not have permission to access this app.</p></body></html>")
		default:
			roles := u.Roles
			if roles == nil {
				roles = s.o.Roles
			}
			a := testidp.Mint(u.Name, roles, s.o.SessionDuration, s.o.Validity)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en"><head><title>Signing in…</title></head>
<body onload="document.forms[0].submit()">
<form id="appForm" action="https&#x3a;&#x2f;&#x2f;signin.aws.amazon.com&#x2f;saml" method="POST">
<input name="SAMLResponse" type="hidden" value="%s"/>
<input name="RelayState" type="hidden" value=""/>
</form></body></html>`, html.EscapeString(a))
		}
		return
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var in map[string]string
	if json.Unmarshal(body, &in) != nil {
		fail(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
		return
	}
	switch {
	case path == "/api/v1/authn":
		s.logins = append(s.logins, Login{User: in["username"], Password: in["password"]})
		u := s.user(in["username"])
		switch {
		case u != nil && u.Locked:
			write(w, http.StatusOK, map[string]any{"status": "LOCKED_OUT"})
		case u == nil || u.Password != in["password"]:
			fail(w, http.StatusUnauthorized, "E0000004", "Authentication failed")
		case len(u.Factors) == 0:
			s.success(w, u)
		default:
			state := random()
			s.states[state] = u
			factors := []map[string]any{}
			for _, f := range u.Factors {
				factors = append(factors, map[string]any{"id": f.ID, "factorType": f.Type, "provider": f.Provider,
					"_links": map[string]any{"verify": map[string]any{"href": "http://" + r.Host + "/api/v1/authn/factors/" + f.ID + "/verify"}}})
			}
			write(w, http.StatusOK, map[string]any{"status": "MFA_REQUIRED", "stateToken": state,
				"_embedded": map[string]any{"user": map[string]any{"profile": map[string]any{"login": u.Name}}, "factors": factors}})
		}
	case strings.HasPrefix(path, "/api/v1/authn/factors/") && strings.HasSuffix(path, "/verify"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/authn/factors/"), "/verify")
		u := s.states[in["stateToken"]]
		if u == nil {
			fail(w, http.StatusForbidden, "E0000011", "Invalid token provided")
			return
		}
		var f *Factor
		for i := range u.Factors {
			if u.Factors[i].ID == id {
				f = &u.Factors[i]
			}
		}
		switch {
		case f == nil:
			fail(w, http.StatusNotFound, "E0000007", "Not found: Resource not found")
		case f.Type == "push":
			n := s.polls[in["stateToken"]]
			s.polls[in["stateToken"]] = n + 1
			challenge := func(result string) {
				write(w, http.StatusOK, map[string]any{"status": "MFA_CHALLENGE", "factorResult": result, "stateToken": in["stateToken"]})
			}
			switch {
			case n <= f.Waits:
				challenge("WAITING")
			case f.Push == Reject:
				challenge("REJECTED")
			case f.Push == Timeout:
				challenge("TIMEOUT")
			default:
				delete(s.states, in["stateToken"])
				s.success(w, u)
			}
		case in["passCode"] == f.Code && f.Code != "":
			delete(s.states, in["stateToken"])
			s.success(w, u)
		default:
			fail(w, http.StatusForbidden, "E0000068", "Invalid Passcode/Answer")
		}
	default:
		fail(w, http.StatusNotFound, "E0000007", "Not found: Resource not found")
	}
}

// SetPassword changes a user's password (the user changed it elsewhere).
func (s *Server) SetPassword(name, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(name); u != nil {
		u.Password = password
	}
}

func (s *Server) user(name string) *User {
	for i := range s.o.Users {
		if strings.EqualFold(s.o.Users[i].Name, name) {
			return &s.o.Users[i]
		}
	}
	return nil
}
