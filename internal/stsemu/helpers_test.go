package stsemu

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

const (
	demoPath    = "../../testdata/emulator/demo.json"
	aliceKey    = "AKIAEXAMPLEALICE0001"
	aliceSecret = "aliceEMULATORsecretKEYdoNOTuse0000000001"
	aliceMFA    = "arn:aws:iam::111111111111:mfa/alice"
	bobKey      = "AKIAEMULATORBOB00001"
	bobSecret   = "bobEMULATORsecretKEYdoNOTuse000000000002"
	carolKey    = "AKIAEMULATORCAROL001"
	carolSecret = "carolEMULATORsecretKEYdoNOTuse0000000003"
	oidcSecret  = "emulator-oidc-hs256-secret-not-a-real-key"
	oidcIssuer  = "https://oidc.emulator.example"
	prodRead    = "arn:aws:iam::222222222222:role/read"
	prodAdmin   = "arn:aws:iam::222222222222:role/admin"
	samlProv    = "arn:aws:iam::222222222222:saml-provider/emulator-idp"
)

var epoch = time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	srv   *Server
	ts    *httptest.Server
	clock *fakeClock
}

// newEnv starts the emulator on the demo scenario, optionally modified.
func newEnv(t *testing.T, mutate func(*Scenario)) *env {
	t.Helper()
	sc, err := LoadScenario(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(sc)
	}
	clk := &fakeClock{t: epoch}
	srv := New(sc, WithClock(clk.Now))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, srv: srv, ts: ts, clock: clk}
}

func fastRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		o.RateLimiter = ratelimit.None
	})
}

func (e *env) stsRegion(region string, c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{
		Region:       region,
		BaseEndpoint: aws.String(e.ts.URL),
		Credentials:  credentials.StaticCredentialsProvider{Value: c},
		HTTPClient:   e.ts.Client(),
		Retryer:      fastRetryer(),
	})
}

func (e *env) sts(c aws.Credentials) *sts.Client { return e.stsRegion("us-east-1", c) }

func (e *env) iam(c aws.Credentials) *iam.Client {
	return iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.ts.URL),
		Credentials:  credentials.StaticCredentialsProvider{Value: c},
		HTTPClient:   e.ts.Client(),
		Retryer:      fastRetryer(),
	})
}

// anon returns an STS client that sends unsigned requests.
func (e *env) anon() *sts.Client {
	return sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.ts.URL),
		HTTPClient:   e.ts.Client(),
		Retryer:      fastRetryer(),
	})
}

var (
	alice = aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}
	bob   = aws.Credentials{AccessKeyID: bobKey, SecretAccessKey: bobSecret}
)

func fromSTS(c *types.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
}

// wantErr asserts err is an AWS API error with the code and, if msg is not
// empty, a message containing msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s (%s)", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if msg != "" && !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("error message %q does not contain %q", ae.ErrorMessage(), msg)
	}
}

func newTestServer(t *testing.T, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}
