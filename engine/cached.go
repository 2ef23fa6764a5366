package engine

import (
	"context"
	"errors"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// entryProvider is an aws.CredentialsProvider that also says who the credentials belong to (the
// assumed-role ARN, MFA) and whether they came from the cache.
type entryProvider interface {
	aws.CredentialsProvider
	retrieveEntry(ctx context.Context) (ent *cache.Entry, cached bool, err error)
}

// fetcher adapts a function that makes credentials into an entryProvider.
type fetcher func(ctx context.Context) (*cache.Entry, error)

func (f fetcher) retrieveEntry(ctx context.Context) (*cache.Entry, bool, error) {
	ent, err := f(ctx)
	return ent, false, err
}

func (f fetcher) Retrieve(ctx context.Context) (aws.Credentials, error) {
	ent, err := f(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	return entryCredentials(ent), nil
}

// cachedProvider is the one caching decorator: it serves a fresh entry of key from the cache, or
// retrieves from the provider it wraps (under the cache's per-key lock, so concurrent processes make
// one call) and stores the result. Credentials that never expire (long-term keys) are not stored.
type cachedProvider struct {
	inner   entryProvider
	cache   *cache.Cache // nil: no caching
	key     cache.Key
	refresh bool // ignore a cached entry once (--refresh)
}

func (e *Engine) cached(inner entryProvider, key cache.Key, enabled, refresh bool) *cachedProvider {
	c := &cachedProvider{inner: inner, key: key, refresh: refresh}
	if enabled {
		c.cache = e.cache
	}
	return c
}

func (c *cachedProvider) retrieveEntry(ctx context.Context) (*cache.Entry, bool, error) {
	if c.cache == nil {
		return c.inner.retrieveEntry(ctx)
	}
	if c.refresh {
		c.refresh = false
		_ = c.cache.Invalidate(c.key)
	}
	var ephemeral *cache.Entry // credentials without expiry: handed out, never stored
	ent, cached, err := c.cache.GetOrFetch(ctx, c.key, func(ctx context.Context) (*cache.Entry, error) {
		ent, _, err := c.inner.retrieveEntry(ctx)
		if err == nil && (ent.Expiration.IsZero() || ent.SessionToken == "") {
			ephemeral = ent
			return nil, errNotCacheable
		}
		return ent, err
	})
	if ephemeral != nil {
		return ephemeral, false, nil
	}
	if errors.Is(err, cache.ErrWrongPassphrase) {
		return nil, false, WrongPassphrase(err)
	}
	return ent, cached, err
}

func (c *cachedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	ent, _, err := c.retrieveEntry(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	return entryCredentials(ent), nil
}

// invalidate drops the cached entry (a session STS rejected).
func (c *cachedProvider) invalidate() {
	if c.cache != nil {
		_ = c.cache.Invalidate(c.key)
	}
}

// WrongPassphrase turns cache.ErrWrongPassphrase into the user's error.
func WrongPassphrase(err error) error {
	return problem.Wrap(problem.Config, err, "the passphrase of the encrypted-file cache is wrong: it does not decrypt the cached entries").
		WithHint("check ASSUME_ROLE_CACHE_PASSPHRASE, or start the cache over with: assume-role cache clear")
}

type notCacheable struct{}

func (notCacheable) Error() string { return "credentials without expiry are not cached" }

var errNotCacheable error = notCacheable{}

func entryCredentials(ent *cache.Entry) aws.Credentials {
	return aws.Credentials{AccessKeyID: ent.AccessKeyID, SecretAccessKey: ent.SecretAccessKey,
		SessionToken: ent.SessionToken, Expires: ent.Expiration, CanExpire: !ent.Expiration.IsZero(),
		Source: "assume-role", AccountID: ent.AccountID}
}
