package credserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// fakeProvider issues numbered credentials that expire lifetime after issue
// (never, when lifetime is 0), or fails with err.
type fakeProvider struct {
	mu       sync.Mutex
	n        int
	lifetime time.Duration
	err      error
}

func (f *fakeProvider) Retrieve(context.Context) (aws.Credentials, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if f.err != nil {
		return aws.Credentials{}, f.err
	}
	c := aws.Credentials{
		AccessKeyID:     fmt.Sprintf("ASIAFAKE%08d", f.n),
		SecretAccessKey: fmt.Sprintf("SECRETKEY-%d-do-not-log", f.n),
		SessionToken:    fmt.Sprintf("SESSIONTOKEN-%d-do-not-log", f.n),
		AccountID:       "123456789012",
	}
	if f.lifetime > 0 {
		c.CanExpire = true
		c.Expires = time.Now().Add(f.lifetime).Truncate(time.Second)
	}
	return c, nil
}

func (f *fakeProvider) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServer(t *testing.T, p aws.CredentialsProvider, o Options) *Server {
	t.Helper()
	s, err := New(p, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSDKClientRetrievesCredentials(t *testing.T) {
	fp := &fakeProvider{lifetime: time.Hour}
	s := startServer(t, fp, Options{})
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/") {
		t.Fatalf("URL() = %q", s.URL())
	}
	client := endpointcreds.New(s.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = s.Token() })
	got, err := client.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if got.AccessKeyID != "ASIAFAKE00000001" || got.SecretAccessKey != "SECRETKEY-1-do-not-log" ||
		got.SessionToken != "SESSIONTOKEN-1-do-not-log" || got.AccountID != "123456789012" {
		t.Errorf("credentials = %+v", got)
	}
	if !got.CanExpire || time.Until(got.Expires) < 59*time.Minute {
		t.Errorf("expiry = %v (CanExpire %v), want about an hour ahead", got.Expires, got.CanExpire)
	}
}

func TestStaticCredentialsGetSyntheticExpiration(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s := startServer(t, &fakeProvider{}, Options{Now: func() time.Time { return now }})
	resp := get(t, s.URL(), "", s.Token())
	var body map[string]string
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatalf("body %q: %v", resp.body, err)
	}
	if body["Expiration"] != "2030-01-02T04:04:05Z" {
		t.Errorf("Expiration = %q, want now+1h", body["Expiration"])
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, url, host, token string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func get(t *testing.T, url, host, token string) response {
	return do(t, http.MethodGet, url, host, token)
}

func TestRefusedRequests(t *testing.T) {
	fp := &fakeProvider{lifetime: time.Hour}
	s := startServer(t, fp, Options{})
	port := s.URL()[len("http://127.0.0.1:") : len(s.URL())-1]
	tests := []struct {
		name   string
		method string
		path   string
		host   string
		token  string
		status int
		code   string
	}{
		{"no token", "GET", "/", "", "", 401, "MissingAuthorization"},
		{"wrong token", "GET", "/", "", "not-the-token", 403, "InvalidAuthorization"},
		{"token prefix", "GET", "/", "", s.Token()[:10], 403, "InvalidAuthorization"},
		{"token with suffix", "GET", "/", "", s.Token() + "x", 403, "InvalidAuthorization"},
		{"foreign host", "GET", "/", "evil.example:" + port, s.Token(), 403, "InvalidHost"},
		{"foreign host without port", "GET", "/", "evil.example", s.Token(), 403, "InvalidHost"},
		{"loopback-looking name", "GET", "/", "127.0.0.1.evil.example:" + port, s.Token(), 403, "InvalidHost"},
		{"POST", "POST", "/", "", s.Token(), 405, "MethodNotAllowed"},
		{"PUT", "PUT", "/", "", s.Token(), 405, "MethodNotAllowed"},
		{"other path", "GET", "/latest/meta-data", "", s.Token(), 404, "NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := strings.TrimSuffix(s.URL(), "/") + tt.path
			r := do(t, tt.method, url, tt.host, tt.token)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d (body %s)", r.status, tt.status, r.body)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q", got)
			}
			var e errorResponse
			if err := json.Unmarshal(r.body, &e); err != nil || e.Code != tt.code || e.Message == "" {
				t.Errorf("body = %s (err %v), want code %s", r.body, err, tt.code)
			}
			if bytes.Contains(r.body, []byte("SECRETKEY")) {
				t.Errorf("refused response carries credentials: %s", r.body)
			}
		})
	}
	if n := fp.calls(); n != 0 {
		t.Errorf("provider called %d times for refused requests", n)
	}

	// The same server does answer well-formed requests, with any loopback Host.
	for _, host := range []string{"", "localhost:" + port, "LOCALHOST", "127.0.0.1"} {
		if r := get(t, s.URL(), host, s.Token()); r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Host %q: status %d, Cache-Control %q", host, r.status, r.header.Get("Cache-Control"))
		}
	}
}

func TestLoopbackHost(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1":            true,
		"127.0.0.1:8080":       true,
		"localhost":            true,
		"localhost:1":          true,
		"LocalHost:65535":      true,
		"[::1]":                true,
		"[::1]:80":             true,
		"":                     false,
		"127.0.0.1:":           false,
		"127.0.0.1:x":          false,
		"127.0.0.2":            false,
		"0.0.0.0:80":           false,
		"evil.example":         false,
		"localhost.evil:80":    false,
		"[::2]:80":             false,
		"[::1]x":               false,
		"169.254.170.2":        false,
		"127.0.0.1@evil:80":    false,
		"localhost:80:80":      false,
		"[::ffff:127.0.0.1]:1": false,
	}
	for host, want := range tests {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	fp := &fakeProvider{}
	for _, addr := range []string{"0.0.0.0:0", ":0", "10.0.0.1:0", "example.com:0", "[::]:0", "127.0.0.1"} {
		if _, err := New(fp, Options{Addr: addr}); err == nil {
			t.Errorf("New(Addr %q) accepted a non-loopback or malformed address", addr)
		}
	}
	for _, addr := range []string{"", "127.0.0.1:0", "localhost:0", "[::1]:0", "127.0.0.5:0"} {
		if _, err := New(fp, Options{Addr: addr}); err != nil {
			t.Errorf("New(Addr %q): %v", addr, err)
		}
	}
	for _, tok := range []string{"has space", "line\nbreak", "tab\t", "é"} {
		if _, err := New(fp, Options{Token: tok}); err == nil {
			t.Errorf("New(Token %q) accepted an invalid token", tok)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil provider) succeeded")
	}
}

func TestDefaultTokenAndEnv(t *testing.T) {
	a, err := New(&fakeProvider{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(&fakeProvider{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Token()) != 43 || strings.ContainsAny(a.Token(), "+/=") {
		t.Errorf("default token %q is not 32 bytes of base64url", a.Token())
	}
	if a.Token() == b.Token() {
		t.Error("two servers got the same random token")
	}
	if a.URL() != "" {
		t.Errorf("URL() before Start = %q", a.URL())
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	want := []string{EnvFullURI + "=" + a.URL(), EnvAuthToken + "=" + a.Token()}
	if got := a.Env(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Env() = %q, want %q", got, want)
	}
	c := startServer(t, &fakeProvider{}, Options{Token: "fixed-token"})
	if c.Token() != "fixed-token" {
		t.Errorf("Token() = %q", c.Token())
	}
}

func TestCloseStopsServing(t *testing.T) {
	s := startServer(t, &fakeProvider{lifetime: time.Hour}, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := client.Get(s.URL()); err == nil {
		resp.Body.Close()
		t.Error("server still answers after Close")
	}
	if err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestProviderErrorIs500WithoutSecrets(t *testing.T) {
	const token = "tok-abcdefghijklmnop"
	fp := &fakeProvider{err: errors.New("operation error STS: AssumeRole, api error AccessDenied: not authorized (token tok-abcdefghijklmnop)\nsecond line")}
	s := startServer(t, fp, Options{Token: token})
	r := get(t, s.URL(), "", token)
	if r.status != 500 {
		t.Fatalf("status = %d, want 500", r.status)
	}
	var e errorResponse
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if e.Code != "CredentialsUnavailable" || !strings.Contains(e.Message, "AccessDenied") {
		t.Errorf("error = %+v", e)
	}
	if strings.Contains(e.Message, token) || strings.Contains(e.Message, "\n") {
		t.Errorf("message leaks the token or a newline: %q", e.Message)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", r.header.Get("Cache-Control"))
	}
	// And the SDK reports it as an error, not as empty credentials.
	client := endpointcreds.New(s.URL(), func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
		o.Retryer = aws.NopRetryer{}
	})
	if _, err := client.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "CredentialsUnavailable") {
		t.Errorf("SDK Retrieve error = %v", err)
	}
}

// TestRefreshThroughCache checks that successive requests see new credentials
// once the cache's expiry window is reached.
func TestRefreshThroughCache(t *testing.T) {
	// 14 minutes left is inside botocore's 15-minute advisory refresh window: it fetches again on its
	// next use and gets new keys (the fake makes new ones at each request), without any credentials
	// ever being close to expiry, so a slow start of python under load cannot make this fail.
	fp := &fakeProvider{lifetime: 14 * time.Minute}
	s := startServer(t, fp, Options{})
	client := endpointcreds.New(s.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = s.Token() })

	seen := map[string]bool{}
	deadline := time.Now().Add(10 * time.Second)
	for len(seen) < 2 && time.Now().Before(deadline) {
		c, err := client.Retrieve(context.Background())
		if err != nil {
			t.Fatalf("Retrieve: %v", err)
		}
		if time.Until(c.Expires) < 0 {
			t.Fatalf("served expired credentials %s (expired %v)", c.AccessKeyID, c.Expires)
		}
		seen[c.AccessKeyID] = true
		time.Sleep(100 * time.Millisecond)
	}
	if len(seen) < 2 {
		t.Fatalf("saw only %v within the deadline; the cache never refreshed", seen)
	}
	if fp.calls() > 4 {
		t.Errorf("provider called %d times; the cache is not caching", fp.calls())
	}
}

func TestLogNeverContainsSecrets(t *testing.T) {
	var log syncBuffer
	fp := &fakeProvider{lifetime: time.Hour}
	s := startServer(t, fp, Options{Log: &log, Token: "the-server-token-123"})
	get(t, s.URL(), "", s.Token())
	get(t, s.URL(), "", "wrong")
	get(t, s.URL()+"?x=the-server-token-123", "", "")
	do(t, http.MethodPost, s.URL(), "", s.Token())

	out := log.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 log lines, got %d:\n%s", len(lines), out)
	}
	if !strings.Contains(lines[0], " 200 ASIAFAKE00000001") || !strings.Contains(lines[0], "127.0.0.1:") {
		t.Errorf("success line = %q", lines[0])
	}
	for i, want := range []string{" 403", " 401", " 405"} {
		if !strings.Contains(lines[i+1], want) {
			t.Errorf("line %d = %q, want status%s", i+2, lines[i+1], want)
		}
	}
	for _, secret := range []string{"SECRETKEY", "SESSIONTOKEN", "the-server-token-123", "wrong"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

// pythonWith returns the absolute path of a python3 that can import module,
// skipping the test (failing it when CI=true) otherwise. The absolute path lets
// the child run with an empty HOME even when python3 is a pyenv shim.
func pythonWith(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import sys, "+module+"; print(sys.executable)").Output()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with %s is required when CI=true: %v", module, err)
		}
		t.Skipf("python3 with %s not available: %v", module, err)
	}
	return strings.TrimSpace(string(out))
}

const boto3Script = `
import sys, time, boto3
creds = boto3.session.Session().get_credentials()
if creds is None:
    sys.exit("no credentials found")
first = creds.get_frozen_credentials()
print(creds.method, first.access_key, first.secret_key == "", flush=True)
if sys.argv[1:] == ["refresh"]:
    deadline = time.time() + 15
    while time.time() < deadline:
        time.sleep(0.2)
        k = creds.get_frozen_credentials().access_key
        if k != first.access_key:
            print(k)
            break
`

func runBoto3(t *testing.T, s *Server, args ...string) []string {
	t.Helper()
	py := pythonWith(t, "boto3")
	env := append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"AWS_EC2_METADATA_DISABLED=true",
	}, s.Env()...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{"-c", boto3Script}, args...)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("boto3 child: %v\n%s", err, stderr.String())
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func TestBoto3Child(t *testing.T) {
	s := startServer(t, &fakeProvider{lifetime: time.Hour}, Options{})
	lines := runBoto3(t, s)
	if len(lines) != 1 || lines[0] != "container-role ASIAFAKE00000001 False" {
		t.Fatalf("boto3 printed %q", lines)
	}
}

func TestBoto3ChildRefresh(t *testing.T) {
	// 14 minutes left is inside botocore's 15-minute advisory refresh window: it fetches again on its
	// next use and gets new keys (the fake makes new ones at each request), without any credentials
	// ever being close to expiry, so a slow start of python under load cannot make this fail.
	fp := &fakeProvider{lifetime: 14 * time.Minute}
	s := startServer(t, fp, Options{})
	lines := runBoto3(t, s, "refresh")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "container-role ASIAFAKE") || !strings.HasPrefix(lines[1], "ASIAFAKE") {
		t.Fatalf("boto3 printed %q, want a first key and a refreshed one", lines)
	}
	if first := strings.Fields(lines[0])[1]; first == lines[1] {
		t.Fatalf("boto3 never saw new credentials: %q", lines)
	}
}
