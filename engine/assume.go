package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

const defaultDuration = 3600

// plan is a validated request with everything resolved that can be resolved without network.
type plan struct {
	req        Request
	roleARN    string
	account    string
	roleName   string
	src        *source
	region     string
	stsRegion  string
	duration   int
	serial     string // configured MFA serial ("" = none configured)
	mfaProcess string
	token      string // a code given on the command line, used at most once
	sdkChain   bool   // the SDK performs the final hop (profile with credential_source or web identity)
	profileOut bool   // export a profile's own credentials (no role)
	cfg        *aws.Config
}

// Assume assumes the requested role and returns temporary credentials, from the cache when a fresh
// entry exists.
func (e *Engine) Assume(ctx context.Context, req Request) (*Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	switch {
	case req.SAML != nil:
		return e.assumeSAML(ctx, req)
	case req.WebIdentityTokenFile != "":
		return e.assumeWebIdentity(ctx, req)
	}
	p, err := e.plan(ctx, req)
	if err != nil {
		return nil, err
	}
	if p.profileOut || p.sdkChain {
		return e.assumeViaSDK(ctx, p)
	}
	key := p.roleKey()
	if e.cache == nil || req.NoCache {
		ent, err := e.fetchRole(ctx, p)
		if err != nil {
			return nil, err
		}
		return p.result(ent, false), nil
	}
	if req.Refresh {
		_ = e.cache.Invalidate(key)
	}
	ent, cached, err := e.cache.GetOrFetch(ctx, key, func(ctx context.Context) (*cache.Entry, error) {
		return e.fetchRole(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	if cached {
		e.debugf("cache hit %s (expires %s)", key.ID()[:12], ent.Expiration.Format(time.RFC3339))
	}
	return p.result(ent, cached), nil
}

func (e *Engine) plan(ctx context.Context, req Request) (*plan, error) {
	p := &plan{req: req, roleARN: req.RoleARN, duration: req.DurationSeconds, serial: req.SerialNumber, token: req.TokenCode}
	srcProfile := req.SourceProfile
	if req.Profile != "" {
		sc, ok, err := e.loadProfile(ctx, req.Profile)
		if err != nil {
			return nil, err
		}
		if !ok {
			cf, crf := e.sharedFiles()
			return nil, problem.New(problem.Config, "profile %q is not in %s or %s", req.Profile, cf[0], crf[0]).
				WithHint("check the name, or list profiles with: aws configure list-profiles")
		}
		if err := checkRoleProfile(sc); err != nil {
			return nil, err
		}
		switch {
		case sc.RoleARN == "" && p.roleARN == "":
			p.profileOut = true
			srcProfile = req.Profile
		case sc.RoleARN == "":
			srcProfile = req.Profile // -p is the source of -R
		case sc.SourceProfileName != "" && p.roleARN == "":
			p.roleARN = sc.RoleARN
			srcProfile = sc.SourceProfileName
			if p.serial == "" {
				p.serial = sc.MFASerial
			}
			if req.ExternalID == "" {
				p.req.ExternalID = sc.ExternalID
			}
			if req.SessionName == "" {
				p.req.SessionName = sc.RoleSessionName
			}
			if p.duration == 0 && sc.RoleDurationSeconds != nil {
				p.duration = int(sc.RoleDurationSeconds.Seconds())
			}
			p.mfaProcess = e.profileKey(req.Profile, "mfa_process")
		default: // credential_source / web_identity_token_file: the SDK runs the whole chain
			p.sdkChain = true
			srcProfile = req.Profile
			if p.roleARN == "" {
				p.roleARN = sc.RoleARN
			}
		}
		if p.region == "" {
			p.region = sc.Region
		}
	}
	if srcProfile == "" {
		srcProfile = e.getenv("AWS_PROFILE_ASSUME_ROLE")
	}
	if p.roleARN == "" && !p.profileOut {
		return nil, problem.New(problem.Usage, "no role to assume").
			WithHint("give ACCOUNT ROLE, -R/--role ARN or -p/--profile NAME")
	}
	if p.roleARN != "" {
		_, acct, _, err := stslimits.RoleARN("role", p.roleARN)
		if err != nil {
			return nil, problem.Wrap(problem.Config, err, "%s", err.Error())
		}
		// The role name as users write it, with its path (ops/deploy).
		p.account, p.roleName = acct, p.roleARN[strings.Index(p.roleARN, ":role/")+len(":role/"):]
	}
	src, err := e.resolveSource(ctx, srcProfile)
	if err != nil {
		return nil, err
	}
	p.src = src
	if p.serial == "" && src.shared != nil {
		p.serial = src.shared.MFASerial
		if p.mfaProcess == "" && src.profile != "" {
			p.mfaProcess = e.profileKey(src.profile, "mfa_process")
		}
	}
	if p.mfaProcess == "" && src.profile != "" && (p.serial != "" || req.Scheme != "") {
		p.mfaProcess = e.profileKey(src.profile, "mfa_process")
	}
	region, err := e.resolveRegion(req.Region, p.region, src, req.NoRegionPrompt)
	if err != nil {
		return nil, err
	}
	p.region = region
	p.stsRegion = req.STSRegion
	if p.stsRegion == "" {
		p.stsRegion = region
	}
	if p.duration == 0 {
		p.duration = defaultDuration
	}
	return p, nil
}

// resolveRegion follows coinbase's order: argument, AWS_REGION, AWS_DEFAULT_REGION, the profile's
// region, a prompt on a terminal, us-east-1.
func (e *Engine) resolveRegion(arg, targetProfileRegion string, src *source, noPrompt bool) (string, error) {
	for _, r := range []string{arg, e.getenv("AWS_REGION"), e.getenv("AWS_DEFAULT_REGION"), targetProfileRegion} {
		if r != "" {
			return r, nil
		}
	}
	if src.shared != nil && src.shared.Region != "" {
		return src.shared.Region, nil
	}
	if !noPrompt && e.prompt.CanPrompt() {
		r, err := e.prompt.Ask("AWS region [us-east-1]: ", "us-east-1")
		if err != nil {
			return "", problem.Wrap(problem.Interrupted, err, "no region given")
		}
		r = strings.TrimSpace(r)
		if err := stslimits.Region("region", r); err != nil {
			return "", problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
		return r, nil
	}
	return "us-east-1", nil
}

// roleKey is everything that changes the credentials AssumeRole returns.
func (p *plan) roleKey() cache.Key {
	tags := make([]string, 0, len(p.req.Tags))
	for _, t := range p.req.Tags {
		tags = append(tags, t.Key+"="+t.Value)
	}
	sort.Strings(tags)
	trans := append([]string(nil), p.req.TransitiveTagKeys...)
	sort.Strings(trans)
	policy := ""
	if p.req.Policy != "" {
		s := sha256.Sum256([]byte(p.req.Policy))
		policy = hex.EncodeToString(s[:])
	}
	return cache.Key{Kind: "role", Fields: map[string]string{
		"source":          p.src.descriptor,
		"role":            p.roleARN,
		"external_id":     p.req.ExternalID,
		"session_name":    p.req.SessionName,
		"duration":        strconv.Itoa(p.duration),
		"policy":          policy,
		"policy_arns":     strings.Join(p.req.PolicyARNs, ","),
		"tags":            strings.Join(tags, "\x00"),
		"transitive":      strings.Join(trans, ","),
		"source_identity": p.req.SourceIdentity,
		"mfa_serial":      p.serial,
		"mfa_on_assume":   strconv.FormatBool(p.req.MFAOnAssume),
	}}
}

func (p *plan) result(ent *cache.Entry, cached bool) *Result {
	r := &Result{
		Credentials: aws.Credentials{AccessKeyID: ent.AccessKeyID, SecretAccessKey: ent.SecretAccessKey,
			SessionToken: ent.SessionToken, Expires: ent.Expiration, CanExpire: !ent.Expiration.IsZero(),
			Source: "assume-role", AccountID: ent.AccountID},
		RoleARN: p.roleARN, AssumedRoleARN: ent.Arn, AssumedRoleID: ent.AssumedRoleID, AccountID: p.account, RoleName: p.roleName,
		Region: p.region, Cached: cached, MFA: ent.MFA,
	}
	if r.AccountID == "" {
		r.AccountID = ent.AccountID
	}
	if i := strings.LastIndex(ent.Arn, "/"); i >= 0 && strings.Contains(ent.Arn, ":assumed-role/") {
		r.SessionName = ent.Arn[i+1:]
	}
	return r
}

// base is the credentials the final AssumeRole is signed with.
type base struct {
	provider  aws.CredentialsProvider
	temporary bool   // a session: AssumeRole is capped at one hour
	mfa       bool   // an MFA session
	callerARN string // known caller identity, "" = unknown
	sessKey   *cache.Key
}

// fetchRole performs the AssumeRole call (and whatever it needs first) for a cache miss.
func (e *Engine) fetchRole(ctx context.Context, p *plan) (*cache.Entry, error) {
	b, err := e.baseCredentials(ctx, p, false)
	if err != nil {
		return nil, err
	}
	ent, err := e.assumeWith(ctx, p, b)
	if err == nil {
		return ent, nil
	}
	code := apiCode(err)
	switch {
	case b.sessKey != nil && (code == "ExpiredToken" || code == "InvalidClientTokenId"):
		// The cached MFA session was revoked or expired early: drop it and ask once more.
		fmt.Fprintf(e.warn, "assume-role: warning: the cached MFA session was rejected (%s); starting a new one\n", code)
		_ = e.cache.Invalidate(*b.sessKey)
		b, err = e.baseCredentials(ctx, p, true)
		if err != nil {
			return nil, err
		}
		return e.assumeWith(ctx, p, b)
	case code == "AccessDenied" && !b.mfa && p.src.longTerm() && !p.req.MFAOnAssume && e.mfaPossible(p):
		// The role probably requires MFA: upgrade to an MFA session once.
		fmt.Fprintf(e.warn, "assume-role: AssumeRole without MFA was denied; retrying with an MFA session\n")
		b, err = e.baseCredentials(ctx, p, true)
		if err != nil {
			return nil, err
		}
		return e.assumeWith(ctx, p, b)
	}
	return nil, err
}

// mfaPossible reports whether an MFA upgrade could succeed without more input than we may ask for.
func (e *Engine) mfaPossible(p *plan) bool {
	return p.token != "" || p.mfaProcess != "" || e.prompt.CanPrompt()
}

// wantsMFASession decides whether long-term keys are first exchanged for an MFA session.
func (e *Engine) wantsMFASession(p *plan) bool {
	if !p.src.longTerm() || p.req.MFAOnAssume {
		return false
	}
	return p.serial != "" || p.token != "" || p.req.AskMFASerial || strings.EqualFold(p.req.Scheme, "bastion")
}

func (e *Engine) baseCredentials(ctx context.Context, p *plan, forceMFA bool) (*base, error) {
	if p.src.static != nil {
		static := fixed(*p.src.static)
		if p.src.longTerm() && (forceMFA || e.wantsMFASession(p)) {
			return e.mfaSession(ctx, p)
		}
		if p.src.longTerm() && !p.req.MFAOnAssume && e.cache != nil && !p.req.NoCache {
			// A session from an earlier MFA prompt serves every role of this source.
			if ent, ok := e.cache.Lookup(p.sessionKey()); ok {
				k := p.sessionKey()
				return sessionBase(ent, &k), nil
			}
		}
		return &base{provider: static, temporary: p.src.static.SessionToken != ""}, nil
	}
	c, err := e.sourceCredentials(ctx, p)
	if err != nil {
		return nil, err
	}
	return &base{provider: fixed(c), temporary: c.SessionToken != ""}, nil
}

// sourceCredentials retrieves the source's credentials through the SDK (profile chains, SSO,
// credential_process, web identity, container and instance roles).
func (e *Engine) sourceCredentials(ctx context.Context, p *plan) (aws.Credentials, error) {
	cfg, err := e.config(ctx, p)
	if err != nil {
		return aws.Credentials{}, err
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, e.explainSource(err, p.src)
	}
	return c, nil
}

// fixed is a provider of credentials already in hand.
func fixed(c aws.Credentials) aws.CredentialsProvider {
	return credentials.StaticCredentialsProvider{Value: c}
}

func sessionBase(ent *cache.Entry, k *cache.Key) *base {
	c := aws.Credentials{AccessKeyID: ent.AccessKeyID, SecretAccessKey: ent.SecretAccessKey, SessionToken: ent.SessionToken,
		Expires: ent.Expiration, CanExpire: true}
	return &base{provider: fixed(c),
		temporary: true, mfa: ent.MFA, callerARN: ent.Arn, sessKey: k}
}

// assumeWith calls AssumeRole signed by b, applying the one-hour cap rules.
func (e *Engine) assumeWith(ctx context.Context, p *plan, b *base) (*cache.Entry, error) {
	duration := p.duration
	if b.temporary && duration > stslimits.ChainedRoleMaxSeconds {
		if p.req.StrictDuration {
			return nil, problem.New(problem.Limit, "a %d s session is over the 1-hour cap STS sets for roles assumed with temporary credentials", duration).
				WithHint("drop --strict-duration to accept 1 hour, use --mfa-on-assume with long-term keys, or exec --server to refresh hourly")
		}
		fmt.Fprintf(e.warn, "assume-role: warning: roles assumed with temporary credentials last at most 1 hour; using 3600 s instead of %d s (for longer sessions: --mfa-on-assume with long-term keys, or `assume-role exec --server`)\n", duration)
		duration = stslimits.ChainedRoleMaxSeconds
	}
	sessionName, err := e.sessionName(ctx, p, b)
	if err != nil {
		return nil, err
	}
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(p.roleARN),
		RoleSessionName: aws.String(sessionName),
		DurationSeconds: aws.Int32(int32(duration)),
	}
	if p.req.ExternalID != "" {
		in.ExternalId = aws.String(p.req.ExternalID)
	}
	if p.req.Policy != "" {
		in.Policy = aws.String(p.req.Policy)
	}
	for _, a := range p.req.PolicyARNs {
		in.PolicyArns = append(in.PolicyArns, ststypes.PolicyDescriptorType{Arn: aws.String(a)})
	}
	for _, t := range p.req.Tags {
		in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	in.TransitiveTagKeys = p.req.TransitiveTagKeys
	if p.req.SourceIdentity != "" {
		in.SourceIdentity = aws.String(p.req.SourceIdentity)
	}
	mfa := b.mfa
	if p.req.MFAOnAssume || p.token != "" || (p.req.AskMFASerial && !b.mfa) {
		serial, err := e.mfaSerial(ctx, p, b.provider)
		if err != nil {
			return nil, err
		}
		code, err := e.mfaCode(ctx, serial, p.takeToken(), p.mfaProcess)
		if err != nil {
			return nil, err
		}
		in.SerialNumber, in.TokenCode = aws.String(serial), aws.String(code)
		mfa = true
	}
	client, err := e.stsClient(ctx, p, b.provider)
	if err != nil {
		return nil, err
	}
	out, err := client.AssumeRole(ctx, in)
	if err != nil && isMaxSessionDuration(err) && duration > stslimits.ChainedRoleMaxSeconds {
		fmt.Fprintf(e.warn, "assume-role: warning: %s allows sessions shorter than %d s (its MaxSessionDuration); retrying with 3600 s — raise the role's maximum session duration in IAM for longer sessions\n", p.roleARN, duration)
		in.DurationSeconds = aws.Int32(stslimits.ChainedRoleMaxSeconds)
		if in.TokenCode != nil { // a code is accepted once: get a fresh one
			code, cerr := e.mfaCode(ctx, *in.SerialNumber, "", p.mfaProcess)
			if cerr != nil {
				return nil, cerr
			}
			in.TokenCode = aws.String(code)
		}
		out, err = client.AssumeRole(ctx, in)
	}
	if err != nil {
		return nil, e.explain(err, callInfo{op: "AssumeRole", role: p.roleARN, caller: b.callerARN,
			externalID: p.req.ExternalID != "", mfa: mfa, duration: int(aws.ToInt32(in.DurationSeconds)),
			temporary: b.temporary, stsRegion: p.stsRegion})
	}
	c := out.Credentials
	ent := &cache.Entry{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      aws.ToTime(c.Expiration),
		Kind:            "role",
		Label:           p.roleARN + " via " + p.src.descriptorLabel(),
		AccountID:       p.account,
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

func (p *plan) takeToken() string {
	t := p.token
	p.token = ""
	return t
}

func (s *source) descriptorLabel() string {
	if i := strings.LastIndex(s.descriptor, ":"); strings.HasPrefix(s.descriptor, "profile:") && i > 0 {
		return s.descriptor[:i]
	}
	return s.descriptor
}

// sessionName returns the explicit name, AWS_ROLE_SESSION_NAME, or one derived from the caller.
func (e *Engine) sessionName(ctx context.Context, p *plan, b *base) (string, error) {
	if p.req.SessionName != "" {
		return p.req.SessionName, nil
	}
	if n := e.getenv("AWS_ROLE_SESSION_NAME"); n != "" {
		if err := stslimits.SessionName("AWS_ROLE_SESSION_NAME", n); err != nil {
			return "", problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
		return n, nil
	}
	arn := b.callerARN
	memo := "identity:" + p.src.descriptor
	if arn == "" && e.cache != nil && b.sessKey == nil && !b.temporary {
		arn, _ = e.cache.Recall(memo) // an access key always belongs to the same user
	}
	if arn == "" {
		client, err := e.stsClient(ctx, p, b.provider)
		if err != nil {
			return "", err
		}
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", e.explain(err, callInfo{op: "GetCallerIdentity", stsRegion: p.stsRegion, temporary: b.temporary})
		}
		arn = aws.ToString(out.Arn)
		b.callerARN = arn
		if e.cache != nil && !b.temporary && p.src.static != nil {
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
