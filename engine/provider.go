package engine

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Provider returns an aws.CredentialsProvider that keeps credentials for req fresh, for
// long-running programs (the credential server, exec --server). Each Retrieve hands out
// credentials with more than window left before they expire, and reports their true expiry:
// when less remains, the role is assumed again through Assume (which re-mints role credentials
// from the cached MFA session, without a new prompt, while that session lasts).
//
// aws.CredentialsCache is not used: it reports expiry shortened by its window and hands credentials
// out until that shortened time, so a client could receive credentials with no time left at all.
func (e *Engine) Provider(req Request, window time.Duration) aws.CredentialsProvider {
	return &refresher{e: e, req: req, window: window}
}

type refresher struct {
	e      *Engine
	window time.Duration

	mu   sync.Mutex
	req  Request
	last aws.Credentials
}

func (r *refresher) Retrieve(ctx context.Context) (aws.Credentials, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last.HasKeys() && (!r.last.CanExpire || r.e.now().Add(r.window).Before(r.last.Expires)) {
		return r.last, nil
	}
	res, err := r.e.Assume(ctx, r.req)
	if err != nil {
		return aws.Credentials{}, err
	}
	r.req.TokenCode = "" // an MFA code is accepted once; refreshes use the cached MFA session
	r.last = res.Credentials
	return r.last, nil
}
