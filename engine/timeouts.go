package engine

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/assume-role/assume-role/problem"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// Timeouts bound every AWS call the engine makes. A zero field takes its default.
type Timeouts struct {
	Connect   time.Duration // TCP connect and TLS handshake, per attempt (default 5s)
	FirstByte time.Duration // from the request sent to the response headers, per attempt (default 10s)
	Total     time.Duration // the whole call, retries and reading the answer included (default 30s)
}

// DefaultTimeouts are the bounds used when Options.Timeouts leaves a field zero.
var DefaultTimeouts = Timeouts{Connect: 5 * time.Second, FirstByte: 10 * time.Second, Total: 30 * time.Second}

// TimeoutsEnvVar overrides DefaultTimeouts in the CLI (as does --timeouts).
const TimeoutsEnvVar = "ASSUME_ROLE_TIMEOUTS"

func (t Timeouts) withDefaults() Timeouts {
	if t.Connect <= 0 {
		t.Connect = DefaultTimeouts.Connect
	}
	if t.FirstByte <= 0 {
		t.FirstByte = DefaultTimeouts.FirstByte
	}
	if t.Total <= 0 {
		t.Total = DefaultTimeouts.Total
	}
	return t
}

// String renders t in the syntax ParseTimeouts reads.
func (t Timeouts) String() string {
	return fmt.Sprintf("connect=%s,first-byte=%s,total=%s", t.Connect, t.FirstByte, t.Total)
}

// ParseTimeouts reads "connect=5s,first-byte=10s,total=30s"; any subset may be given, the others
// keep their defaults. Each value is a Go duration between 1ms and 1h.
func ParseTimeouts(s string) (Timeouts, error) {
	var t Timeouts
	bad := func(format string, args ...any) (Timeouts, error) {
		return Timeouts{}, problem.New(problem.Usage, "timeouts %q: %s", clip(s, 80), fmt.Sprintf(format, args...)).
			WithHint("write for example connect=5s,first-byte=10s,total=30s (any subset)")
	}
	if strings.TrimSpace(s) == "" {
		return bad("empty")
	}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return bad("%q is not NAME=DURATION", clip(part, 40))
		}
		d, err := time.ParseDuration(strings.TrimSpace(val))
		if err != nil || d < time.Millisecond || d > time.Hour {
			return bad("%s=%q is not a duration between 1ms and 1h", clip(name, 20), clip(val, 20))
		}
		switch strings.TrimSpace(name) {
		case "connect":
			t.Connect = d
		case "first-byte":
			t.FirstByte = d
		case "total":
			t.Total = d
		default:
			return bad("unknown timeout %q (connect, first-byte, total)", clip(name, 20))
		}
	}
	return t.withDefaults(), nil
}

// clip shortens s for an error message and makes it printable.
func clip(s string, n int) string {
	var b strings.Builder
	for i, r := range s {
		if i >= n {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// HTTPClientWithTimeouts returns the SDK's buildable client bounded by t (zero fields: defaults).
func HTTPClientWithTimeouts(t Timeouts) *awshttp.BuildableClient {
	t = t.withDefaults()
	return awshttp.NewBuildableClient().
		WithTimeout(t.Total).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = t.Connect }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = t.Connect
			tr.ResponseHeaderTimeout = t.FirstByte
		})
}

// deadlineMiddleware bounds a whole AWS call, retries included, by d.
func deadlineMiddleware(d time.Duration) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("AssumeRoleCallDeadline",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				ctx, cancel := context.WithTimeout(ctx, d)
				defer cancel()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}

// sdkLogger receives the AWS SDK's own log lines (WARN …): they never reach the user's terminal
// raw; the failure they accompany is reported as one error line, and --debug shows them.
type sdkLogger struct{ e *Engine }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	if l.e.debug != nil {
		l.e.debugf("sdk %s: %s", strings.ToLower(string(c)), flatten(fmt.Sprintf(format, v...)))
	}
}
