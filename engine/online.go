package engine

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/policy"
	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// OnlineReport is Doctor's plan checked against AWS: who the source is, whether the clock agrees
// with AWS's, and probe calls; a failure is explained by ranked causes.
type OnlineReport struct {
	*Report
	// Caller is the source's identity (GetCallerIdentity), "" when it could not be had.
	Caller string `json:"caller,omitempty"`
	// ClockSkewSeconds is AWS's clock (the Date of its answer) minus ours.
	ClockSkewSeconds int `json:"clock_skew_seconds"`
	// Probes are the calls made, in order.
	Probes []Probe `json:"probes"`
	// Failure explains the first failed call; nil when every call succeeded.
	Failure *Failure `json:"failure,omitempty"`

	source *cache.Entry // the source credentials, once retrieved
	opts   OnlineOptions
}

// OnlineOptions add what AWS does not tell: the final role's trust policy (JSON), and the caller's
// organization ID (aws:PrincipalOrgID) for evaluating it.
type OnlineOptions struct {
	TrustPolicy []byte
	OrgID       string
}

// Probe is one call doctor made.
type Probe struct {
	Call            string `json:"call"`
	RoleARN         string `json:"role_arn,omitempty"`
	DurationSeconds int    `json:"duration_seconds,omitempty"`
	OK              bool   `json:"ok"`
	Error           string `json:"error,omitempty"`
}

// Failure is why a call failed: the causes, most likely first. Class and ExitCode are those of
// the first cause.
type Failure struct {
	Class    string  `json:"class"`
	ExitCode int     `json:"exit_code"`
	Error    string  `json:"error"`
	Causes   []Cause `json:"causes"`
	// Note says how to narrow the causes down, if there is a way.
	Note string `json:"note,omitempty"`
}

// Cause is a possible reason for a failure and what to do about it.
type Cause struct {
	Class  string `json:"class"`
	Reason string `json:"reason"`
	Next   string `json:"next,omitempty"`
}

// Failure classes and their exit codes (see problem.Kind).
const (
	ClassNoCredentials    = "no-credentials"              // 4
	ClassInvalidKey       = "invalid-source-key"          // 4
	ClassWrongSecret      = "wrong-secret"                // 4
	ClassExpiredToken     = "expired-source-token"        // 4
	ClassClockSkew        = "clock-skew"                  // 4
	ClassNotTrusted       = "not-trusted"                 // 5
	ClassExternalID       = "external-id"                 // 5
	ClassMFARequired      = "mfa-required"                // 5
	ClassExplicitDeny     = "explicit-deny"               // 5
	ClassTagsNotAllowed   = "tags-not-allowed"            // 5
	ClassSourceIdentity   = "source-identity-not-allowed" // 5
	ClassRootUser         = "root-user"                   // 5
	ClassCallerPermission = "caller-lacks-permission"     // 5
	ClassMFACode          = "mfa-code-refused"            // 6
	ClassMFAUnavailable   = "mfa-unavailable"             // 6
	ClassDurationOverMax  = "duration-over-max"           // 7
	ClassChainingCap      = "chaining-cap"                // 7
	ClassRegionDisabled   = "region-disabled"             // 8
	ClassUnreachable      = "unreachable"                 // 8
	ClassOther            = "other"                       // 1
)

// ClassKind is the problem kind (and so the exit code) of a failure class.
func ClassKind(class string) problem.Kind {
	switch class {
	case ClassNoCredentials, ClassInvalidKey, ClassWrongSecret, ClassExpiredToken, ClassClockSkew:
		return problem.NoCredentials
	case ClassNotTrusted, ClassExternalID, ClassMFARequired, ClassExplicitDeny, ClassTagsNotAllowed,
		ClassSourceIdentity, ClassRootUser, ClassCallerPermission:
		return problem.AccessDenied
	case ClassMFACode, ClassMFAUnavailable:
		return problem.MFA
	case ClassDurationOverMax, ClassChainingCap:
		return problem.Limit
	case ClassRegionDisabled, ClassUnreachable:
		return problem.Network
	}
	return problem.Internal
}

// maxSkew is how far apart clocks may be before signatures are refused (AWS allows 15 minutes;
// doctor warns from 5).
const maxSkew = 5 * time.Minute

// DoctorOnline resolves req like Doctor, then asks AWS: GetCallerIdentity of the source (its
// identity, whether the STS region is enabled, the clock skew from the answer's Date), a probe
// AssumeRole of 900 s without the cache, then one of the requested duration. With o.TrustPolicy, a
// refusal is explained by evaluating the final role's trust policy. An error
// is returned only when nothing could be probed (bad input); failures of calls are in the report.
func (e *Engine) DoctorOnline(ctx context.Context, req Request, o OnlineOptions) (*OnlineReport, error) {
	rep, err := e.Doctor(ctx, req)
	if err != nil {
		if p := problem.As(err); p != nil && (p.Kind == problem.Usage || p.Kind == problem.Config || p.Kind == problem.Interrupted) {
			return nil, err
		}
		r := &OnlineReport{Report: &Report{Plan: &Plan{}}, opts: o}
		r.fail(e.explainFailure(err, nil, r))
		return r, nil
	}
	r := &OnlineReport{Report: rep, opts: o}
	p := rep.Plan
	if p.Source.Kind != SourceFederated {
		if !e.probeIdentity(ctx, p, r) {
			return r, nil
		}
	}
	if len(p.Hops) == 0 {
		return r, nil
	}
	last := p.Hops[len(p.Hops)-1]
	probe := req
	probe.NoCache, probe.Refresh = true, false
	probe.DurationSeconds, probe.DurationFrom = 900, "doctor probe"
	if !e.probeAssume(ctx, probe, last.RoleARN, 900, r) {
		return r, nil
	}
	want := last.DurationSeconds
	if last.Capped && want > 3600 {
		want = 3600
	}
	// The requested duration: asked directly, since a switch quietly retries a duration over the
	// role's maximum with 3600 s. Only for one hop from keys without MFA (a code is accepted once).
	if want > 900 && !rep.usesMFA() && len(p.Hops) == 1 && last.Kind == HopAssumeRole && r.source != nil {
		e.probeDuration(ctx, p, &p.Hops[0], r.source, want, r)
	}
	return r, nil
}

// probeDuration calls AssumeRole for h at the requested duration, signed with the source.
func (e *Engine) probeDuration(ctx context.Context, p *Plan, h *Hop, src *cache.Entry, seconds int, r *OnlineReport) {
	pr := Probe{Call: "AssumeRole", RoleARN: h.RoleARN, DurationSeconds: seconds}
	signer := fixed(entryCredentials(src))
	name, err := e.sessionName(ctx, p, h, src)
	if err == nil {
		var client *sts.Client
		if client, err = e.stsClient(ctx, p, signer); err == nil {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(h.RoleARN), RoleSessionName: aws.String(name),
				DurationSeconds: aws.Int32(int32(seconds)), PolicyArns: policyDescriptors(h.PolicyARNs), TransitiveTagKeys: h.TransitiveTagKeys}
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
			_, err = client.AssumeRole(ctx, in, func(o *sts.Options) { o.RetryMaxAttempts = 1 })
		}
	}
	pr.OK = err == nil
	if err != nil {
		pr.Error = describe(err)
		r.fail(e.explainFailure(err, p, r))
	}
	r.Probes = append(r.Probes, pr)
}

func (r *Report) usesMFA() bool {
	for _, h := range r.Hops {
		if h.MFA {
			return true
		}
	}
	return false
}

func (r *OnlineReport) fail(f *Failure) {
	if r.Failure == nil {
		r.Failure = f
	}
}

// probeIdentity calls GetCallerIdentity with the source credentials.
func (e *Engine) probeIdentity(ctx context.Context, p *Plan, r *OnlineReport) bool {
	pr := Probe{Call: "GetCallerIdentity"}
	ent, _, err := e.sourceProvider(p).retrieveEntry(ctx)
	if err == nil {
		var client *sts.Client
		client, err = e.stsClient(ctx, p, credentials.NewStaticCredentialsProvider(ent.AccessKeyID, ent.SecretAccessKey, ent.SessionToken))
		if err == nil {
			var date time.Time
			sent := e.now()
			var out *sts.GetCallerIdentityOutput
			out, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
				o.APIOptions = append(o.APIOptions, captureDate(&date))
				o.RetryMaxAttempts = 1
			})
			if !date.IsZero() {
				r.ClockSkewSeconds = int(date.Sub(sent).Round(time.Second) / time.Second)
			}
			if err == nil {
				r.Caller = aws.ToString(out.Arn)
				r.source = ent
			}
		}
	}
	pr.OK = err == nil
	if err != nil {
		pr.Error = describe(err)
	}
	r.Probes = append(r.Probes, pr)
	if err != nil {
		r.fail(e.explainFailure(err, p, r))
		return false
	}
	if strings.HasSuffix(r.Caller, ":root") && len(p.Hops) > 0 {
		r.fail(failure(fmt.Sprintf("the source is the account's root user (%s)", r.Caller),
			Cause{ClassRootUser, "the root user cannot assume roles", "use an IAM user or role of the account as the source"}))
		return false
	}
	return true
}

// probeAssume runs the plan of req without the cache and records the final hop's outcome.
func (e *Engine) probeAssume(ctx context.Context, req Request, role string, seconds int, r *OnlineReport) bool {
	pr := Probe{Call: "AssumeRole", RoleARN: role, DurationSeconds: seconds}
	p, err := e.Resolve(ctx, req)
	if err == nil {
		if h := p.Hops; len(h) > 0 {
			pr.Call = string(h[len(h)-1].Kind)
		}
		_, err = e.Run(ctx, p)
	}
	pr.OK = err == nil
	if err != nil {
		pr.Error = describe(err)
	}
	r.Probes = append(r.Probes, pr)
	if err != nil {
		if p == nil {
			p = r.Plan
		}
		r.fail(e.explainFailure(err, p, r))
		return false
	}
	return true
}

func failure(msg string, causes ...Cause) *Failure {
	return &Failure{Class: causes[0].Class, ExitCode: ClassKind(causes[0].Class).ExitCode(), Error: msg, Causes: causes}
}

// captureDate records the Date header of the answer, refused or not.
func captureDate(dst *time.Time) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("AssumeRoleDoctorDate",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
					if d, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
						*dst = d
					}
				}
				return out, md, err
			}), middleware.After)
	}
}

// optInRegion reports the regions an account must enable (STS refuses long-term keys there until then).
func optInRegion(r string) bool {
	switch r {
	case "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
		"ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
		"me-central-1", "me-south-1", "mx-central-1":
		return true
	}
	return false
}

// explainFailure maps a failed call to ranked causes.
func (e *Engine) explainFailure(err error, p *Plan, r *OnlineReport) *Failure {
	d := dissect(err)
	msg := describe(err)
	var hop *Hop
	if p != nil && len(p.Hops) > 0 {
		hop = &p.Hops[len(p.Hops)-1]
	}
	skewed := r.ClockSkewSeconds > int(maxSkew/time.Second) || -r.ClockSkewSeconds > int(maxSkew/time.Second)
	skew := Cause{ClassClockSkew, fmt.Sprintf("this computer's clock is %d s off AWS's; signatures older than 15 minutes are refused", r.ClockSkewSeconds),
		"set the clock (enable NTP)"}
	lower := strings.ToLower(d.message)
	region := ""
	if p != nil {
		region = p.STSRegionOrRegion()
	}
	switch d.code {
	case "RegionDisabledException":
		return failure(msg, Cause{ClassRegionDisabled, fmt.Sprintf("STS is not enabled in %s for this account", region),
			"enable the region (Account settings) or use another one: --region / --sts-endpoint-region"})
	case "InvalidClientTokenId":
		key := Cause{ClassInvalidKey, "the source access key does not exist or is deactivated", "check the key in the IAM console, or rotate it"}
		reg := Cause{ClassRegionDisabled, fmt.Sprintf("%s is an opt-in region: STS there refuses keys of accounts that have not enabled it", region),
			"enable the region, or send STS calls elsewhere: --sts-endpoint-region us-east-1"}
		if optInRegion(region) {
			return failure(msg, reg, key)
		}
		return failure(msg, key)
	case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
		return failure(msg, Cause{ClassExpiredToken, "the source's session token has expired", "get fresh source credentials (aws sso login, a new MFA session, re-export the keys)"})
	case "SignatureDoesNotMatch", "InvalidSignatureException":
		secret := Cause{ClassWrongSecret, "the secret access key does not belong to the access key ID", "copy the secret again; check for a stray AWS_SECRET_ACCESS_KEY in the environment"}
		if skewed || strings.Contains(lower, "expired") || strings.Contains(lower, "not yet current") {
			return failure(msg, skew, secret)
		}
		return failure(msg, secret, skew)
	case "ValidationError":
		switch {
		case strings.Contains(d.message, "MaxSessionDuration"):
			return failure(msg, Cause{ClassDurationOverMax, "the requested duration exceeds the role's MaxSessionDuration",
				"ask for less (-T), or raise MaxSessionDuration (assume-role policy cloudformation --max-session-duration)"})
		case strings.Contains(d.message, "role chaining"):
			return failure(msg, chainCause())
		}
	case "AccessDenied", "AccessDeniedException":
		return e.explainDenied(msg, d.message, hop, r)
	}
	if pr := problem.As(err); pr != nil {
		switch {
		case pr.Kind == problem.MFA && strings.Contains(strings.ToLower(pr.Msg), "refused"):
			return failure(msg, Cause{ClassMFACode, "the MFA code was refused (wrong, already used, or another device's)", "wait for the next code and try again"})
		case pr.Kind == problem.MFA:
			return failure(msg, Cause{ClassMFAUnavailable, "the plan needs an MFA code and none can be had without a prompt", "pass --token-code CODE (and --serial-number)"})
		case pr.Kind == problem.Limit && strings.Contains(pr.Msg, "chain"):
			return failure(msg, chainCause())
		case pr.Kind == problem.Limit:
			return failure(msg, Cause{ClassDurationOverMax, "the requested duration is over a limit", "ask for less (-T)"})
		case pr.Kind == problem.NoCredentials:
			return failure(msg, Cause{ClassNoCredentials, "no usable source credentials", firstSet(pr.Hint, "configure a source: aws configure, a profile, or keys in the environment")})
		case pr.Kind == problem.Network:
			return failure(msg, Cause{ClassUnreachable, "STS could not be reached", firstSet(pr.Hint, "check the network and the endpoint")})
		}
	}
	if unreachable(err) {
		return failure(msg, Cause{ClassUnreachable, "STS could not be reached: " + networkReason(err), "check the network, a proxy, or the endpoint setting"})
	}
	return failure(msg, Cause{ClassOther, "an unexpected failure", ""})
}

func chainCause() Cause {
	return Cause{ClassChainingCap, "role chaining (signing with temporary credentials) caps sessions at 3600 s",
		"ask for at most 3600 s, or start from long-term keys with --mfa-on-assume"}
}

// explainDenied ranks the causes of an AccessDenied.
func (e *Engine) explainDenied(msg, awsMsg string, hop *Hop, r *OnlineReport) *Failure {
	if m := deniedAction().FindStringSubmatch(firstLineOf(awsMsg)); m != nil {
		switch strings.ToLower(m[2]) {
		case "sts:tagsession":
			return failure(msg, Cause{ClassTagsNotAllowed, "the trust policy does not allow sts:TagSession (session tags were sent)",
				"add sts:TagSession to the trust policy (assume-role policy trust --allow-tags) or leave out --tags"})
		case "sts:setsourceidentity":
			return failure(msg, Cause{ClassSourceIdentity, "the trust policy does not allow sts:SetSourceIdentity (a source identity was sent)",
				"add sts:SetSourceIdentity to the trust policy (--allow-source-identity) or leave out --source-identity"})
		}
		if strings.Contains(m[4], "explicit deny") {
			return failure(msg, Cause{ClassExplicitDeny, "an explicit Deny refuses the call (" + strings.TrimSpace(m[4]) + ")", "find the Deny: the trust policy, an SCP, or a permissions boundary"})
		}
	}
	low := strings.ToLower(awsMsg)
	switch {
	case strings.Contains(low, "multifactorauthentication failed"):
		return failure(msg, Cause{ClassMFACode, "the MFA code was refused (wrong, already used, or another device's)", "wait for the next code and try again"})
	case strings.Contains(low, "root account"):
		return failure(msg, Cause{ClassRootUser, "the root user cannot assume roles", "use an IAM user or role of the account as the source"})
	}
	extSent := hop != nil && hop.ExternalID != ""
	mfaUsed := hop != nil && (hop.MFA || r.usesMFA())
	caller := r.Caller
	if hop != nil && r.Plan != nil && len(r.Hops) > 1 {
		prev := r.Hops[len(r.Hops)-2]
		if prev.RoleARN != "" {
			caller = prev.RoleARN
		}
	}
	if len(r.opts.TrustPolicy) > 0 && caller != "" && hop != nil {
		if c := evaluateTrust(r.opts.TrustPolicy, caller, hop, mfaUsed, r.opts.OrgID); c != nil {
			return failure(msg, *c)
		}
	}
	who := firstSet(caller, "the caller")
	ext := Cause{ClassExternalID, "the role requires an external ID and none was sent", "pass --external-id (external_id in the profile)"}
	if extSent {
		ext = Cause{ClassExternalID, fmt.Sprintf("the external ID sent (%d characters) differs from the one the role requires", len(hop.ExternalID)), "check --external-id against the role's sts:ExternalId"}
	}
	causes := []Cause{{ClassNotTrusted, fmt.Sprintf("the role's trust policy does not trust %s", who),
		"trust it (assume-role policy trust --principal " + firstSet(caller, "ARN") + "), or check the role ARN"}}
	if !extSent {
		causes = append(causes, ext)
	}
	if !mfaUsed {
		causes = append(causes, Cause{ClassMFARequired, "the role requires MFA and none was used", "pass an MFA code (--token-code, mfa_serial in the profile)"})
	}
	if extSent {
		causes = append(causes, ext)
	}
	causes = append(causes, Cause{ClassCallerPermission, fmt.Sprintf("%s lacks sts:AssumeRole on the role in its own policies (or an SCP denies it)", who),
		"attach the caller policy (assume-role policy caller)"})
	f := failure(msg, causes...)
	f.Note = "STS answers the same AccessDenied for each of these: give the role's trust policy (--trust-policy FILE) to tell them apart"
	return f
}

// evaluateTrust explains a refusal with the role's trust policy: the first condition or principal
// that does not hold names the cause. nil when the policy allows the call (then the caller's own
// policies, an SCP or the role ARN are to blame) or cannot be read.
func evaluateTrust(doc []byte, caller string, h *Hop, mfa bool, orgID string) *Cause {
	d, err := policy.Evaluate(doc, policy.Request{Principal: caller, ExternalID: h.ExternalID, MFA: mfa, OrgID: orgID,
		SessionName: h.SessionName, Tags: len(h.Tags) > 0 || len(h.TransitiveTagKeys) > 0, SourceIdentity: h.SourceIdentity != ""})
	if err != nil {
		return nil
	}
	if d.Allowed {
		return &Cause{ClassCallerPermission, fmt.Sprintf("the trust policy allows %s (statement %s): its own policies, an SCP or a permissions boundary refuse", caller, d.Statement),
			"attach the caller policy (assume-role policy caller), check SCPs"}
	}
	if d.Explicit {
		return &Cause{ClassExplicitDeny, fmt.Sprintf("statement %s of the trust policy denies %s", d.Statement, d.Action), "change that statement's conditions"}
	}
	switch d.Action {
	case "sts:TagSession":
		return &Cause{ClassTagsNotAllowed, "the trust policy does not allow sts:TagSession", "add it (--allow-tags) or leave out --tags"}
	case "sts:SetSourceIdentity":
		return &Cause{ClassSourceIdentity, "the trust policy does not allow sts:SetSourceIdentity", "add it (--allow-source-identity) or leave out --source-identity"}
	}
	reason := strings.Join(d.Reasons, "; ")
	low := strings.ToLower(reason)
	switch {
	case strings.Contains(low, "sts:externalid"):
		if h.ExternalID == "" {
			return &Cause{ClassExternalID, "the role requires an external ID and none was sent: " + reason, "pass --external-id"}
		}
		return &Cause{ClassExternalID, fmt.Sprintf("the external ID sent (%d characters) differs from the required one: %s", len(h.ExternalID), reason), "check --external-id"}
	case strings.Contains(low, "multifactorauth"):
		return &Cause{ClassMFARequired, "the role requires MFA: " + reason, "pass an MFA code (--token-code, mfa_serial in the profile)"}
	case strings.Contains(low, "the principal"):
		return &Cause{ClassNotTrusted, reason, "trust the caller (assume-role policy trust --principal " + caller + ")"}
	}
	return &Cause{ClassNotTrusted, "a condition of the trust policy does not hold: " + reason, "pass what the condition asks for"}
}
