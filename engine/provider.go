package engine

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Provider returns an aws.CredentialsProvider that assumes req on every refresh, so long-running
// programs (the credential server, exec --server) keep valid credentials: each Retrieve goes
// through Assume, which serves fresh cached credentials and re-assumes the role (from the cached
// MFA session, without a new prompt) once they come within the cache margin of expiry.
// The result is wrapped in an aws.CredentialsCache that refreshes window before expiry.
func (e *Engine) Provider(req Request, window time.Duration) aws.CredentialsProvider {
	var mu sync.Mutex
	p := aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		mu.Lock()
		defer mu.Unlock()
		r, err := e.Assume(ctx, req)
		if err != nil {
			return aws.Credentials{}, err
		}
		req.TokenCode = "" // an MFA code is accepted once; refreshes use the cached MFA session
		return r.Credentials, nil
	})
	return aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = window })
}
