package saml_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/saml"
	"github.com/assume-role/assume-role/saml/samltest"
)

const (
	testUser     = "jane@example.com"
	testPassword = `pa"ss\word-SECRET-π`
)

var testRole = saml.Role{
	RoleARN:      "arn:aws:iam::123456789012:role/Dev",
	PrincipalARN: "arn:aws:iam::123456789012:saml-provider/IdP",
}

// fakeIdP is a coinbase-style IdP: POST JSON {"email","password"} →
// {"saml_response": …}. Paths select misbehaviours.
func fakeIdP(t *testing.T) *httptest.Server {
	t.Helper()
	assertion := samltest.BuildTestAssertion(samltest.TestAssertionOptions{
		Roles:           []saml.Role{testRole},
		NotOnOrAfter:    time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		SessionDuration: 3600,
	})
	mux := http.NewServeMux()
	checkRequest := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return false
		}
		if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
			http.Error(w, "headers", http.StatusUnsupportedMediaType)
			return false
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "body", http.StatusBadRequest)
			return false
		}
		if body["email"] != testUser || body["password"] != testPassword || body["service"] != "aws" || len(body) != 3 {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": "bad credentials for " + body["password"]})
			return false
		}
		return true
	}
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		if checkRequest(w, r) {
			_ = json.NewEncoder(w).Encode(map[string]string{"saml_response": assertion})
		}
	})
	mux.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = fmt.Fprintf(w, `{"error": "account locked"}`)
	})
	mux.HandleFunc("/500json", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintf(w, `{"message": "database\nunavailable\u0007"}`)
	})
	mux.HandleFunc("/500echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(body) // echoes the password: must never surface
	})
	mux.HandleFunc("/502message-echo", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.WriteHeader(http.StatusBadGateway)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": "upstream refused " + body["password"]})
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"status": "ok"}`)
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"saml_response": ""}`)
	})
	mux.HandleFunc("/number", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"saml_response": 42}`)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `<html>Sign in</html>`)
	})
	mux.HandleFunc("/garbage-assertion", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"saml_response": "bm90IHhtbA=="}`)
	})
	mux.HandleFunc("/redirect-insecure", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://idp.example.test/ok", http.StatusFound)
	})
	mux.HandleFunc("/redirect-307-same", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusTemporaryRedirect)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func request(url string) saml.IdPRequest {
	return saml.IdPRequest{URL: url, Username: testUser, Password: testPassword}
}

func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{testPassword, "SECRET", `pa\"ss`, "pa\"ss"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error leaks the password: %q", err)
		}
	}
}

func TestFetchAssertionOK(t *testing.T) {
	srv := fakeIdP(t)
	hc := srv.Client()
	a, err := saml.FetchAssertion(context.Background(), hc, request(srv.URL+"/ok"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Roles) != 1 || a.Roles[0] != testRole || a.SessionDuration != 3600 {
		t.Errorf("assertion = %#v", a)
	}
	if hc.CheckRedirect != nil {
		t.Error("FetchAssertion modified the caller's client")
	}

	// A 307 to the same host resends the body and is followed.
	if _, err := saml.FetchAssertion(context.Background(), hc, request(srv.URL+"/redirect-307-same")); err != nil {
		t.Errorf("same-host 307: %v", err)
	}
	// A nil client works too.
	if _, err := saml.FetchAssertion(context.Background(), nil, request(srv.URL+"/ok")); err != nil {
		t.Errorf("nil client: %v", err)
	}
}

func TestFetchAssertionErrors(t *testing.T) {
	srv := fakeIdP(t)
	wrongPassword := request(srv.URL + "/ok")
	wrongPassword.Password = "wrong-SECRET"
	badTemplate := request(srv.URL + "/ok")
	badTemplate.Template = `{"password": "$saml_password"`
	tests := []struct {
		name string
		req  saml.IdPRequest
		want []string
		is   error
	}{
		{"401", wrongPassword, []string{"the IdP rejected the sign-in (401): check your username and password"}, saml.ErrIdPRejected},
		{"403", request(srv.URL + "/forbidden"), []string{"the IdP rejected the sign-in (403): check your username and password", `"account locked"`}, saml.ErrIdPRejected},
		{"500 json message", request(srv.URL + "/500json"), []string{"the IdP at " + srv.URL + "/500json answered 500 Internal Server Error", `(the IdP says "unavailable")`}, nil},
		{"500 echo", request(srv.URL + "/500echo?token=q"), []string{"answered 500 Internal Server Error"}, nil},
		{"502 message echoing the password", request(srv.URL + "/502message-echo"), []string{"answered 502 Bad Gateway"}, nil},
		{"missing saml_response", request(srv.URL + "/missing"), []string{"the IdP's response has no saml_response"}, nil},
		{"empty saml_response", request(srv.URL + "/empty"), []string{"has no saml_response"}, nil},
		{"non-string saml_response", request(srv.URL + "/number"), []string{"has no saml_response"}, nil},
		{"non-JSON", request(srv.URL + "/html"), []string{"not a JSON object"}, nil},
		{"unusable assertion", request(srv.URL + "/garbage-assertion"), []string{"the IdP's saml_response is unusable", "does not decode to XML"}, nil},
		{"404", request(srv.URL + "/nope"), []string{"answered 404 Not Found"}, nil},
		{"bad template", badTemplate, []string{"not valid JSON"}, nil},
		{"redirect to insecure host", request(srv.URL + "/redirect-insecure"), []string{"refusing the IdP's redirect", "idp.example.test"}, saml.ErrInsecureIdP},
		{"bad scheme", request("ftp://127.0.0.1/x"), []string{`scheme "ftp"`}, nil},
		{"relative URL", request("/ok"), []string{"not an absolute"}, nil},
		{"no URL", request(""), []string{"no IdP URL"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := saml.FetchAssertion(context.Background(), srv.Client(), tt.req)
			if err == nil {
				t.Fatalf("no error: %#v", a)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			if strings.Contains(err.Error(), "token=q") {
				t.Errorf("error shows the URL query: %q", err)
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestFetchAssertionRefusesPlainHTTPBeforeConnecting(t *testing.T) {
	connected := false
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		connected = true
		return nil, errors.New("offline")
	})}
	for _, u := range []string{"http://idp.example.test/", "http://10.0.0.1/saml", "http://127.0.0.1.example.test/", "HTTP://idp.example.test/"} {
		_, err := saml.FetchAssertion(context.Background(), hc, request(u))
		if !errors.Is(err, saml.ErrInsecureIdP) {
			t.Errorf("%s: error %v, want ErrInsecureIdP", u, err)
			continue
		}
		if !strings.Contains(err.Error(), "--allow-insecure-idp") {
			t.Errorf("error lacks the hint: %q", err)
		}
		assertNoSecrets(t, err)
	}
	if connected {
		t.Fatal("a request was sent before refusing plain http")
	}

	// Loopback hosts and AllowInsecure reach the transport.
	for _, tc := range []struct {
		url      string
		insecure bool
	}{
		{"http://localhost:9/", false},
		{"http://127.0.0.2:9/", false},
		{"http://[::1]:9/", false},
		{"http://idp.example.test/", true},
		{"https://idp.example.test/", false},
	} {
		connected = false
		r := request(tc.url)
		r.AllowInsecure = tc.insecure
		_, err := saml.FetchAssertion(context.Background(), hc, r)
		if !connected {
			t.Errorf("%s (insecure=%v): refused: %v", tc.url, tc.insecure, err)
		}
		if err == nil || !strings.Contains(err.Error(), "offline") {
			t.Errorf("%s: error %v, want the transport's", tc.url, err)
		}
	}
}

func TestFetchAssertionRedirectPolicy(t *testing.T) {
	srv := fakeIdP(t)
	var hosts []string
	base := srv.Client().Transport
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hosts = append(hosts, r.URL.Host)
		if r.URL.Hostname() != "127.0.0.1" {
			return nil, errors.New("connection attempt to " + r.URL.Host)
		}
		return base.RoundTrip(r)
	})}
	_, err := saml.FetchAssertion(context.Background(), hc, request(srv.URL+"/redirect-insecure"))
	if !errors.Is(err, saml.ErrInsecureIdP) {
		t.Errorf("error %v, want ErrInsecureIdP", err)
	}
	if len(hosts) != 1 {
		t.Errorf("requests went to %q; want only the first", hosts)
	}

	// A 307 to another host would resend the password: refused.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the password was resent to another host")
	}))
	defer other.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/steal", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	_, err = saml.FetchAssertion(context.Background(), redirector.Client(), request(redirector.URL))
	if err == nil || !strings.Contains(err.Error(), "would resend the password") {
		t.Errorf("cross-host 307: %v", err)
	}

	// The caller's own redirect policy still applies.
	calls := 0
	own := srv.Client()
	own.CheckRedirect = func(*http.Request, []*http.Request) error { calls++; return errors.New("no redirects here") }
	_, err = saml.FetchAssertion(context.Background(), own, request(srv.URL+"/redirect-307-same"))
	if calls != 1 || err == nil || !strings.Contains(err.Error(), "no redirects here") {
		t.Errorf("caller's CheckRedirect: calls=%d err=%v", calls, err)
	}
}

func TestFetchAssertionContext(t *testing.T) {
	srv := fakeIdP(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := saml.FetchAssertion(ctx, srv.Client(), request(srv.URL+"/ok"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	assertNoSecrets(t, err)
}
