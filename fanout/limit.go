package fanout

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// DefaultSTSRPS is the default rate of STS calls, well below STS's quota of 600 requests per second
// per account and Region, which other jobs of the same account share.
const DefaultSTSRPS = 50

// DefaultOrgRPS is the default rate of Organizations calls (its quota is lower: a few per second
// sustained for most actions).
const DefaultOrgRPS = 5

// Limiters hold the rates shared by every worker: one for STS (and IAM), one for Organizations.
type Limiters struct {
	STS, Org *rate.Limiter
}

// NewLimiters returns limiters of stsRPS and orgRPS requests per second (a burst of one second's
// worth); a rate <= 0 is unlimited.
func NewLimiters(stsRPS, orgRPS float64) *Limiters {
	mk := func(r float64) *rate.Limiter {
		if r <= 0 {
			return rate.NewLimiter(rate.Inf, 1)
		}
		return rate.NewLimiter(rate.Limit(r), max(1, int(r)))
	}
	return &Limiters{STS: mk(stsRPS), Org: mk(orgRPS)}
}

// APIOptions returns the middleware that makes every attempt of an STS, IAM or Organizations call
// (retries included) wait for its limiter; pass it as engine.Options.APIOptions.
func (l *Limiters) APIOptions() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{func(st *middleware.Stack) error {
		return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("fanoutRateLimit",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				var lim *rate.Limiter
				switch awsmw.GetServiceID(ctx) {
				case "STS", "IAM":
					lim = l.STS
				case "Organizations":
					lim = l.Org
				}
				if lim != nil {
					if err := lim.Wait(ctx); err != nil {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, err
					}
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}}
}

// throttled reports an AWS throttling error.
func throttled(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown":
		return true
	}
	return false
}

// ErrorCode is the AWS error code of err, "" when it has none.
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// retryAttempts bounds the retries of a throttled call (on top of the SDK's own few).
const retryAttempts = 8

// retry calls f until it succeeds, fails with something other than throttling, or retryAttempts
// throttled attempts have been made, sleeping with full-jitter exponential backoff in between.
func retry[T any](ctx context.Context, f func() (T, error)) (T, error) {
	var v T
	var err error
	for attempt := 0; ; attempt++ {
		v, err = f()
		if err == nil || !throttled(err) || attempt+1 >= retryAttempts {
			return v, err
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return v, err
		}
	}
}

// backoff is full jitter over 200 ms × 2^attempt, at most 10 s.
func backoff(attempt int) time.Duration {
	ceil := min(200*time.Millisecond<<attempt, 10*time.Second)
	return time.Duration(rand.Int64N(int64(ceil))) + 10*time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
