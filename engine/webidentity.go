package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strconv"
	"strings"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// maxWebIdentityToken is STS's limit on the WebIdentityToken parameter.
const maxWebIdentityToken = 20000

// assumeWebIdentity reads an OIDC token from req.WebIdentityTokenFile and calls
// AssumeRoleWithWebIdentity for req.RoleARN. The result is cached under the role and a hash of the
// token, so a rotated token file yields new credentials.
func (e *Engine) assumeWebIdentity(ctx context.Context, req Request) (*Result, error) {
	if err := checkFederated(req, "web identity"); err != nil {
		return nil, err
	}
	if req.RoleARN == "" {
		return nil, problem.New(problem.Usage, "web identity sign-in needs a role").
			WithHint("give -R/--role ARN, ACCOUNT ROLE, or set AWS_ROLE_ARN")
	}
	t, err := newFedTarget(req.RoleARN)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(req.WebIdentityTokenFile)
	if err != nil {
		return nil, problem.Wrap(problem.NoCredentials, err, "cannot read the web identity token file %s", req.WebIdentityTokenFile).
			WithHint("check the path given to --web-identity-token-file or AWS_WEB_IDENTITY_TOKEN_FILE")
	}
	token := strings.TrimSpace(string(raw))
	if n := len(token); n < 4 || n > maxWebIdentityToken {
		return nil, problem.New(problem.NoCredentials, "the web identity token file %s holds %d characters; a token has 4 to %d", req.WebIdentityTokenFile, n, maxWebIdentityToken).
			WithHint("the file must contain only the OIDC ID token (a JWT)")
	}
	session, err := e.webIdentitySessionName(req, token)
	if err != nil {
		return nil, err
	}
	duration := req.DurationSeconds
	if duration == 0 {
		duration = defaultDuration
	}
	if err := e.resolveFedRegions(ctx, req, t); err != nil {
		return nil, err
	}
	fields := map[string]string{
		"federation":   "web-identity",
		"role":         t.roleARN,
		"token":        hashHex([]byte(token)),
		"session_name": session,
		"duration":     strconv.Itoa(duration),
	}
	policyFields(req, fields)
	key := cache.Key{Kind: cache.KindRole, Fields: fields}
	return e.cachedFederated(ctx, req, key, t, func(ctx context.Context) (*cache.Entry, error) {
		in := &sts.AssumeRoleWithWebIdentityInput{
			RoleArn:          aws.String(t.roleARN),
			RoleSessionName:  aws.String(session),
			WebIdentityToken: aws.String(token),
			DurationSeconds:  aws.Int32(int32(duration)),
			PolicyArns:       policyDescriptors(req.PolicyARNs),
		}
		if req.Policy != "" {
			in.Policy = aws.String(req.Policy)
		}
		client, err := e.anonymousSTS(ctx, t)
		if err != nil {
			return nil, err
		}
		out, err := client.AssumeRoleWithWebIdentity(ctx, in)
		if err != nil {
			return nil, e.explain(err, callInfo{op: "AssumeRoleWithWebIdentity", role: t.roleARN, duration: duration, stsRegion: t.stsRegion})
		}
		return entryFrom(out.Credentials, out.AssumedRoleUser, t, t.roleARN+" via web identity token", e.now()), nil
	})
}

// webIdentitySessionName is the explicit name, AWS_ROLE_SESSION_NAME, the token's subject
// (sanitised), or a name derived from the local user.
func (e *Engine) webIdentitySessionName(req Request, token string) (string, error) {
	if req.SessionName != "" {
		return req.SessionName, nil
	}
	if n := e.getenv("AWS_ROLE_SESSION_NAME"); n != "" {
		if err := stslimits.SessionName("AWS_ROLE_SESSION_NAME", n); err != nil {
			return "", problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
		return n, nil
	}
	if sub := tokenSubject(token); sub != "" {
		return sanitizeName(sub), nil
	}
	return e.fallbackSessionName(), nil
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
