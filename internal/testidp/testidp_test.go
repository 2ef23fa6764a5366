package testidp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/saml"
)

var now = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func start(t *testing.T, o Options) (*IdP, string) {
	t.Helper()
	o.Now = func() time.Time { return now }
	idp := New(o)
	srv := httptest.NewServer(idp)
	t.Cleanup(srv.Close)
	return idp, srv.URL
}

func fetch(t *testing.T, url, user, password string) (*saml.Assertion, error) {
	t.Helper()
	return saml.FetchAssertion(context.Background(), nil, saml.IdPRequest{URL: url, Username: user, Password: password})
}

func TestLoginGrantsRoles(t *testing.T) {
	roles := EmulatorRoles("222222222222", "saml-read", "saml-admin")
	password := `p"a\ss $saml_user ünï 🔑`
	idp, url := start(t, Options{
		Users:           []User{{Name: "dev@example.com", Password: password}, {Name: "solo", Password: "pw", Roles: roles[:1]}},
		Roles:           roles,
		SessionDuration: 1800,
	})
	a, err := fetch(t, url, "dev@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Roles) != 2 || a.Roles[1] != roles[1] || a.SessionDuration != 1800 || a.RoleSessionName != "dev@example.com" {
		t.Fatalf("assertion = %+v", a)
	}
	if !a.NotOnOrAfter.Equal(now.Add(5 * time.Minute)) {
		t.Fatalf("NotOnOrAfter = %s", a.NotOnOrAfter)
	}
	logins := idp.Logins()
	if len(logins) != 1 || logins[0].User != "dev@example.com" || logins[0].Password != password || !logins[0].OK {
		t.Fatalf("logins = %+v", logins)
	}
	a, err = fetch(t, url, "solo", "pw")
	if err != nil || len(a.Roles) != 1 || a.Roles[0] != roles[0] {
		t.Fatalf("per-user roles: %+v %v", a, err)
	}
}

func TestUsernameField(t *testing.T) {
	idp, url := start(t, Options{Users: []User{{Name: "u1", Password: "pw"}}, Roles: EmulatorRoles("222222222222", "saml-read")})
	_, err := saml.FetchAssertion(context.Background(), nil, saml.IdPRequest{URL: url, Username: "u1", Password: "pw",
		Template: `{"username": "$saml_user", "password": "$saml_password"}`})
	if err != nil {
		t.Fatal(err)
	}
	if idp.Requests() != 1 {
		t.Fatalf("requests = %d", idp.Requests())
	}
}

func TestFailures(t *testing.T) {
	idp, url := start(t, Options{Users: []User{{Name: "u", Password: "right"}}, Roles: EmulatorRoles("222222222222", "saml-read")})
	_, err := fetch(t, url, "u", "wrong")
	if !errors.Is(err, saml.ErrIdPRejected) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: %v", err)
	}
	_, err = fetch(t, url, "nobody", "right")
	if !errors.Is(err, saml.ErrIdPRejected) {
		t.Fatalf("unknown user: %v", err)
	}
	idp.SetMode(NoSAMLResponse)
	if _, err = fetch(t, url, "u", "right"); err == nil || !strings.Contains(err.Error(), "no saml_response") {
		t.Fatalf("no saml_response: %v", err)
	}
	idp.SetMode(ServerError)
	if _, err = fetch(t, url, "u", "right"); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("500: %v", err)
	}
	idp.SetMode(ExpiredAssertion)
	a, err := fetch(t, url, "u", "right")
	if err != nil || !a.NotOnOrAfter.Before(now) {
		t.Fatalf("expired: %+v %v", a, err)
	}
	if got := idp.Requests(); got != 5 {
		t.Fatalf("requests = %d, want 5", got)
	}
	idp.SetMode(ServerError)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("GET in ServerError mode: %d", resp.StatusCode)
	}
	idp.SetMode(Normal)
	resp, err = http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	resp, err = http.Post(url, "application/json", strings.NewReader("{nope"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad JSON: %d", resp.StatusCode)
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", ":0", "example.com:80"} {
		if l, err := Listen(addr); err == nil {
			l.Close()
			t.Errorf("Listen(%q) succeeded", addr)
		}
	}
	l, err := Listen("")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !strings.HasPrefix(l.Addr().String(), "127.0.0.1:") {
		t.Fatalf("listening on %s", l.Addr())
	}
}
