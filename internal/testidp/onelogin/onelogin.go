// Package onelogin is a test double of OneLogin's API for the AWS sign-in: the OAuth2
// client-credentials token, POST /api/2/saml_assertion and POST /api/2/saml_assertion/verify_factor,
// with OneLogin's JSON shapes. Assertions are minted for the STS emulator. For tests only (it is
// never linked into the product); serve it on loopback (httptest).
package onelogin

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/assume-role/assume-role/internal/testidp"
	"github.com/assume-role/assume-role/saml"
)

// Device is an MFA device of a user; Code is the code it accepts.
type Device struct {
	ID   string
	Type string
	Code string
}

// User is a OneLogin user.
type User struct {
	Name     string
	Password string
	Roles    []saml.Role // nil: Options.Roles; empty: an assertion without AWS roles
	Devices  []Device    // MFA is required when there is at least one
	Locked   bool
	NoApp    bool // the AWS app is not assigned to this user
}

// Options configure the double.
type Options struct {
	ClientID, ClientSecret string
	Subdomain, AppID       string
	Users                  []User
	Roles                  []saml.Role
	SessionDuration        int
	Validity               time.Duration // of assertions; default five minutes
}

// Login is a saml_assertion request received.
type Login struct{ User, Password string }

// Server is the double, an http.Handler safe for concurrent use.
type Server struct {
	o      Options
	mu     sync.Mutex
	tokens map[string]bool
	states map[string]*User
	calls  map[string]int
	logins []Login
}

// New returns a double.
func New(o Options) *Server {
	return &Server{o: o, tokens: map[string]bool{}, states: map[string]*User{}, calls: map[string]int{}}
}

// Calls returns how many requests reached path ("" for all).
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

// Logins returns the saml_assertion requests received.
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

func fail(w http.ResponseWriter, status int, msg string) {
	write(w, status, map[string]any{"statusCode": status, "name": http.StatusText(status), "message": msg})
}

// ServeHTTP implements the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[r.URL.Path]++
	if r.Method != http.MethodPost {
		fail(w, http.StatusMethodNotAllowed, "POST only")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var in map[string]any
	if json.Unmarshal(body, &in) != nil {
		fail(w, http.StatusBadRequest, "the body is not JSON")
		return
	}
	str := func(k string) string { v, _ := in[k].(string); return v }
	switch r.URL.Path {
	case "/auth/oauth2/v2/token":
		want := "client_id:" + s.o.ClientID + ", client_secret:" + s.o.ClientSecret
		if r.Header.Get("Authorization") != want || str("grant_type") != "client_credentials" {
			fail(w, http.StatusUnauthorized, "Authentication Failure")
			return
		}
		t := random()
		s.tokens[t] = true
		write(w, http.StatusOK, map[string]any{"access_token": t, "token_type": "bearer", "expires_in": 36000,
			"refresh_token": random(), "created_at": time.Now().UTC().Format(time.RFC3339)})
		return
	}
	if !s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
		fail(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	switch r.URL.Path {
	case "/api/2/saml_assertion":
		s.logins = append(s.logins, Login{User: str("username_or_email"), Password: str("password")})
		if str("subdomain") != s.o.Subdomain {
			fail(w, http.StatusBadRequest, "Invalid subdomain")
			return
		}
		u := s.user(str("username_or_email"))
		switch {
		case u != nil && u.Locked:
			fail(w, http.StatusUnauthorized, "Account is locked")
		case u == nil || u.Password != str("password"):
			fail(w, http.StatusUnauthorized, "Authentication Failure")
		case u.NoApp || str("app_id") != s.o.AppID:
			fail(w, http.StatusForbidden, "The user is not assigned to this app")
		case len(u.Devices) > 0:
			state := random()
			s.states[state] = u
			devices := []map[string]any{}
			for _, d := range u.Devices {
				devices = append(devices, map[string]any{"device_id": json.Number(d.ID), "device_type": d.Type})
			}
			write(w, http.StatusOK, map[string]any{"state_token": state, "message": "MFA is required for this user",
				"devices": devices, "callback_url": "http://" + r.Host + "/api/2/saml_assertion/verify_factor",
				"user": map[string]any{"username": u.Name}})
		default:
			write(w, http.StatusOK, map[string]any{"data": s.mint(u), "message": "Success"})
		}
	case "/api/2/saml_assertion/verify_factor":
		u := s.states[str("state_token")]
		if u == nil || str("app_id") != s.o.AppID {
			fail(w, http.StatusUnauthorized, "Invalid state_token")
			return
		}
		for _, d := range u.Devices {
			if d.ID == str("device_id") && d.Code == str("otp_token") {
				delete(s.states, str("state_token"))
				write(w, http.StatusOK, map[string]any{"data": s.mint(u), "message": "Success"})
				return
			}
		}
		fail(w, http.StatusUnauthorized, "Failed authentication with this factor")
	default:
		fail(w, http.StatusNotFound, "Not found")
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

func (s *Server) mint(u *User) string {
	roles := u.Roles
	if roles == nil {
		roles = s.o.Roles
	}
	return testidp.Mint(u.Name, roles, s.o.SessionDuration, s.o.Validity)
}
