package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

const defaultDuration = 3600

// Assume resolves req into a plan and runs it: temporary credentials for the requested role, from
// the cache when a fresh entry exists.
func (e *Engine) Assume(ctx context.Context, req Request) (*Result, error) {
	if req.SAML != nil {
		if err := e.resolveAccountRole(&req); err != nil {
			return nil, err
		}
		if req.SAML.AccountNames == nil {
			src := *req.SAML
			src.AccountNames = e.accountNames()
			req.SAML = &src
		}
		res, err := e.assumeSAML(ctx, req)
		if err == nil && res.AccountName == "" {
			res.AccountName = firstSet(req.AccountName, e.accountName(res.AccountID), res.AccountID)
		}
		return res, err
	}
	p, err := e.Resolve(ctx, req)
	if err != nil {
		return nil, err
	}
	res, err := e.Run(ctx, p)
	if err != nil && e.mfaUpgradePossible(p, err) {
		// The role probably requires MFA: upgrade to an MFA session once.
		fmt.Fprintf(e.warn, "assume-role: AssumeRole without MFA was denied; retrying with an MFA session\n")
		p2, rerr := e.resolve(ctx, req, true)
		if rerr != nil {
			return nil, rerr
		}
		p2.token = p.token
		return e.Run(ctx, p2)
	}
	return res, err
}

// mfaUpgradePossible: AssumeRole with long-term keys and no MFA was denied, and an MFA code can be
// had without more input than we may ask for.
func (e *Engine) mfaUpgradePossible(p *Plan, err error) bool {
	if apiCode(err) != "AccessDenied" || p.Source.Kind != SourceKeys || !p.Source.LongTerm || p.req.MFAOnAssume {
		return false
	}
	if len(p.Hops) == 0 || p.Hops[0].Kind != HopAssumeRole {
		return false
	}
	return p.token != "" || p.Hops[0].mfaProcess != "" || e.prompt.CanPrompt()
}

// Run performs a plan: each hop is a provider wrapped in the caching decorator, retrieved lazily
// from the last, so a cached final result costs no call at all.
func (e *Engine) Run(ctx context.Context, p *Plan) (*Result, error) {
	prov, err := e.provider(p)
	if err != nil {
		return nil, err
	}
	ent, cached, err := prov.retrieveEntry(ctx)
	if err != nil {
		return nil, err
	}
	if cached {
		e.debugf("cache hit (expires %s)", ent.Expiration.Format(time.RFC3339))
	}
	res := p.result(ent, cached)
	if cp, ok := prov.(*cachedProvider); ok && cp.cache != nil {
		res.CacheID = cp.key.ID()
	}
	return res, nil
}

// provider builds the chain of providers of a plan.
func (e *Engine) provider(p *Plan) (entryProvider, error) {
	useCache := e.cache != nil && !p.req.NoCache
	prov := e.sourceProvider(p)
	if len(p.Hops) == 0 {
		if p.Source.Kind == SourceKeys {
			return prov, nil
		}
		k := cache.Key{Kind: "profile", Fields: map[string]string{"source": p.Source.descriptor}}
		return e.cached(prov, k, useCache, p.req.Refresh), nil
	}
	if p.Source.Kind != SourceKeys && p.Source.Kind != SourceFederated {
		k := cache.Key{Kind: "profile", Fields: map[string]string{"source": p.Source.descriptor}}
		prov = e.cached(prov, k, useCache, false)
	}
	for i := range p.Hops {
		h := &p.Hops[i]
		hp := &hopProvider{e: e, p: p, h: h, parent: prov}
		prov = e.cached(hp, *h.key, useCache, p.req.Refresh && h.Kind != HopGetSessionToken)
	}
	return prov, nil
}

// sourceProvider returns the source's credentials: keys in hand, or what the SDK resolves.
func (e *Engine) sourceProvider(p *Plan) entryProvider {
	src := p.Source
	switch src.Kind {
	case SourceKeys:
		return fetcher(func(ctx context.Context) (*cache.Entry, error) {
			c, err := e.sourceKeys(ctx, &src)
			if err != nil {
				return nil, err
			}
			ent := &cache.Entry{Kind: "keys", AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
				SessionToken: c.SessionToken, Label: src.Label}
			if len(p.Hops) == 0 {
				e.identify(ctx, p, ent)
			}
			return ent, nil
		})
	case SourceFederated:
		return nil
	}
	return fetcher(func(ctx context.Context) (*cache.Entry, error) {
		var c aws.Credentials
		var err error
		if src.Kind == SourceCredentialSource {
			c, err = e.credentialSourceRetrieve(ctx, p)
		} else if src.Kind == SourceSSO {
			if c, err = e.ssoRetrieve(ctx, p); err != nil {
				return nil, err // already a problem that says what to do
			}
		} else {
			if err := e.ssoProfileLogin(ctx, p, src.Profile); err != nil {
				return nil, err
			}
			var cfg aws.Config
			if cfg, err = e.loadConfig(ctx, src.Profile, p.Region); err != nil {
				return nil, err
			}
			c, err = cfg.Credentials.Retrieve(ctx)
		}
		if err != nil {
			return nil, e.explainSource(err, &src)
		}
		ent := &cache.Entry{Kind: "profile", AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
			SessionToken: c.SessionToken, AccountID: c.AccountID, Label: src.Label, Created: e.now()}
		if c.CanExpire {
			ent.Expiration = c.Expires
		}
		if len(p.Hops) == 0 {
			e.identify(ctx, p, ent)
		}
		return ent, nil
	})
}

// identify fills the account and ARN of credentials exported without a role (best effort: the
// labels of the exports, never the credentials themselves, depend on it).
func (e *Engine) identify(ctx context.Context, p *Plan, ent *cache.Entry) {
	client, err := e.stsClient(ctx, p, fixed(entryCredentials(ent)))
	if err != nil {
		return
	}
	if id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		ent.AccountID, ent.Arn = aws.ToString(id.Account), aws.ToString(id.Arn)
	}
}

// hopProvider performs one hop, signed with its parent's credentials.
type hopProvider struct {
	e      *Engine
	p      *Plan
	h      *Hop
	parent entryProvider
}

func (hp *hopProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	ent, _, err := hp.retrieveEntry(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	return entryCredentials(ent), nil
}

func (hp *hopProvider) retrieveEntry(ctx context.Context) (*cache.Entry, bool, error) {
	e, p, h := hp.e, hp.p, hp.h
	if h.Kind == HopWebIdentity {
		ent, err := e.webIdentityCall(ctx, p, h)
		return ent, false, err
	}
	pent, pcached, err := hp.parent.retrieveEntry(ctx)
	if err != nil {
		return nil, false, err
	}
	var ent *cache.Entry
	call := func() error {
		if h.Kind == HopGetSessionToken {
			ent, err = e.getSessionToken(ctx, p, h, pent)
		} else {
			ent, err = e.assumeRole(ctx, p, h, pent)
		}
		return err
	}
	if err := call(); err != nil {
		code := apiCode(err)
		cp, ok := hp.parent.(*cachedProvider)
		if !ok || !pcached || (code != "ExpiredToken" && code != "InvalidClientTokenId") {
			return nil, false, err
		}
		// A cached session was revoked or expired early: drop it and make a new one, once.
		what := "cached session"
		if pent.Kind == cache.KindSession {
			what = "cached MFA session"
		}
		fmt.Fprintf(e.warn, "assume-role: warning: the %s was rejected (%s); starting a new one\n", what, code)
		cp.invalidate()
		if pent, _, err = hp.parent.retrieveEntry(ctx); err != nil {
			return nil, false, err
		}
		if err := call(); err != nil {
			return nil, false, err
		}
	}
	return ent, false, nil
}

// assumeRole calls AssumeRole for hop h signed with the parent's credentials, applying the one-hour
// cap rules.
func (e *Engine) assumeRole(ctx context.Context, p *Plan, h *Hop, parent *cache.Entry) (*cache.Entry, error) {
	signer := fixed(entryCredentials(parent))
	temporary := parent.SessionToken != ""
	duration := h.DurationSeconds
	if temporary && duration > stslimits.ChainedRoleMaxSeconds {
		if p.req.StrictDuration {
			return nil, problem.New(problem.Limit, "a %d s session is over the 1-hour cap STS sets for roles assumed with temporary credentials", duration).
				WithHint("drop --strict-duration to accept 1 hour, use --mfa-on-assume with long-term keys, or exec --server to refresh hourly")
		}
		fmt.Fprintf(e.warn, "assume-role: warning: roles assumed with temporary credentials last at most 1 hour; using 3600 s instead of %d s (for longer sessions: --mfa-on-assume with long-term keys, or `assume-role exec --server`)\n", duration)
		duration = stslimits.ChainedRoleMaxSeconds
	}
	sessionName, err := e.sessionName(ctx, p, h, parent)
	if err != nil {
		return nil, err
	}
	in := &sts.AssumeRoleInput{
		RoleArn:           aws.String(h.RoleARN),
		RoleSessionName:   aws.String(sessionName),
		DurationSeconds:   aws.Int32(int32(duration)),
		PolicyArns:        policyDescriptors(h.PolicyARNs),
		TransitiveTagKeys: h.TransitiveTagKeys,
	}
	if h.ExternalID != "" {
		in.ExternalId = aws.String(h.ExternalID)
	}
	if h.Policy != "" {
		in.Policy = aws.String(h.Policy)
	}
	for _, t := range h.Tags {
		in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	if h.SourceIdentity != "" {
		in.SourceIdentity = aws.String(h.SourceIdentity)
	}
	mfa := parent.MFA
	serial := ""
	if h.MFA {
		if serial, err = e.mfaSerial(ctx, p, h, signer); err != nil {
			return nil, err
		}
		code, err := e.mfaCode(ctx, serial, p.takeToken(), h.mfaProcess)
		if err != nil {
			return nil, err
		}
		in.SerialNumber, in.TokenCode = aws.String(serial), aws.String(code)
		mfa = true
	}
	client, err := e.stsClient(ctx, p, signer)
	if err != nil {
		return nil, err
	}
	out, err := client.AssumeRole(ctx, in)
	if err != nil && isMaxSessionDuration(err) && duration > stslimits.ChainedRoleMaxSeconds {
		fmt.Fprintf(e.warn, "assume-role: warning: %s allows sessions shorter than %d s (its MaxSessionDuration); retrying with 3600 s — raise the role's maximum session duration in IAM for longer sessions\n", h.RoleARN, duration)
		in.DurationSeconds = aws.Int32(stslimits.ChainedRoleMaxSeconds)
		if in.TokenCode != nil { // a code is accepted once: get a fresh one
			code, cerr := e.mfaCode(ctx, serial, "", h.mfaProcess)
			if cerr != nil {
				return nil, cerr
			}
			in.TokenCode = aws.String(code)
		}
		out, err = client.AssumeRole(ctx, in)
	}
	if err != nil {
		return nil, e.explain(err, callInfo{op: "AssumeRole", role: h.RoleARN, caller: parent.Arn,
			externalID: h.ExternalID != "", mfa: mfa, duration: int(aws.ToInt32(in.DurationSeconds)),
			temporary: temporary, stsRegion: p.STSRegionOrRegion()})
	}
	c := out.Credentials
	_, account, _, _ := stslimits.RoleARN("role", h.RoleARN)
	ent := &cache.Entry{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      aws.ToTime(c.Expiration),
		Kind:            cache.KindRole,
		Label:           h.RoleARN + " via " + firstSet(parent.Arn, p.Source.Label),
		AccountID:       account,
		MFA:             mfa,
		SourceIdentity:  aws.ToString(out.SourceIdentity),
		Created:         e.now(),
	}
	if out.AssumedRoleUser != nil {
		ent.Arn = aws.ToString(out.AssumedRoleUser.Arn)
		ent.AssumedRoleID = aws.ToString(out.AssumedRoleUser.AssumedRoleId)
	}
	return ent, nil
}

// takeToken returns the MFA code given with the request the first time only: a code is accepted
// once, so it is never sent twice.
func (p *Plan) takeToken() string {
	t := p.token
	p.token = ""
	return t
}

// sessionName returns the hop's session name, or one derived from the caller: the IAM user name,
// or the name of the session that signs the call.
func (e *Engine) sessionName(ctx context.Context, p *Plan, h *Hop, parent *cache.Entry) (string, error) {
	if h.SessionName != "" {
		return h.SessionName, nil
	}
	arn := parent.Arn
	memo := "identity:" + p.Source.descriptor
	longTerm := parent.Kind == "keys" && parent.SessionToken == ""
	if arn == "" && e.cache != nil && longTerm {
		arn, _ = e.cache.Recall(memo) // an access key always belongs to the same user
	}
	if arn == "" {
		client, err := e.stsClient(ctx, p, fixed(entryCredentials(parent)))
		if err != nil {
			return "", err
		}
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", e.explain(err, callInfo{op: "GetCallerIdentity", stsRegion: p.STSRegionOrRegion(), temporary: !longTerm})
		}
		arn = aws.ToString(out.Arn)
		if e.cache != nil && longTerm {
			_ = e.cache.Remember(memo, arn)
		}
	}
	return sessionNameFromARN(arn), nil
}

// sessionNameFromARN derives a session name: the IAM user name, or the current session's name.
func sessionNameFromARN(arn string) string {
	name := arn
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		name = arn[i+1:]
	} else if i := strings.LastIndex(arn, ":"); i >= 0 {
		name = arn[i+1:]
	}
	return sanitizeName(name)
}

func sanitizeName(s string) string { return stslimits.SanitizeSessionName(s) }

func (p *Plan) result(ent *cache.Entry, cached bool) *Result {
	r := &Result{
		Credentials: entryCredentials(ent),
		RoleARN:     p.RoleARN, AssumedRoleARN: ent.Arn, AssumedRoleID: ent.AssumedRoleID,
		AccountID: firstSet(p.AccountID, ent.AccountID), AccountName: p.AccountName, RoleName: p.RoleName,
		Region: p.Region, Cached: cached, MFA: ent.MFA, Ambient: p.Ambient, SourceKind: p.Source.Kind,
	}
	if r.AccountName == "" {
		r.AccountName = r.AccountID
	}
	if i := strings.LastIndex(ent.Arn, "/"); i >= 0 && strings.Contains(ent.Arn, ":assumed-role/") {
		r.SessionName = ent.Arn[i+1:]
	}
	return r
}

// fixed is a provider of credentials already in hand.
func fixed(c aws.Credentials) aws.CredentialsProvider {
	return staticProvider{c}
}

type staticProvider struct{ c aws.Credentials }

func (s staticProvider) Retrieve(context.Context) (aws.Credentials, error) { return s.c, nil }
