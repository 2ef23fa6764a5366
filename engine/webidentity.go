package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/internal/safefile"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// maxWebIdentityToken is STS's limit on the WebIdentityToken parameter.
const maxWebIdentityToken = 20000

// planWebIdentity plans AssumeRoleWithWebIdentity with --web-identity-token-file and the role.
func (e *Engine) planWebIdentity(ctx context.Context, p *Plan) error {
	req := p.req
	if err := checkFederated(req, "web identity"); err != nil {
		return err
	}
	if req.RoleARN == "" {
		return problem.New(problem.Usage, "web identity sign-in needs a role").
			WithHint("give -R/--role ARN, ACCOUNT ROLE, or set AWS_ROLE_ARN")
	}
	hop, err := e.webIdentityHop(ctx, p, req.RoleARN, req.WebIdentityTokenFile, "", "", nil)
	if err != nil {
		return err
	}
	p.Source = Source{Kind: SourceFederated, Origin: "--web-identity-token-file", Label: "web identity token", descriptor: "anonymous"}
	p.Hops = append(p.Hops, hop)
	applyFlags(p.Final(), req, e.getenv)
	return nil
}

// webIdentityHop reads the token (its hash is part of the cache key, so a rotated token yields new
// credentials) and plans the AssumeRoleWithWebIdentity call.
func (e *Engine) webIdentityHop(_ context.Context, _ *Plan, roleARN, tokenFile, sessionName, profile string, duration *time.Duration) (Hop, error) {
	h := Hop{Kind: HopWebIdentity, Profile: profile, RoleARN: roleARN, TokenFile: tokenFile}
	if _, _, _, err := stslimits.RoleARN("role", roleARN); err != nil {
		return h, problem.Wrap(problem.Usage, err, "%s", err.Error())
	}
	raw, err := readSmallFile(tokenFile, 4*maxWebIdentityToken)
	if errors.Is(err, safefile.ErrNotRegular) || errors.Is(err, safefile.ErrTooLarge) {
		return h, problem.Wrap(problem.NoCredentials, err, "the web identity token file %s", err.Error()).
			WithHint("check the path given to --web-identity-token-file, web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE")
	}
	if err != nil {
		return h, problem.Wrap(problem.NoCredentials, err, "cannot read the web identity token file %s", tokenFile).
			WithHint("check the path given to --web-identity-token-file, web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE")
	}
	token := strings.TrimSpace(string(raw))
	if n := len(token); n < 4 || n > maxWebIdentityToken {
		return h, problem.New(problem.NoCredentials, "the web identity token file %s holds %d characters; a token has 4 to %d", tokenFile, n, maxWebIdentityToken).
			WithHint("the file must contain only the OIDC ID token (a JWT)")
	}
	h.token = token
	switch {
	case sessionName != "":
		h.SessionName, h.SessionNameFrom = sessionName, "role_session_name of ["+profileSection(profile)+"]"
	case e.getenv("AWS_ROLE_SESSION_NAME") != "":
		h.SessionName, h.SessionNameFrom = e.getenv("AWS_ROLE_SESSION_NAME"), "AWS_ROLE_SESSION_NAME"
		if err := stslimits.SessionName("AWS_ROLE_SESSION_NAME", h.SessionName); err != nil {
			return h, problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
	case tokenSubject(token) != "":
		h.SessionName, h.SessionNameFrom = sanitizeName(tokenSubject(token)), "the token's subject"
	default:
		h.SessionName, h.SessionNameFrom = e.fallbackSessionName(), "the local user name"
	}
	if duration != nil {
		h.DurationSeconds, h.DurationFrom = int(duration.Seconds()), "duration_seconds of ["+profileSection(profile)+"]"
	}
	return h, nil
}

// webIdentityCall performs a web identity hop (unsigned).
func (e *Engine) webIdentityCall(ctx context.Context, p *Plan, h *Hop) (*cache.Entry, error) {
	in := &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(h.RoleARN),
		RoleSessionName:  aws.String(h.SessionName),
		WebIdentityToken: aws.String(h.token),
		DurationSeconds:  aws.Int32(int32(h.DurationSeconds)),
		PolicyArns:       policyDescriptors(h.PolicyARNs),
	}
	if h.Policy != "" {
		in.Policy = aws.String(h.Policy)
	}
	client, err := e.stsClient(ctx, p, aws.AnonymousCredentials{})
	if err != nil {
		return nil, err
	}
	out, err := client.AssumeRoleWithWebIdentity(ctx, in)
	if err != nil {
		return nil, e.explain(err, callInfo{op: "AssumeRoleWithWebIdentity", role: h.RoleARN, duration: h.DurationSeconds, stsRegion: p.STSRegionOrRegion()})
	}
	_, account, _, _ := stslimits.RoleARN("role", h.RoleARN)
	return entryFrom(out.Credentials, out.AssumedRoleUser, account, h.RoleARN+" via web identity token", e.now()), nil
}

// tokenSubject returns the unverified "sub" claim of a JWT, or "".
func tokenSubject(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Sub
}
