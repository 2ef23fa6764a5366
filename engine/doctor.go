package engine

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Report explains what Assume would do for a request, without calling AWS: the plan, what the cache
// holds for each hop, and where STS calls go.
type Report struct {
	*Plan
	// STSEndpoint is the endpoint STS calls are sent to.
	STSEndpoint string `json:"sts_endpoint"`
	// Cache is the state of each hop's cache entry, in the order of the hops.
	Cache []CacheState `json:"cache"`
	// SourceCache is the state of the source's own cache entry (SSO, credential_process), if any.
	SourceCache *CacheState `json:"source_cache,omitempty"`
	// CallerName is the remembered caller whose name derived session names use ("" = asked at run
	// time with GetCallerIdentity).
	CallerName string `json:"caller_name,omitempty"`
}

// CacheState is a cache entry's state.
type CacheState struct {
	ID      string    `json:"id"`
	Hit     bool      `json:"hit"`
	Expires time.Time `json:"expires,omitzero"`
	// Left is the time left, counted to the expiry (the entry is used while more than the cache's
	// margin remains).
	Left string `json:"left,omitempty"`
}

// Doctor resolves req and reports the plan. It makes no network call.
func (e *Engine) Doctor(ctx context.Context, req Request) (*Report, error) {
	p, err := e.Resolve(ctx, req)
	if err != nil {
		return nil, err
	}
	r := &Report{Plan: p, STSEndpoint: e.stsEndpoint(ctx, p)}
	for _, h := range p.Hops {
		st := CacheState{ID: h.CacheID}
		if e.cache != nil && h.key != nil && !req.NoCache {
			if ent, ok := e.cache.Lookup(*h.key); ok {
				st.Hit, st.Expires = true, ent.Expiration
				st.Left = ent.Expiration.Sub(e.now()).Round(time.Minute).String()
			}
		}
		r.Cache = append(r.Cache, st)
	}
	if e.cache != nil && p.Source.Kind == SourceKeys && p.Source.LongTerm {
		if arn, ok := e.cache.Recall("identity:" + p.Source.descriptor); ok {
			r.CallerName = sessionNameFromARN(arn)
		}
	}
	return r, nil
}

// stsEndpoint is where STS calls of the plan go, as the SDK resolves it (no network).
func (e *Engine) stsEndpoint(ctx context.Context, p *Plan) string {
	client, err := e.stsClient(ctx, p, aws.AnonymousCredentials{})
	if err != nil {
		return ""
	}
	o := client.Options()
	region := p.STSRegionOrRegion()
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, sts.EndpointParameters{Region: &region, Endpoint: o.BaseEndpoint})
	if err != nil {
		return aws.ToString(o.BaseEndpoint)
	}
	return ep.URI.String()
}
