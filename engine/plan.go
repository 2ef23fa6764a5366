package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/sso"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// SourceKind says where the first credentials of a plan come from.
type SourceKind string

// The kinds of source.
const (
	// SourceKeys: access keys read from a profile or the environment, without a network call.
	SourceKeys SourceKind = "keys"
	// SourceSDKProfile: a profile without a role that the AWS SDK resolves (SSO, credential_process).
	SourceSDKProfile SourceKind = "sdk-profile"
	// SourceCredentialSource: credential_source = Environment, Ec2InstanceMetadata or EcsContainer.
	SourceCredentialSource SourceKind = "credential_source"
	// SourceDefaultChain: nothing configured; the SDK's default chain (container, instance role).
	SourceDefaultChain SourceKind = "default-chain"
	// SourceFederated: no credentials: the first hop is AssumeRoleWithSAML or WithWebIdentity.
	SourceFederated SourceKind = "federated"
)

// Source is where a plan's first credentials come from. It never holds a secret in an exported
// field.
type Source struct {
	Kind SourceKind `json:"kind"`
	// Profile is the profile that provides the credentials, if any.
	Profile string `json:"profile,omitempty"`
	// Origin says why this source was chosen (a flag, an environment variable, a profile setting).
	Origin string `json:"origin"`
	// File is the file that defines the profile, when there is one.
	File string `json:"file,omitempty"`
	// AccessKeyID is the key ID of SourceKeys (not a secret).
	AccessKeyID string `json:"access_key_id,omitempty"`
	// LongTerm reports long-term IAM user keys (no session token): they can call GetSessionToken and
	// assume roles for more than one hour.
	LongTerm bool `json:"long_term"`
	// CredentialSource is the credential_source value of SourceCredentialSource.
	CredentialSource string `json:"credential_source,omitempty"`
	// Label describes the source for people.
	Label string `json:"label"`

	descriptor string           // identifies the source in cache keys; never a secret
	static     *aws.Credentials // the keys of SourceKeys
	stored     bool             // SourceKeys whose keys are in the key store (read at run time)
}

// HopKind is the STS call a hop makes.
type HopKind string

// The kinds of hop.
const (
	HopGetSessionToken HopKind = "GetSessionToken"
	HopAssumeRole      HopKind = "AssumeRole"
	HopSAML            HopKind = "AssumeRoleWithSAML"
	HopWebIdentity     HopKind = "AssumeRoleWithWebIdentity"
)

// Hop is one STS call of a plan with every parameter it will send (secrets never: an MFA code or a
// token is only named).
type Hop struct {
	Kind HopKind `json:"kind"`
	// Profile is the profile that defines this hop ("" when it comes from flags or the environment).
	Profile string `json:"profile,omitempty"`
	RoleARN string `json:"role_arn,omitempty"`
	// SessionName is the RoleSessionName; "" means derived at run time (SessionNameFrom says how).
	SessionName     string `json:"session_name,omitempty"`
	SessionNameFrom string `json:"session_name_from,omitempty"`
	ExternalID      string `json:"external_id,omitempty"`
	// DurationSeconds is what is asked for; the one-hour chaining cap may shorten it (Capped).
	DurationSeconds int    `json:"duration_seconds"`
	DurationFrom    string `json:"duration_from"`
	// Capped: signed with temporary credentials, so STS allows at most 3600 s.
	Capped            bool            `json:"capped,omitempty"`
	Policy            string          `json:"policy,omitempty"`
	PolicyARNs        []string        `json:"policy_arns,omitempty"`
	Tags              []stslimits.Tag `json:"tags,omitempty"`
	TransitiveTagKeys []string        `json:"transitive_tag_keys,omitempty"`
	SourceIdentity    string          `json:"source_identity,omitempty"`
	// MFA: this hop sends an MFA code; MFASerial is the device ("" = discovered through IAM).
	MFA       bool   `json:"mfa,omitempty"`
	MFASerial string `json:"mfa_serial,omitempty"`
	MFAReason string `json:"mfa_reason,omitempty"`
	// TokenFile is the OIDC token file of a web identity hop.
	TokenFile string `json:"token_file,omitempty"`
	// CacheID identifies the cache entry of this hop's result ("" = not cached).
	CacheID string `json:"cache_id,omitempty"`

	key         *cache.Key
	mfaProcess  string
	rawDuration string // the profile's duration_seconds as written
	token       string // the OIDC token of a web identity hop (a secret: never printed)
}

// Plan is a resolved request: the source, the hops in order, and what the result is exported as.
// Building a plan makes no network call.
type Plan struct {
	Source Source `json:"source"`
	Hops   []Hop  `json:"hops"`
	// Region is exported with the credentials; RegionFrom says where it came from.
	Region     string `json:"region"`
	RegionFrom string `json:"region_from"`
	// STSRegion is where STS calls are sent.
	STSRegion string `json:"sts_region"`
	// The target, as exported in AWS_ACCOUNT_*. RoleARN is "" when a profile's own credentials are
	// exported.
	RoleARN     string `json:"role_arn,omitempty"`
	AccountID   string `json:"account_id,omitempty"`
	AccountName string `json:"account_name,omitempty"`
	RoleName    string `json:"role_name,omitempty"`
	// Ambient is the shell's own source, exported so that the next switch starts from it again.
	Ambient string `json:"ambient"`

	req   Request
	token string // an MFA code given with the request; sent at most once
	cfg   *aws.Config
	// sdkProfile is the profile whose settings configure the SDK clients (endpoints, CA bundle).
	sdkProfile string
	// sso, ssoAccount and ssoRole describe a SourceSSO.
	sso                 *sso.Session
	ssoAccount, ssoRole string
	// stsEndpoint caches stsEndpointID (nil: not read yet).
	stsEndpoint *string
}

// Final is the last hop, or nil when the plan exports the source's own credentials.
func (p *Plan) Final() *Hop {
	if len(p.Hops) == 0 {
		return nil
	}
	return &p.Hops[len(p.Hops)-1]
}

// Resolve turns a request into a plan, reading only the files and environment the engine was given.
// It makes no network call, so bad input and unsupported combinations fail before anything is sent.
func (e *Engine) Resolve(ctx context.Context, req Request) (*Plan, error) {
	return e.resolve(ctx, req, false)
}

func (e *Engine) resolve(ctx context.Context, req Request, forceMFA bool) (*Plan, error) {
	if err := e.resolveAccountRole(&req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	p := &Plan{req: req, token: req.TokenCode, AccountName: req.AccountName}
	var err error
	if p.Ambient, err = e.ambient(ctx); err != nil {
		return nil, err
	}
	switch {
	case req.SAML != nil:
		err = e.planSAML(ctx, p)
	case req.WebIdentityTokenFile != "":
		err = e.planWebIdentity(ctx, p)
	default:
		err = e.planRole(ctx, p, forceMFA)
	}
	if err != nil {
		return nil, err
	}
	if err := e.planRegion(ctx, p); err != nil {
		return nil, err
	}
	e.finishPlan(p)
	return p, nil
}

// planRole resolves AssumeRole targets: a role ARN, a profile, or a role ARN with a profile as its
// source.
//
// The rules: -p NAME alone uses the profile's role (its source_profile chain, credential_source or
// web identity as the source) or, without role_arn, exports the profile's own credentials. With an
// explicit target (ACCOUNT ROLE or -R), -p NAME is the source of that target: the profile's own
// role, if it has one, becomes an intermediate hop. --source-profile with -p is refused (two
// sources).
func (e *Engine) planRole(ctx context.Context, p *Plan, forceMFA bool) error {
	req := p.req
	var top *config.SharedConfig // the profile chain to walk for the source
	var targetProfile *config.SharedConfig
	origin := ""
	switch {
	case req.SSO != nil:
		if err := e.planSSO(p); err != nil {
			return err
		}
	case req.Profile != "" && req.SourceProfile != "":
		return problem.New(problem.Usage, "-p/--profile and --source-profile both name a source").
			WithHint("use -p NAME alone for the profile's role, or --source-profile NAME with ACCOUNT ROLE or -R")
	case req.Profile != "":
		sc, err := e.mustProfile(ctx, req.Profile, "-p/--profile")
		if err != nil {
			return err
		}
		top, origin = sc, "-p/--profile"
		if req.RoleARN == "" {
			targetProfile = sc
		}
	default:
		name, from, err := e.sourceProfileName(ctx, req.SourceProfile)
		if err != nil {
			return err
		}
		origin = from
		switch {
		case name != "":
			sc, err := e.mustProfile(ctx, name, from)
			if err != nil {
				return err
			}
			top = sc
		case e.envKeys() != nil:
			c := e.envKeys()
			p.Source = Source{Kind: SourceKeys, Origin: from, AccessKeyID: c.AccessKeyID, LongTerm: c.SessionToken == "",
				Label: "environment credentials " + c.AccessKeyID, descriptor: "key:" + c.AccessKeyID, static: c}
		case e.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != "" && e.getenv("AWS_ROLE_ARN") != "":
			hop, err := e.webIdentityHop(ctx, p, e.getenv("AWS_ROLE_ARN"), e.getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), "", "", nil)
			if err != nil {
				return err
			}
			p.Source = Source{Kind: SourceFederated, Origin: "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN", Label: "web identity token", descriptor: "anonymous"}
			p.Hops = append(p.Hops, hop)
		default:
			p.Source = Source{Kind: SourceDefaultChain, Origin: from, Label: "the default credential chain (container or instance role)", descriptor: "default-chain"}
		}
	}
	if top != nil {
		if err := e.walkProfile(ctx, p, top, origin); err != nil {
			return err
		}
	}
	// The target hop.
	switch {
	case req.RoleARN != "":
		p.Hops = append(p.Hops, Hop{Kind: HopAssumeRole, RoleARN: req.RoleARN})
	case targetProfile != nil && targetProfile.RoleARN == "":
		// -p NAME without a role: export the profile's own credentials.
	case targetProfile != nil:
		// The profile's own role is already the last hop.
	case req.SSO != nil:
		// --sso ACCOUNT ROLE alone: export the portal role's credentials.
	default:
		return problem.New(problem.Usage, "no role to assume").
			WithHint("give ACCOUNT ROLE, -R/--role ARN or -p/--profile NAME")
	}
	if final := p.Final(); final != nil {
		if final.Kind == HopWebIdentity {
			if err := checkFederatedFlags(req, "web identity (the profile's web_identity_token_file)"); err != nil {
				return err
			}
		}
		applyFlags(final, req, e.getenv)
		if final.DurationSeconds == 0 {
			n, err := e.defaultDurationFromEnv()
			if err != nil {
				return err
			}
			if n > 0 {
				final.DurationSeconds, final.DurationFrom = n, "AWS_ROLE_SESSION_TIMEOUT"
			}
		}
	}
	if err := checkHopLimits(p.Hops); err != nil {
		return err
	}
	return e.planMFA(ctx, p, forceMFA)
}

// walkProfile adds the hops of a profile chain (role_arn with source_profile, credential_source or
// web_identity_token_file) and sets the source at its end, with the SDK's semantics: a source profile
// that has keys provides them even if it also names a role; a profile naming itself as its source
// provides its own keys.
func (e *Engine) walkProfile(ctx context.Context, p *Plan, top *config.SharedConfig, origin string) error {
	if err := checkRoleProfile(top); err != nil {
		return err
	}
	var hops []Hop
	p.sdkProfile = top.Profile
	for sc, first := top, true; sc != nil; sc, first = sc.Source, false {
		from := origin
		if !first {
			from = fmt.Sprintf("source_profile of [%s]", profileSection(hops[0].Profile))
		}
		hasKeys := sc.Credentials.HasKeys()
		if !first || sc.RoleARN == "" {
			if src, ok := e.storedSource(sc.Profile, from); ok {
				p.Source, p.sdkProfile = src, sc.Profile
				break
			}
		}
		switch {
		case hasKeys && (!first || sc.RoleARN == ""):
			c := sc.Credentials
			p.Source = Source{Kind: SourceKeys, Profile: sc.Profile, Origin: from, File: e.profileFile(sc.Profile),
				AccessKeyID: c.AccessKeyID, LongTerm: c.SessionToken == "",
				Label: fmt.Sprintf("keys %s of profile %q", c.AccessKeyID, sc.Profile), descriptor: "key:" + c.AccessKeyID, static: &c}
			p.sdkProfile = sc.Profile
		case sc.RoleARN == "":
			if !hasSDKCredentials(sc) {
				referrer := ""
				if !first {
					referrer = hops[0].Profile
				}
				if p := incompleteKeys(sc.Profile, e.rawRoot(sc.Profile), referrer); p != nil {
					return p
				}
				return problem.New(problem.Config, "profile %q has no credentials", sc.Profile).
					WithHint("add aws_access_key_id and aws_secret_access_key, SSO settings, credential_process or role_arn to [%s]", profileSection(sc.Profile))
			}
			if err := e.guardSelfLoop(ctx, top.Profile, sc); err != nil {
				return err
			}
			p.Source = Source{Kind: SourceSDKProfile, Profile: sc.Profile, Origin: from, File: e.profileFile(sc.Profile),
				Label: fmt.Sprintf("profile %q (%s)", sc.Profile, sdkKind(sc)), descriptor: "profile:" + sc.Profile + ":" + profileFingerprint(sc)}
			p.sdkProfile = sc.Profile
		case sc.WebIdentityTokenFile != "":
			hop, err := e.webIdentityHop(ctx, p, sc.RoleARN, sc.WebIdentityTokenFile, sc.RoleSessionName, sc.Profile, sc.RoleDurationSeconds)
			if err != nil {
				return err
			}
			hops = append([]Hop{hop}, hops...)
			p.Source = Source{Kind: SourceFederated, Profile: sc.Profile, Origin: from, File: e.profileFile(sc.Profile),
				Label: fmt.Sprintf("web identity token of profile %q", sc.Profile), descriptor: "anonymous"}
		default:
			hops = append([]Hop{e.profileHop(sc)}, hops...)
			if sc.CredentialSource != "" {
				src, err := e.credentialSource(sc)
				if err != nil {
					return err
				}
				p.Source = src
			}
			continue
		}
		break
	}
	p.Hops = append(p.Hops, hops...)
	return nil
}

// profileHop is the AssumeRole of a role profile with the profile's own settings.
func (e *Engine) profileHop(sc *config.SharedConfig) Hop {
	h := Hop{Kind: HopAssumeRole, Profile: sc.Profile, RoleARN: sc.RoleARN, ExternalID: sc.ExternalID,
		SessionName: sc.RoleSessionName, MFASerial: sc.MFASerial}
	if h.SessionName != "" {
		h.SessionNameFrom = "role_session_name of [" + profileSection(sc.Profile) + "]"
	}
	if sc.RoleDurationSeconds != nil {
		h.DurationSeconds = int(sc.RoleDurationSeconds.Seconds())
		h.DurationFrom = "duration_seconds of [" + profileSection(sc.Profile) + "]"
	}
	// The SDK ignores a value that is not a number and wraps one that overflows: check the text.
	h.rawDuration = e.configKey(sc.Profile, "duration_seconds")
	if sc.MFASerial != "" {
		h.mfaProcess = e.profileKey(sc.Profile, "mfa_process")
	}
	return h
}

// applyFlags sets the request's parameters on the final hop: flags win over the profile.
func applyFlags(h *Hop, req Request, getenv func(string) string) {
	if req.ExternalID != "" {
		h.ExternalID = req.ExternalID
	}
	switch {
	case req.SessionName != "":
		h.SessionName, h.SessionNameFrom = req.SessionName, "--role-session-name"
	case h.SessionName == "" && getenv("AWS_ROLE_SESSION_NAME") != "":
		h.SessionName, h.SessionNameFrom = getenv("AWS_ROLE_SESSION_NAME"), "AWS_ROLE_SESSION_NAME"
	}
	if req.DurationSeconds != 0 {
		h.DurationSeconds, h.DurationFrom = req.DurationSeconds, req.DurationFrom
		if h.DurationFrom == "" {
			h.DurationFrom = "--session-duration"
		}
	}
	h.Policy, h.PolicyARNs = req.Policy, req.PolicyARNs
	h.Tags, h.TransitiveTagKeys, h.SourceIdentity = req.Tags, req.TransitiveTagKeys, req.SourceIdentity
	if req.SerialNumber != "" {
		h.MFASerial = req.SerialNumber
	}
}

// planMFA decides where MFA codes are sent. Long-term keys are first exchanged for a cached
// GetSessionToken session (one prompt a day for every role) when MFA is configured or asked for,
// or when such a session is already cached; with --mfa-on-assume, or with other sources, the
// AssumeRole of a hop whose profile names an mfa_serial sends the code itself.
func (e *Engine) planMFA(ctx context.Context, p *Plan, forceMFA bool) error {
	req := p.req
	if len(p.Hops) == 0 {
		return nil
	}
	serial, reason, process := "", "", ""
	if req.SerialNumber != "" {
		serial, reason = req.SerialNumber, "--serial-number"
	}
	for i := len(p.Hops) - 1; i >= 0 && serial == ""; i-- {
		if h := p.Hops[i]; h.MFASerial != "" {
			serial, reason, process = h.MFASerial, "mfa_serial of ["+profileSection(h.Profile)+"]", h.mfaProcess
		}
	}
	if serial == "" && p.Source.Profile != "" {
		if sc, ok, _ := e.loadProfile(ctx, p.Source.Profile); ok && sc.MFASerial != "" {
			serial, reason = sc.MFASerial, "mfa_serial of ["+profileSection(p.Source.Profile)+"]"
		}
	}
	if process == "" && p.Source.Profile != "" {
		process = e.profileKey(p.Source.Profile, "mfa_process")
	}
	asked := ""
	switch {
	case forceMFA:
		asked = "the role refused AssumeRole without MFA"
	case serial != "":
		asked = reason
	case p.token != "":
		asked = "an MFA code was given"
	case req.AskMFASerial:
		asked = "--mfa"
	case strings.EqualFold(req.Scheme, "bastion"):
		asked = "AWS_ASSUME_ROLE_AUTH_SCHEME=bastion"
	}
	if p.Source.Kind == SourceKeys && p.Source.LongTerm && p.Hops[0].Kind == HopAssumeRole {
		first := &p.Hops[0]
		if req.MFAOnAssume {
			if asked == "" {
				asked = "--mfa-on-assume"
			}
			first.MFA, first.MFASerial, first.MFAReason, first.mfaProcess = true, serial, asked+" (--mfa-on-assume)", process
			clearMFA(p.Hops[1:])
			return nil
		}
		endpoint := e.stsEndpointID(p)
		if asked == "" && e.cache != nil && !req.NoCache {
			if _, ok := e.cache.Lookup(sessionKey(p.Source, endpoint)); ok {
				asked = "a cached MFA session of these keys exists"
			}
		}
		clearMFA(p.Hops)
		if asked != "" {
			k := sessionKey(p.Source, endpoint)
			seconds, from := req.MFASessionSeconds, "--mfa-session-duration"
			if seconds == 0 {
				seconds, from = defaultMFASessionSeconds, "default"
			}
			p.Hops = append([]Hop{{Kind: HopGetSessionToken, MFA: true, MFASerial: serial, MFAReason: asked,
				DurationSeconds: seconds, DurationFrom: from, key: &k, mfaProcess: process}}, p.Hops...)
		}
		return nil
	}
	// Other sources: a hop sends the code itself when its profile (or the flags, for the final hop)
	// names a device.
	for i := range p.Hops {
		h := &p.Hops[i]
		if h.Kind != HopAssumeRole {
			continue
		}
		if h.MFASerial != "" {
			h.MFA, h.MFAReason = true, "mfa_serial of ["+profileSection(h.Profile)+"]"
			if h.Profile == "" {
				h.MFAReason = "--serial-number"
			}
		}
	}
	if final := p.Final(); final.Kind == HopAssumeRole && !final.MFA && (p.token != "" || req.AskMFASerial || req.MFAOnAssume) {
		final.MFA, final.MFAReason = true, firstSet(asked, "--mfa-on-assume")
	}
	return nil
}

func clearMFA(hops []Hop) {
	for i := range hops {
		hops[i].MFA, hops[i].MFAReason = false, ""
	}
}

// finishPlan fills what follows from the hops: defaults, the one-hour cap, cache keys, names.
func (e *Engine) finishPlan(p *Plan) {
	temporary := p.Source.Kind != SourceKeys || !p.Source.LongTerm
	stsEndpoint := e.stsEndpointID(p)
	parent := p.Source.descriptor
	for i := range p.Hops {
		h := &p.Hops[i]
		if h.DurationSeconds == 0 && h.Kind != HopGetSessionToken {
			h.DurationSeconds, h.DurationFrom = defaultDuration, "default"
		}
		if h.Kind == HopAssumeRole {
			h.Capped = temporary && h.DurationSeconds > stslimits.ChainedRoleMaxSeconds
			if h.SessionName == "" {
				h.SessionNameFrom = "the caller's name"
			}
		}
		if h.key == nil {
			k := hopKey(h, parent, p.STSRegionOrRegion(), stsEndpoint)
			h.key = &k
		}
		h.CacheID = h.key.ID()
		parent = "hop:" + h.CacheID
		temporary = true
	}
	if final := p.Final(); final != nil && final.RoleARN != "" {
		p.RoleARN = final.RoleARN
		_, acct, _, _ := stslimits.RoleARN("role", final.RoleARN)
		p.AccountID = acct
		p.RoleName = final.RoleARN[strings.Index(final.RoleARN, ":role/")+len(":role/"):]
	}
	if p.AccountName == "" && p.AccountID != "" {
		p.AccountName = e.accountName(p.AccountID)
	}
}

// STSRegionOrRegion is the region STS calls go to.
func (p *Plan) STSRegionOrRegion() string { return firstSet(p.STSRegion, p.Region) }

// hopKey is everything that changes a hop's credentials or their attribution: the identity that
// signs it (the parent), the role and every parameter, and where STS is called (the region and an
// endpoint URL set in the environment: another STS issues other credentials).
func hopKey(h *Hop, parent, stsRegion, stsEndpoint string) cache.Key {
	fields := map[string]string{
		"parent":          parent,
		"call":            string(h.Kind),
		"role":            h.RoleARN,
		"external_id":     h.ExternalID,
		"session_name":    h.SessionName,
		"duration":        strconv.Itoa(h.DurationSeconds),
		"tags":            tagsField(h.Tags),
		"transitive":      strings.Join(sortedCopy(h.TransitiveTagKeys), ","),
		"source_identity": h.SourceIdentity,
		"mfa":             strconv.FormatBool(h.MFA),
		"sts_region":      stsRegion,
		"token_file":      h.TokenFile,
	}
	if h.token != "" {
		fields["token"] = hashHex([]byte(h.token))
	}
	if h.Policy != "" {
		fields["policy"] = hashHex([]byte(h.Policy))
	}
	fields["policy_arns"] = strings.Join(sortedCopy(h.PolicyARNs), ",")
	if stsEndpoint != "" { // only when set, so that entries made with the default endpoint stay valid
		fields["sts_endpoint"] = stsEndpoint
	}
	return cache.Key{Kind: cache.KindRole, Fields: fields}
}

// sessionKey identifies the MFA session of long-term keys: one user's keys make one MFA session,
// whatever device, profile or target form was used to ask for it (from the same STS endpoint).
func sessionKey(s Source, stsEndpoint string) cache.Key {
	f := map[string]string{"source": s.descriptor}
	if stsEndpoint != "" {
		f["sts_endpoint"] = stsEndpoint
	}
	return cache.Key{Kind: cache.KindSession, Fields: f}
}

// profileSection is how a profile's section is written in ~/.aws/config.
func profileSection(name string) string {
	if name == "default" || name == "" {
		return "default"
	}
	return "profile " + name
}

func sdkKind(sc *config.SharedConfig) string {
	switch {
	case sc.CredentialProcess != "":
		return "credential_process"
	case sc.SSOSessionName != "" || sc.SSOStartURL != "":
		return "SSO"
	}
	return "SDK"
}

func hasSDKCredentials(sc *config.SharedConfig) bool {
	return sc.CredentialProcess != "" || sc.SSOSessionName != "" || sc.SSOStartURL != "" || sc.SSOAccountID != ""
}

// planSAML describes a SAML sign-in for doctor; the sign-in itself runs in assumeSAML, because the
// role may only be known once the IdP has answered.
func (e *Engine) planSAML(_ context.Context, p *Plan) error {
	req := p.req
	if err := checkFederated(req, "SAML"); err != nil {
		return err
	}
	label := "SAML assertion"
	if req.SAML.IdPURL != "" {
		label = "SAML identity provider " + redactURL(req.SAML.IdPURL)
	}
	if req.SAML.IdP != nil {
		label = "SAML assertion from a direct " + req.SAML.IdP.Vendor + " sign-in (cached while valid)"
	}
	p.Source = Source{Kind: SourceFederated, Origin: "SAML", Label: label, descriptor: "anonymous"}
	h := Hop{Kind: HopSAML, RoleARN: req.RoleARN, SessionNameFrom: "the assertion's RoleSessionName"}
	p.Hops = append(p.Hops, h)
	applyFlags(p.Final(), req, e.getenv)
	return nil
}
