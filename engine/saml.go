package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/saml"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// maxSAMLAssertion is STS's limit on the base64 SAMLAssertion parameter.
const maxSAMLAssertion = 100000

// fedTarget is the resolved role of a federated sign-in (SAML or web identity).
type fedTarget struct {
	roleARN, partition, account, roleName string
	region, stsRegion                     string
	plan                                  *Plan // region and SDK clients
}

func newFedTarget(roleARN string) (*fedTarget, error) {
	part, acct, _, err := stslimits.RoleARN("role", roleARN)
	if err != nil {
		return nil, problem.Wrap(problem.Usage, err, "%s", err.Error())
	}
	t := &fedTarget{roleARN: roleARN, partition: part, account: acct}
	if i := strings.Index(roleARN, ":role/"); i >= 0 {
		t.roleName = roleARN[i+len(":role/"):]
	}
	return t, nil
}

// resolveFedRegions fills the region (as for AssumeRole: argument, environment, the ambient profile's
// region, a prompt, us-east-1) and the STS region.
func (e *Engine) resolveFedRegions(ctx context.Context, req Request, t *fedTarget) error {
	p := &Plan{req: req}
	p.Source.Profile = firstSet(e.getenv("AWS_PROFILE"), e.getenv("AWS_DEFAULT_PROFILE"), "default")
	if err := e.planRegion(ctx, p); err != nil {
		return err
	}
	t.region, t.stsRegion, t.plan = p.Region, p.STSRegion, p
	return nil
}

// checkFederated rejects options that AssumeRoleWithSAML and AssumeRoleWithWebIdentity do not take,
// instead of silently dropping them.
func checkFederated(req Request, what string) error {
	if req.SAML != nil && req.WebIdentityTokenFile != "" {
		return problem.New(problem.Usage, "SAML and web identity sign-in cannot be combined").
			WithHint("give either a SAML assertion (or IdP) or a web identity token file")
	}
	for _, u := range []struct {
		set  bool
		name string
	}{{req.Profile != "", "-p/--profile"}, {req.SourceProfile != "", "--source-profile"}} {
		if u.set {
			return problem.New(problem.Usage, "%s cannot be used with %s sign-in", u.name, what).
				WithHint("federated sign-in needs no source credentials: drop it")
		}
	}
	return checkFederatedFlags(req, what)
}

// checkFederatedFlags rejects the AssumeRole parameters that AssumeRoleWithSAML and
// AssumeRoleWithWebIdentity do not take.
func checkFederatedFlags(req Request, what string) error {
	unsupported := []struct {
		set  bool
		name string
	}{
		{req.ExternalID != "", "--external-id"},
		{req.SerialNumber != "", "--serial-number"},
		{req.TokenCode != "" && (req.SAML == nil || req.SAML.IdP == nil), "an MFA code"},
		{req.AskMFASerial, "--mfa"},
		{req.MFAOnAssume, "--mfa-on-assume"},
		{len(req.Tags) > 0, "--tags"},
		{len(req.TransitiveTagKeys) > 0, "--transitive-tag-keys"},
		{req.SourceIdentity != "", "--source-identity"},
		{req.SAML != nil && req.SessionName != "", "--role-session-name"},
	}
	for _, u := range unsupported {
		if u.set {
			return problem.New(problem.Usage, "%s cannot be used with %s sign-in", u.name, what).
				WithHint("drop it: STS does not take it with federated sign-in (the identity provider supplies MFA, tags and source identity)")
		}
	}
	return nil
}

// policyFields are the cache key fields of the session policies.
func policyFields(req Request, fields map[string]string) {
	if req.Policy != "" {
		s := sha256.Sum256([]byte(req.Policy))
		fields["policy"] = hex.EncodeToString(s[:])
	}
	arns := append([]string(nil), req.PolicyARNs...)
	sort.Strings(arns)
	fields["policy_arns"] = strings.Join(arns, ",")
}

func policyDescriptors(arns []string) []ststypes.PolicyDescriptorType {
	var out []ststypes.PolicyDescriptorType
	for _, a := range arns {
		out = append(out, ststypes.PolicyDescriptorType{Arn: aws.String(a)})
	}
	return out
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// cachedFederated serves key from the cache or runs fetch, through the caching decorator.
func (e *Engine) cachedFederated(ctx context.Context, req Request, key cache.Key, t *fedTarget,
	fetch func(context.Context) (*cache.Entry, error)) (*Result, error) {
	ent, cached, err := e.cached(fetcher(fetch), key, e.cache != nil && !req.NoCache, req.Refresh).retrieveEntry(ctx)
	if err != nil {
		return nil, err
	}
	return t.result(ent, cached), nil
}

func (t *fedTarget) result(ent *cache.Entry, cached bool) *Result {
	r := &Result{
		Credentials: aws.Credentials{AccessKeyID: ent.AccessKeyID, SecretAccessKey: ent.SecretAccessKey,
			SessionToken: ent.SessionToken, Expires: ent.Expiration, CanExpire: !ent.Expiration.IsZero(),
			Source: "assume-role", AccountID: t.account},
		RoleARN: t.roleARN, AssumedRoleARN: ent.Arn, AssumedRoleID: ent.AssumedRoleID, AccountID: t.account, RoleName: t.roleName,
		Region: t.region, Cached: cached,
	}
	if i := strings.LastIndex(ent.Arn, "/"); i >= 0 && strings.Contains(ent.Arn, ":assumed-role/") {
		r.SessionName = ent.Arn[i+1:]
	}
	return r
}

// anonymousSTS returns an STS client for the unsigned federation calls, with the SDK's standard
// endpoint settings.
func (e *Engine) anonymousSTS(ctx context.Context, t *fedTarget) (*sts.Client, error) {
	return e.stsClient(ctx, t.plan, aws.AnonymousCredentials{})
}

func entryFrom(c *ststypes.Credentials, user *ststypes.AssumedRoleUser, account, label string, now time.Time) *cache.Entry {
	ent := &cache.Entry{
		Kind: cache.KindRole, Label: label, AccountID: account, Created: now,
	}
	if c != nil {
		ent.AccessKeyID, ent.SecretAccessKey = aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey)
		ent.SessionToken, ent.Expiration = aws.ToString(c.SessionToken), aws.ToTime(c.Expiration)
	}
	if user != nil {
		ent.Arn = aws.ToString(user.Arn)
		ent.AssumedRoleID = aws.ToString(user.AssumedRoleId)
	}
	return ent
}

// samlSignIn is one SAML sign-in in progress.
type samlSignIn struct {
	src       *SAMLSource
	assertion *saml.Assertion // nil until given or fetched
	coinbase  bool            // the assertion comes from the IdP (coinbase's scheme)
	vendor    *vendorSignIn   // the assertion comes from OneLogin or Okta
	role      saml.Role       // the chosen role and its provider
	target    *fedTarget
	duration  int // requested (or default) duration, before the SessionDuration cap
	explicit  bool
}

// assumeSAML signs in with a SAML assertion (given, or fetched from an IdP with coinbase's JSON
// contract) and calls AssumeRoleWithSAML. In coinbase's scheme with a known role, a cached result
// is served without contacting the IdP or asking for the password.
func (e *Engine) assumeSAML(ctx context.Context, req Request) (*Result, error) {
	if err := checkFederated(req, "SAML"); err != nil {
		return nil, err
	}
	if req.SAML.IdP != nil {
		return e.assumeVendor(ctx, req)
	}
	s := &samlSignIn{src: req.SAML, duration: req.DurationSeconds, explicit: req.DurationSeconds != 0}
	if s.duration == 0 {
		s.duration = defaultDuration
	}
	switch {
	case len(s.src.Assertion) > 0:
		a, err := saml.ParseAssertion(s.src.Assertion)
		if err != nil {
			return nil, problem.Wrap(problem.Usage, err, "the SAML assertion is unusable: %s", oneLine(err)).
				WithHint("pass the SAMLResponse your IdP posted to AWS, base64 or XML")
		}
		s.assertion = a
	case s.src.IdPURL != "":
		s.coinbase = true
		if err := checkIdPTransport(s.src.IdPURL, s.src.AllowInsecure); err != nil {
			return nil, err
		}
		if s.src.IdPName == "" {
			return nil, problem.New(problem.Config, "SAML_IDP_NAME is not set").
				WithHint("set it to the name of the IAM SAML provider (arn:aws:iam::ACCOUNT:saml-provider/NAME)")
		}
	default:
		return nil, problem.New(problem.Usage, "SAML sign-in needs an assertion or an IdP URL").
			WithHint("pass --saml-assertion FILE, or set SAML_IDP_ASSERTION_URL with AWS_ASSUME_ROLE_AUTH_SCHEME=saml")
	}

	if s.coinbase && req.RoleARN != "" {
		// The role is known: the key can be built without the assertion, so a cached credential is
		// served without contacting the IdP.
		t, err := newFedTarget(req.RoleARN)
		if err != nil {
			return nil, err
		}
		s.target = t
		s.role = saml.Role{RoleARN: req.RoleARN, PrincipalARN: s.configuredProvider(t)}
	} else {
		if err := e.obtainAssertion(ctx, s); err != nil {
			return nil, err
		}
		if err := e.chooseSAMLRole(s, firstSet(req.RoleARN, req.SAML.Role)); err != nil {
			return nil, err
		}
	}
	if err := stslimits.SAMLProviderARN("SAML provider", s.role.PrincipalARN); err != nil {
		return nil, problem.Wrap(problem.Config, err, "%s", err.Error())
	}
	if s.assertion != nil {
		s.capDuration(e)
	}
	if err := e.resolveFedRegions(ctx, req, s.target); err != nil {
		return nil, err
	}
	fields := map[string]string{
		"federation": "saml",
		"role":       s.role.RoleARN,
		"principal":  s.role.PrincipalARN,
		"duration":   strconv.Itoa(s.duration),
	}
	if s.coinbase {
		fields["idp_url"], fields["idp_user"] = s.src.IdPURL, s.src.Username
	} else {
		fields["assertion"] = hashHex([]byte(s.assertion.Raw))
	}
	policyFields(req, fields)
	key := cache.Key{Kind: cache.KindRole, Fields: fields}
	return e.cachedFederated(ctx, req, key, s.target, func(ctx context.Context) (*cache.Entry, error) {
		return e.fetchSAML(ctx, req, s)
	})
}

// configuredProvider is coinbase's principal: the SAML_IDP_NAME provider in the role's account.
func (s *samlSignIn) configuredProvider(t *fedTarget) string {
	return fmt.Sprintf("arn:%s:iam::%s:saml-provider/%s", t.partition, t.account, s.src.IdPName)
}

// obtainAssertion fetches the assertion from the IdP unless it is already there.
func (e *Engine) obtainAssertion(ctx context.Context, s *samlSignIn) error {
	if s.assertion != nil {
		return nil
	}
	if s.src.Shared != nil {
		if a := s.src.Shared.get(e.now()); a != nil {
			s.assertion = a
			return nil
		}
	}
	user, password := s.src.Username, s.src.Password
	if (user == "" || password == "") && s.src.Credentials != nil {
		if err := e.unattended(s.src, "a username and password"); err != nil {
			return err
		}
		u, p, err := s.src.Credentials()
		if err != nil {
			if problem.As(err) != nil {
				return err
			}
			return problem.Wrap(problem.NoCredentials, err, "no SAML credentials: %s", oneLine(err))
		}
		if user == "" {
			user = u
		}
		if password == "" {
			password = p
		}
	}
	if user == "" || password == "" {
		return problem.New(problem.NoCredentials, "no SAML username or password").
			WithHint("put username = … and password = … in ~/.saml/credentials (or SAML_FILE), or run on a terminal to be asked")
	}
	e.debugf("signing in at the IdP %s as %s", redactURL(s.src.IdPURL), user)
	a, err := saml.FetchAssertion(ctx, e.idpHTTPClient(), saml.IdPRequest{URL: s.src.IdPURL, Template: s.src.BodyTemplate,
		Username: user, Password: password, AllowInsecure: s.src.AllowInsecure})
	if err != nil {
		return idpProblem(ctx, err)
	}
	s.assertion = a
	if s.src.Shared != nil {
		s.src.Shared.set(a)
	}
	return nil
}

// chooseSAMLRole picks the role: the one asked for (which the assertion must grant), the only one,
// or one chosen on the terminal.
func (e *Engine) chooseSAMLRole(s *samlSignIn, want string) error {
	a := s.assertion
	var granted []string
	for _, r := range a.Roles {
		granted = append(granted, r.RoleARN)
	}
	if len(a.Roles) == 0 {
		return problem.New(problem.AccessDenied, "the SAML assertion grants no AWS role").
			WithHint("ask your IdP administrator to grant you an AWS role (attribute %s)", saml.AttrRole)
	}
	var role saml.Role
	switch {
	case want != "":
		r, err := a.ChooseRole(want)
		if err != nil {
			return problem.Wrap(problem.AccessDenied, err, "the SAML assertion does not grant %s; it grants: %s", want, strings.Join(granted, ", ")).
				WithHint("choose one of those roles (ACCOUNT ROLE or -R ARN), or ask your IdP administrator for access")
		}
		role = r
		if s.coinbase {
			// Prefer the pair naming the configured provider when the role comes through several.
			for _, p := range a.Roles {
				if p.RoleARN == r.RoleARN && strings.HasSuffix(p.PrincipalARN, ":saml-provider/"+s.src.IdPName) {
					role = p
				}
			}
		}
	case len(a.Roles) == 1:
		role = a.Roles[0]
	case e.prompt.CanPrompt():
		labels := make([]string, len(a.Roles))
		for i, r := range a.Roles {
			labels[i] = roleLabel(r.RoleARN, s.src.AccountNames)
		}
		i, err := e.prompt.Choose("Choose a role from the SAML assertion:", labels)
		if err != nil {
			return problem.Wrap(problem.Interrupted, err, "no role chosen")
		}
		role = a.Roles[i]
	default:
		return problem.New(problem.Usage, "the SAML assertion grants %d roles; choose one of: %s", len(a.Roles), strings.Join(granted, ", ")).
			WithHint("give ACCOUNT ROLE or -R ARN, or run on a terminal to pick one")
	}
	if s.target == nil || s.target.roleARN != role.RoleARN {
		t, err := newFedTarget(role.RoleARN)
		if err != nil {
			return problem.Wrap(problem.Config, err, "the SAML assertion grants an invalid role ARN: %s", err.Error())
		}
		s.target = t
	}
	s.role = role
	if s.coinbase {
		return s.checkProvider()
	}
	return nil
}

// checkProvider makes sure that, in coinbase's scheme, the assertion grants the role through the
// configured SAML_IDP_NAME provider (STS would refuse anything else).
func (s *samlSignIn) checkProvider() error {
	want := s.configuredProvider(s.target)
	for _, r := range s.assertion.Roles {
		if r.RoleARN == s.role.RoleARN && r.PrincipalARN == want {
			s.role = r
			return nil
		}
	}
	return problem.New(problem.Config, "the SAML assertion grants %s through %s, not through %s (SAML_IDP_NAME)", s.role.RoleARN, s.role.PrincipalARN, want).
		WithHint("set SAML_IDP_NAME to the name of the SAML provider your IdP uses for this role")
}

// roleLabel is how the picker shows a role: "prod (222222222222) saml-read".
func roleLabel(roleARN string, names map[string]string) string {
	_, acct, _, err := stslimits.RoleARN("role", roleARN)
	if err != nil {
		return roleARN
	}
	name := roleARN[strings.Index(roleARN, ":role/")+len(":role/"):]
	if alias := names[acct]; alias != "" && alias != acct {
		return fmt.Sprintf("%s (%s) %s", alias, acct, name)
	}
	return fmt.Sprintf("%s %s", acct, name)
}

// capDuration applies the assertion's SessionDuration: STS never grants more.
func (s *samlSignIn) capDuration(e *Engine) {
	max := int(s.assertion.SessionDuration)
	if max < stslimits.MinDuration || s.duration <= max {
		return
	}
	if s.explicit {
		fmt.Fprintf(e.warn, "assume-role: warning: the SAML assertion allows sessions of at most %d s (its SessionDuration); using %d s instead of %d s\n", max, max, s.duration)
	}
	s.duration = max
}

// fetchSAML performs the sign-in for a cache miss: the assertion (from the IdP if needed), local
// checks, then AssumeRoleWithSAML.
func (e *Engine) fetchSAML(ctx context.Context, req Request, s *samlSignIn) (*cache.Entry, error) {
	if s.assertion == nil {
		if err := e.obtainAssertion(ctx, s); err != nil {
			return nil, err
		}
		if err := e.chooseSAMLRole(s, s.role.RoleARN); err != nil {
			return nil, err
		}
		s.capDuration(e)
	}
	a := s.assertion
	if !a.NotOnOrAfter.IsZero() && !e.now().Before(a.NotOnOrAfter) {
		return nil, problem.New(problem.NoCredentials, "the SAML assertion expired at %s", a.NotOnOrAfter.UTC().Format(time.RFC3339)).
			WithHint("sign in again to get a fresh assertion (assertions are valid for a few minutes)")
	}
	if n := len(a.Raw); n < 4 || n > maxSAMLAssertion {
		return nil, problem.New(problem.Limit, "the SAML assertion is %d base64 characters; STS accepts 4 to %d", n, maxSAMLAssertion)
	}
	in := &sts.AssumeRoleWithSAMLInput{
		RoleArn:         aws.String(s.role.RoleARN),
		PrincipalArn:    aws.String(s.role.PrincipalARN),
		SAMLAssertion:   aws.String(a.Raw),
		DurationSeconds: aws.Int32(int32(s.duration)),
		PolicyArns:      policyDescriptors(req.PolicyARNs),
	}
	if req.Policy != "" {
		in.Policy = aws.String(req.Policy)
	}
	client, err := e.anonymousSTS(ctx, s.target)
	if err != nil {
		return nil, err
	}
	out, err := client.AssumeRoleWithSAML(ctx, in)
	if err != nil {
		return nil, e.explain(err, callInfo{op: "AssumeRoleWithSAML", role: s.role.RoleARN, caller: s.role.PrincipalARN,
			duration: s.duration, stsRegion: s.target.stsRegion})
	}
	label := s.role.RoleARN + " via SAML assertion"
	if s.coinbase {
		label = s.role.RoleARN + " via SAML IdP " + redactURL(s.src.IdPURL)
	}
	if s.vendor != nil {
		label = s.role.RoleARN + " via " + s.vendor.name + " (" + s.vendor.user + ")"
	}
	return entryFrom(out.Credentials, out.AssumedRoleUser, s.target.account, label, e.now()), nil
}

// checkIdPTransport refuses, before any prompt or connection, to send a password over plain http
// to a host that is not loopback (unless allowed).
func checkIdPTransport(raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return problem.New(problem.Config, "SAML_IDP_ASSERTION_URL is not an absolute http(s) URL").
			WithHint("set it to the IdP endpoint that returns {\"saml_response\": …}")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if allowInsecure || strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return problem.Wrap(problem.Config, saml.ErrInsecureIdP, "%s (%s)", saml.ErrInsecureIdP.Error(), u.Host).
			WithHint("use an https SAML_IDP_ASSERTION_URL, or accept the risk with --allow-insecure-idp")
	default:
		return problem.New(problem.Config, "SAML_IDP_ASSERTION_URL has scheme %q; use https", u.Scheme)
	}
}

// idpProblem classifies FetchAssertion's errors (which never contain the password).
func idpProblem(ctx context.Context, err error) *problem.Problem {
	msg := oneLine(err)
	var ne net.Error
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return problem.Wrap(problem.Interrupted, err, "interrupted")
	case errors.Is(err, saml.ErrInsecureIdP):
		return problem.Wrap(problem.Config, err, "SAML sign-in: %s", msg).
			WithHint("use https, or accept the risk with --allow-insecure-idp")
	case errors.Is(err, saml.ErrIdPRejected):
		return problem.Wrap(problem.NoCredentials, err, "SAML sign-in: %s", msg).
			WithHint("fix username/password in ~/.saml/credentials (or SAML_FILE), or remove them there to be asked")
	case errors.As(err, &ne) || strings.HasPrefix(msg, "contacting the IdP"):
		return problem.Wrap(problem.Network, err, "SAML sign-in: %s", msg).
			WithHint("check SAML_IDP_ASSERTION_URL, your network and proxy settings")
	case strings.HasPrefix(msg, "the IdP at ") && strings.Contains(msg, " answered "):
		return problem.Wrap(problem.Network, err, "SAML sign-in: %s", msg).
			WithHint("the IdP failed: try again later, or check SAML_IDP_ASSERTION_URL")
	}
	return problem.Wrap(problem.Config, err, "SAML sign-in: %s", msg).
		WithHint("check SAML_IDP_ASSERTION_URL and SAML_IDP_REQUEST_BODY_TEMPLATE: the IdP must answer {\"saml_response\": \"<base64>\"}")
}

// idpHTTPClient adapts the engine's HTTP client for the IdP call, whose redirect policy
// (FetchAssertion's) needs a *http.Client. A custom aws.HTTPClient of another type is used as a
// transport: its own redirect handling, if any, then applies.
func (e *Engine) idpHTTPClient() *http.Client {
	switch c := e.http.(type) {
	case *http.Client:
		return c
	case *awshttp.BuildableClient:
		return &http.Client{Transport: c.GetTransport(), Timeout: c.GetTimeout()}
	}
	return &http.Client{Transport: roundTripper(e.http.Do)}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// redactURL shows a URL without user info, query or fragment.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return v.String()
}
