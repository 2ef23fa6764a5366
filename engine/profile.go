package engine

import (
	"context"
	"strconv"

	"github.com/assume-role/assume-role/cache"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// assumeViaSDK serves profiles whose whole chain the SDK resolves (credential_source, web identity,
// SSO, credential_process, or a profile's own keys), caching the final credentials when they expire.
func (e *Engine) assumeViaSDK(ctx context.Context, p *plan) (*Result, error) {
	key := cache.Key{Kind: "profile", Fields: map[string]string{
		"source": p.src.descriptor, "duration": strconv.Itoa(p.duration), "role": p.roleARN,
	}}
	fetch := func(ctx context.Context) (*cache.Entry, error) {
		c, err := e.sourceCredentials(ctx, p)
		if err != nil {
			return nil, err
		}
		ent := &cache.Entry{Kind: "profile", AccessKeyID: c.AccessKeyID,
			SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, AccountID: c.AccountID,
			Label: p.src.label, Created: e.now()}
		if c.CanExpire {
			ent.Expiration = c.Expires
		}
		if ent.AccountID == "" || p.roleARN != "" {
			if client, err := e.stsClient(ctx, p, fixed(c)); err == nil {
				if id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
					ent.AccountID, ent.Arn = aws.ToString(id.Account), aws.ToString(id.Arn)
				}
			}
		}
		return ent, nil
	}
	var ent *cache.Entry
	var cached bool
	var err error
	if e.cache == nil || p.req.NoCache || p.profileOut && p.src.static != nil {
		ent, err = fetch(ctx)
	} else {
		if p.req.Refresh {
			_ = e.cache.Invalidate(key)
		}
		ent, cached, err = e.cache.GetOrFetch(ctx, key, fetch)
	}
	if err != nil {
		return nil, err
	}
	r := p.result(ent, cached)
	if r.AccountID == "" {
		r.AccountID = ent.AccountID
	}
	return r, nil
}
