package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const (
	testKeyID   = "ASIATESTKEYID"
	testSecret  = "SECRETKEY/with+special=chars"
	testToken   = "SESSIONTOKEN//with+plus&amp=="
	signinToken = "SIGNINTOKEN-abc+/=="
)

var testCreds = aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken}

func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{testSecret, testToken, "SECRETKEY", "SESSIONTOKEN", "SIGNINTOKEN", url.QueryEscape(testSecret)} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error leaks a secret (%s): %q", s, err)
		}
	}
}

// federation is a fake federation endpoint that checks getSigninToken
// requests; wantDuration "" means SessionDuration must be absent.
func federation(t *testing.T, wantDuration string, reply func(w http.ResponseWriter)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != http.MethodGet || r.URL.Path != "/federation" || q.Get("Action") != "getSigninToken" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if got, ok := q["SessionDuration"]; (wantDuration == "" && ok) || (wantDuration != "" && (len(got) != 1 || got[0] != wantDuration)) {
			t.Errorf("SessionDuration = %q, want %q", got, wantDuration)
		}
		var session map[string]string
		if err := json.Unmarshal([]byte(q.Get("Session")), &session); err != nil {
			t.Errorf("Session is not JSON: %v", err)
		}
		want := map[string]string{"sessionId": testKeyID, "sessionKey": testSecret, "sessionToken": testToken}
		if fmt.Sprint(session) != fmt.Sprint(want) {
			t.Errorf("Session = %v", session)
		}
		if len(q) != 3-boolInt(wantDuration == "") {
			t.Errorf("unexpected parameters: %v", q)
		}
		reply(w)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func okReply(w http.ResponseWriter) {
	_ = json.NewEncoder(w).Encode(map[string]string{"SigninToken": signinToken})
}

func TestSigninURL(t *testing.T) {
	tests := []struct {
		name         string
		opts         Options
		wantDuration string
		issuer       string
		destination  string
	}{
		{"defaults", Options{}, "", "assume-role", "https://console.aws.amazon.com/"},
		{"duration", Options{SessionDuration: 12 * time.Hour}, "43200", "assume-role", "https://console.aws.amazon.com/"},
		{"min duration", Options{SessionDuration: 15 * time.Minute}, "900", "assume-role", "https://console.aws.amazon.com/"},
		{"federation token", Options{FederationToken: true}, "", "assume-role", "https://console.aws.amazon.com/"},
		{"custom", Options{Issuer: "me & co", Destination: "https://console.aws.amazon.com/s3/home?region=eu-west-1#bucket"}, "", "me & co",
			"https://console.aws.amazon.com/s3/home?region=eu-west-1#bucket"},
		{"region", Options{Region: "eu-west-1"}, "", "assume-role", "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"},
		{"gov region", Options{Region: "us-gov-west-1"}, "", "assume-role", "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"},
		{"china", Options{Partition: "aws-cn"}, "", "assume-role", "https://console.amazonaws.cn/"},
		{"china region", Options{Region: "cn-north-1"}, "", "assume-role", "https://console.amazonaws.cn/console/home?region=cn-north-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := federation(t, tt.wantDuration, okReply)
			o := tt.opts
			o.Endpoint = srv.URL + "/federation"
			o.HTTPClient = srv.Client()
			got, err := SigninURL(context.Background(), testCreds, o)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme+"://"+u.Host+u.Path != o.Endpoint {
				t.Errorf("login URL base = %s", got)
			}
			q := u.Query()
			want := url.Values{
				"Action":      {"login"},
				"Issuer":      {tt.issuer},
				"Destination": {tt.destination},
				"SigninToken": {signinToken},
			}
			if fmt.Sprint(q) != fmt.Sprint(want) {
				t.Errorf("login query = %v, want %v", q, want)
			}
			if u.Fragment != "" {
				t.Errorf("destination fragment leaked into the URL's fragment: %q", u.Fragment)
			}
		})
	}
}

func TestSigninURLValidationBeforeRequest(t *testing.T) {
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("request sent despite invalid input: %s", r.URL.Host)
		return nil, errors.New("offline")
	})}
	longTerm := aws.Credentials{AccessKeyID: "AKIATEST", SecretAccessKey: testSecret}
	tests := []struct {
		name  string
		creds aws.Credentials
		opts  Options
		want  string
		is    error
	}{
		{"long-term keys", longTerm, Options{}, "GetFederationToken first", ErrLongTermCredentials},
		{"no credentials", aws.Credentials{}, Options{}, "no credentials", nil},
		{"too short", testCreds, Options{SessionDuration: 899 * time.Second}, "out of range", nil},
		{"too long", testCreds, Options{SessionDuration: 43201 * time.Second}, "out of range", nil},
		{"negative", testCreds, Options{SessionDuration: -time.Hour}, "out of range", nil},
		{"fractional", testCreds, Options{SessionDuration: time.Hour + time.Millisecond}, "whole number of seconds", nil},
		{"duration with federation token", testCreds, Options{SessionDuration: time.Hour, FederationToken: true}, "must be omitted for GetFederationToken", nil},
		{"plain http", testCreds, Options{Endpoint: "http://signin.example.test/federation"}, "must use https", nil},
		{"bad scheme", testCreds, Options{Endpoint: "ftp://127.0.0.1/federation"}, "not https", nil},
		{"relative endpoint", testCreds, Options{Endpoint: "/federation"}, "not an absolute URL", nil},
		{"unknown partition", testCreds, Options{Partition: "aws-iso"}, `partition "aws-iso"`, nil},
		{"bad region", testCreds, Options{Region: "eu-west-1/../x"}, "not a valid AWS region", nil},
		{"bad destination", testCreds, Options{Destination: "javascript:alert(1)"}, "destination is not an absolute", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.HTTPClient = hc
			got, err := SigninURL(context.Background(), tt.creds, tt.opts)
			if err == nil {
				t.Fatalf("no error, URL %q", got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestSigninURLEndpointErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply func(w http.ResponseWriter)
		want  string
	}{
		{"400", func(w http.ResponseWriter) {
			http.Error(w, "bad session "+testToken, http.StatusBadRequest)
		}, "answered 400 Bad Request: the credentials may be expired"},
		{"500", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }, "answered 500 Internal Server Error"},
		{"redirect", func(w http.ResponseWriter) {
			w.Header().Set("Location", "https://signin.example.test/?Session="+url.QueryEscape(testSecret))
			w.WriteHeader(http.StatusFound)
		}, "answered 302 Found"},
		{"bad JSON", func(w http.ResponseWriter) { _, _ = fmt.Fprint(w, "<html>"+testSecret+"</html>") }, "did not answer the expected JSON"},
		{"missing token", func(w http.ResponseWriter) { _, _ = fmt.Fprint(w, `{"Other": "x"}`) }, "answered no SigninToken"},
		{"empty token", func(w http.ResponseWriter) { _, _ = fmt.Fprint(w, `{"SigninToken": ""}`) }, "answered no SigninToken"},
		{"null token", func(w http.ResponseWriter) { _, _ = fmt.Fprint(w, `{"SigninToken": null}`) }, "answered no SigninToken"},
		{"non-string token", func(w http.ResponseWriter) { _, _ = fmt.Fprint(w, `{"SigninToken": 7}`) }, "did not answer the expected JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := federation(t, "3600", tt.reply)
			got, err := SigninURL(context.Background(), testCreds, Options{
				Endpoint: srv.URL + "/federation", HTTPClient: srv.Client(), SessionDuration: time.Hour,
			})
			if err == nil {
				t.Fatalf("no error, URL %q", got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), srv.URL+"/federation") {
				t.Errorf("error %q does not name the endpoint", err)
			}
			assertNoSecrets(t, err)
		})
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSigninURLTransportErrorsAreScrubbed(t *testing.T) {
	// A transport whose error quotes the request URL, as some do.
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("proxy refused %s (session %s)", r.URL.String(), r.URL.Query().Get("Session"))
	})}
	_, err := SigninURL(context.Background(), testCreds, Options{Endpoint: "https://signin.example.test/federation", HTTPClient: hc})
	if err == nil || !strings.Contains(err.Error(), "requesting a console sign-in token from https://signin.example.test/federation") {
		t.Fatalf("error = %v", err)
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error not scrubbed: %q", err)
	}
	assertNoSecrets(t, err)

	// Context errors stay matchable.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv := federation(t, "", okReply)
	_, err = SigninURL(ctx, testCreds, Options{Endpoint: srv.URL + "/federation", HTTPClient: srv.Client()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	assertNoSecrets(t, err)
}

func TestPartitionEndpoint(t *testing.T) {
	tests := []struct{ partition, federation, console string }{
		{"", "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"},
		{"aws", "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"},
		{"aws-us-gov", "https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/"},
		{"aws-cn", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"},
		{"aws-iso", "", ""},
	}
	for _, tt := range tests {
		f, c := PartitionEndpoint(tt.partition)
		if f != tt.federation || c != tt.console {
			t.Errorf("PartitionEndpoint(%q) = %q, %q", tt.partition, f, c)
		}
	}
}

func TestSigninURLDefaultEndpointIsPartitions(t *testing.T) {
	var seen []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path)
		return nil, errors.New("offline")
	})}
	for _, o := range []Options{{}, {Partition: "aws-us-gov"}, {Region: "cn-northwest-1"}} {
		o.HTTPClient = hc
		if _, err := SigninURL(context.Background(), testCreds, o); err == nil {
			t.Fatal("no error from an offline transport")
		}
	}
	want := []string{"https://signin.aws.amazon.com/federation", "https://signin.amazonaws-us-gov.com/federation", "https://signin.amazonaws.cn/federation"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("endpoints = %q, want %q", seen, want)
	}
}
