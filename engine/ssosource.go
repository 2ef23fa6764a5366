package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/assume-role/assume-role/accounts"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/sso"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"
)

// SourceSSO: a role of the IAM Identity Center access portal, fetched with the cached SSO token
// (assume-role sso login, or aws sso login: they share the token cache), without a profile.
const SourceSSO SourceKind = "sso"

// SSOSource is an access portal role used as the source (--sso ACCOUNT ROLE).
type SSOSource struct {
	// Session is the [sso-session NAME] to use; "" = the only one of the config file.
	Session string
	// Profile, instead of Session, names an SSO profile whose session (sso_session, or a legacy
	// sso_start_url) is used; its own account and role are not.
	Profile string
	// Account is a 12-digit account ID or an alias of the accounts file; Role is the permission
	// set's role name as the portal lists it.
	Account, Role string
}

// planSSO makes the portal role the plan's source. It reads only the config and alias files.
func (e *Engine) planSSO(p *Plan) error {
	req := p.req
	if req.Profile != "" || req.SourceProfile != "" {
		return problem.New(problem.Usage, "--sso names the source: it does not go with -p/--profile or --source-profile")
	}
	s, err := sso.ResolveSession(e.getenv, req.SSO.Session, req.SSO.Profile)
	if err != nil {
		return err
	}
	al, err := accounts.Load(e.accountsPath())
	if err != nil {
		return problem.Wrap(problem.Config, err, "%s", err.Error()).WithHint("fix the JSON in %s (alias: \"123456789012\")", e.accountsPath())
	}
	id, name, err := al.Resolve(strings.TrimSpace(req.SSO.Account))
	if err != nil {
		return problem.Wrap(problem.Usage, err, "%s", err.Error()).
			WithHint("use the 12-digit account ID (assume-role sso accounts lists them) or an alias of %s", e.accountsPath())
	}
	role := strings.TrimSpace(req.SSO.Role)
	if err := stslimits.RoleName("ROLE", role); err != nil || strings.Contains(role, "/") {
		return problem.New(problem.Usage, "invalid SSO role name %q", role).WithHint("list your roles with: assume-role sso roles")
	}
	p.sso = s
	p.Source = Source{Kind: SourceSSO, Origin: "--sso", Label: fmt.Sprintf("SSO role %s in account %s (%s)", role, id, s.Label()),
		descriptor: "sso:" + s.StartURL + "|" + id + "|" + role}
	p.ssoAccount, p.ssoRole = id, role
	if req.RoleARN == "" {
		p.AccountID, p.RoleName = id, role
		if p.AccountName == "" {
			p.AccountName = name
		}
	}
	return nil
}

// ssoRetrieve gets the portal role's credentials with the cached token (refreshed when it expires
// soon; never a sign-in: that is assume-role sso login).
func (e *Engine) ssoRetrieve(ctx context.Context, p *Plan) (aws.Credentials, error) {
	env := &sso.Env{Getenv: e.getenv, HTTPClient: e.http, Now: e.now}
	if e.debug != nil {
		env.APIOptions = e.debugMiddleware()
	}
	if err := e.ssoLogin(ctx, p, env, p.sso); err != nil {
		return aws.Credentials{}, err
	}
	return env.RoleCredentials(ctx, p.sso, p.ssoAccount, p.ssoRole)
}

// APIOptions are the middlewares the engine adds to its own AWS clients (the --debug trace, when
// Options.Debug is set), for callers that make AWS calls of their own next to it.
func (e *Engine) APIOptions() []func(*middleware.Stack) error {
	if e.debug == nil {
		return nil
	}
	return e.debugMiddleware()
}

// ssoLogin signs in through Request.SSOLogin when there is no valid token for s (nothing
// happens without the hook: the portal call then fails with a hint to sign in).
func (e *Engine) ssoLogin(ctx context.Context, p *Plan, env *sso.Env, s *sso.Session) error {
	if p.req.SSOLogin == nil {
		return nil
	}
	if _, err := env.AccessToken(ctx, s); err != nil {
		if pr := problem.As(err); pr != nil && pr.Kind == problem.NoCredentials {
			return p.req.SSOLogin(ctx, s)
		}
	}
	return nil
}

// ssoProfileLogin signs in before the SDK resolves an SSO profile, when the request allows it.
func (e *Engine) ssoProfileLogin(ctx context.Context, p *Plan, profile string) error {
	if p.req.SSOLogin == nil || profile == "" {
		return nil
	}
	s, err := sso.ResolveSession(e.getenv, "", profile)
	if err != nil {
		return nil // not an SSO profile: nothing to sign in to
	}
	return e.ssoLogin(ctx, p, &sso.Env{Getenv: e.getenv, HTTPClient: e.http, Now: e.now, APIOptions: e.APIOptions()}, s)
}
