package engine

import (
	"context"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// callInfo is what explain knows about the failed call.
type callInfo struct {
	op         string
	role       string
	caller     string
	externalID bool // an external ID was sent
	mfa        bool // MFA was used (session or code)
	duration   int
	temporary  bool // signed with temporary credentials
	stsRegion  string
}

// callerInMessage is compiled on first use: only failed calls need it.
var callerInMessage = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`User: (\S+) is not authorized`) })

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func isMaxSessionDuration(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "MaxSessionDuration")
}

// explain turns an AWS SDK error into a one-line Problem with a hint. STS error messages never
// carry secrets, so they may be quoted; request parameters are never echoed.
func (e *Engine) explain(err error, c callInfo) *problem.Problem {
	if p := problem.As(err); p != nil {
		return p
	}
	if errors.Is(err, context.Canceled) {
		return problem.Wrap(problem.Interrupted, err, "interrupted")
	}
	if p := processProblem(err, ""); p != nil {
		return p // never the SDK's text: it quotes the process's output
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return networkProblem(err, c)
	}
	code, msg := ae.ErrorCode(), ae.ErrorMessage()
	who := c.caller
	if m := callerInMessage().FindStringSubmatch(msg); m != nil {
		who = m[1]
	}
	switch code {
	case "AccessDenied":
		if strings.Contains(msg, "MultiFactorAuthentication") {
			return problem.Wrap(problem.MFA, err, "%s: the MFA code was not accepted", c.op).
				WithHint("each code works once: wait for the next code and try again; check the MFA device ARN")
		}
		if strings.Contains(msg, "GetSessionToken") && strings.Contains(msg, "session credentials") {
			return problem.Wrap(problem.MFA, err, "%s: MFA sessions need long-term IAM user keys, but the source holds temporary credentials", c.op).
				WithHint("use a profile with IAM user keys as the source (--source-profile)")
		}
		if p := federatedProblem(err, c, code, msg); p != nil {
			return p
		}
		if c.op != "AssumeRole" {
			return problem.Wrap(problem.AccessDenied, err, "%s was denied: %s", c.op, msg)
		}
		return assumeRoleDenied(err, c, who, msg)
	case "InvalidClientTokenId":
		return problem.Wrap(problem.NoCredentials, err, "%s: the source credentials are not valid (InvalidClientTokenId)", c.op).
			WithHint("the access key is unknown or deactivated, or STS is not enabled in %s for it: check the keys, or try --sts-endpoint-region us-east-1", orUnknown(c.stsRegion))
	case "SignatureDoesNotMatch":
		return problem.Wrap(problem.NoCredentials, err, "%s: the secret access key does not match the access key ID", c.op).
			WithHint("re-enter the source keys (aws configure) or check AWS_SECRET_ACCESS_KEY")
	case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
		if p := federatedProblem(err, c, code, msg); p != nil {
			return p
		}
		return problem.Wrap(problem.NoCredentials, err, "%s: the source credentials have expired", c.op).
			WithHint("get fresh source credentials (aws sso login, a new MFA session with --refresh, or unset stale AWS_* variables)")
	case "ValidationError":
		switch {
		case strings.Contains(msg, "1 hour session limit"):
			return problem.Wrap(problem.Limit, err, "%s: %d s is over the 1-hour cap for roles assumed with temporary credentials (role chaining or an MFA session)", c.op, c.duration).
				WithHint("use -T 3600 or less, --mfa-on-assume with long-term keys, or `assume-role exec --server` to refresh hourly")
		case strings.Contains(msg, "MaxSessionDuration"):
			return problem.Wrap(problem.Limit, err, "%s: %d s is over the MaxSessionDuration of %s", c.op, c.duration, c.role).
				WithHint("ask for less with -T/--session-duration (default 3600), or raise the role's maximum session duration in IAM (up to 43200)")
		}
		return problem.Wrap(problem.Usage, err, "%s: STS rejected a parameter: %s", c.op, msg)
	case "RegionDisabledException":
		return problem.Wrap(problem.Network, err, "%s: STS is not activated in region %s for this account", c.op, orUnknown(c.stsRegion)).
			WithHint("send STS calls to an enabled region with --sts-endpoint-region us-east-1, or activate the region in IAM account settings")
	case "MalformedPolicyDocument":
		return problem.Wrap(problem.Usage, err, "%s: the session policy is malformed: %s", c.op, msg).
			WithHint("check the JSON given to --policy")
	case "PackedPolicyTooLarge":
		return problem.Wrap(problem.Limit, err, "%s: session policies and tags are too large after packing", c.op).
			WithHint("use fewer or shorter --policy, --policy-arns and --tags values")
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
		return problem.Wrap(problem.Network, err, "%s: STS is throttling requests, still after retries", c.op).
			WithHint("wait a little and run again; many parallel switches share one cached result when caching is on")
	case "IDPRejectedClaim", "InvalidIdentityToken", "IDPCommunicationError", "InvalidAuthorizationMessageException":
		if p := federatedProblem(err, c, code, msg); p != nil {
			return p
		}
		return problem.Wrap(problem.AccessDenied, err, "%s: the identity provider's token was refused: %s", c.op, msg)
	}
	return problem.Wrap(problem.Internal, err, "%s failed: %s: %s", c.op, code, msg)
}

// federatedProblem explains the errors of AssumeRoleWithSAML and AssumeRoleWithWebIdentity, or
// returns nil for other operations. The assertion and the token are never echoed.
func federatedProblem(err error, c callInfo, code, msg string) *problem.Problem {
	var what, trust string
	switch c.op {
	case "AssumeRoleWithSAML":
		what = "the SAML assertion"
		trust = "the role's trust policy must allow sts:AssumeRoleWithSAML for the SAML provider (Federated) with SAML:aud https://signin.aws.amazon.com/saml, and the assertion must grant the role through that provider"
	case "AssumeRoleWithWebIdentity":
		what = "the web identity token"
		trust = "the role's trust policy must allow sts:AssumeRoleWithWebIdentity for the OIDC provider (Federated) and match the token's aud and sub claims"
	default:
		return nil
	}
	switch code {
	case "AccessDenied":
		who := c.caller
		if who == "" {
			who = what
		}
		return problem.Wrap(problem.AccessDenied, err, "%s: %s may not assume %s", c.op, who, c.role).WithHint("%s", trust)
	case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
		hint := "sign in again to get a fresh assertion"
		if c.op == "AssumeRoleWithWebIdentity" {
			hint = "get a fresh token from your identity provider (the platform usually rewrites the token file)"
		}
		return problem.Wrap(problem.NoCredentials, err, "%s: %s has expired", c.op, what).WithHint("%s", hint)
	case "IDPCommunicationError":
		return problem.Wrap(problem.Network, err, "%s: STS could not reach the identity provider: %s", c.op, msg).
			WithHint("try again in a moment")
	default: // IDPRejectedClaim, InvalidIdentityToken, …
		hint := "check that an IAM SAML provider of the role's account matches the assertion's issuer (SAML_IDP_NAME) and audience"
		if c.op == "AssumeRoleWithWebIdentity" {
			hint = "check that an IAM OIDC provider of the role's account matches the token's issuer (iss), audience (aud) and signature"
		}
		return problem.Wrap(problem.AccessDenied, err, "%s: %s was refused: %s", c.op, what, msg).WithHint("%s", hint)
	}
}

func networkProblem(err error, c callInfo) *problem.Problem {
	var ue *url.Error
	target := "STS"
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		if perr == nil {
			target = u.Scheme + "://" + u.Host
		}
	}
	var ne net.Error
	var re *retry.MaxAttemptsError
	timeout := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	switch {
	case timeout:
		return problem.Wrap(problem.Network, err, "%s: %s did not answer in time", c.op, target).
			WithHint("check your network and proxy (HTTPS_PROXY), or the endpoint settings (AWS_ENDPOINT_URL_STS); --timeouts (%s) sets the limits", TimeoutsEnvVar)
	case ue != nil || errors.As(err, &re):
		return problem.Wrap(problem.Network, err, "%s: cannot reach %s: %s", c.op, target, rootCause(err)).
			WithHint("check your network and proxy (HTTPS_PROXY), or the endpoint settings (AWS_ENDPOINT_URL_STS)")
	}
	return problem.Wrap(problem.Internal, err, "%s failed: %s", c.op, describe(err))
}

func rootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return oneLine(err)
		}
		err = u
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "the caller"
	}
	return s
}

// explainSource explains a failure to obtain the source credentials.
func (e *Engine) explainSource(err error, src *Source) *problem.Problem {
	if p := problem.As(err); p != nil {
		return p
	}
	if p := processProblem(err, processLabel(src)); p != nil {
		return p // never the SDK's text: it quotes the process's output
	}
	if p := e.sourceProblem(err, src); p != nil {
		return p
	}
	msg := err.Error()
	if strings.Contains(msg, "ec2imds") || strings.Contains(msg, "IMDS") || strings.Contains(msg, "no EC2 IMDS role") {
		return problem.Wrap(problem.NoCredentials, err, "no AWS credentials found (%s)", src.Label).
			WithHint("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add keys to ~/.aws/credentials, or name a profile with --source-profile or AWS_PROFILE_ASSUME_ROLE")
	}
	if strings.Contains(msg, "SSO") || strings.Contains(msg, "sso") {
		return problem.Wrap(problem.NoCredentials, err, "the SSO session of %s is missing or expired", src.Label).
			WithHint("run: aws sso login --profile %s", src.Profile)
	}
	if strings.Contains(msg, "credential_process") || strings.Contains(msg, "ProcessProvider") {
		return problem.Wrap(problem.NoCredentials, err, "the credential_process of %s failed", src.Label).
			WithHint("run the profile's credential_process command by hand to see why")
	}
	p := e.explain(err, callInfo{op: "loading source credentials"})
	if p.Kind == problem.Internal {
		p.Kind = problem.NoCredentials
	}
	return p
}
