package cli

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/assume-role/assume-role/accounts"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/fanout"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/sso"
	"github.com/assume-role/assume-role/stslimits"
)

// ssoFanout is the --sso-accounts selection: every account the IAM Identity Center session lists,
// with the portal role --role as each target's source and, with --assume-role, a role assumed there.
type ssoFanout struct {
	src        engine.SSOSource // the session: Session or Profile
	session    *sso.Session
	role       string // the permission set's role name
	assumeRole string // optional role name (with path) assumed with the portal role
}

// prepareSSOFanout checks the flags and resolves the session, before any network call. It takes
// --sso-session and -p from t: with --sso-accounts they name the session, not a source profile.
func prepareSSOFanout(sio *IO, t *targetFlags, role, assumeRole string) (*ssoFanout, error) {
	if role == "" {
		return nil, problem.New(problem.Usage, "--sso-accounts needs --role NAME: the access portal role (permission set) to use in every account").
			WithHint("list the roles with: assume-role sso roles")
	}
	if strings.Contains(role, "/") || strings.HasPrefix(role, "arn:") || stslimits.RoleName("--role", role) != nil {
		return nil, problem.New(problem.Usage, "--role %q: with --sso-accounts it is the access portal's role name, e.g. AdministratorAccess", role).
			WithHint("list the roles with: assume-role sso roles; a role to assume from there goes in --assume-role NAME")
	}
	if t.sso {
		return nil, problem.New(problem.Usage, "--sso ACCOUNT ROLE does not go with --sso-accounts").
			WithHint("--sso-accounts selects the accounts; give the portal role with --role")
	}
	if t.sourceProfile != "" {
		return nil, problem.New(problem.Usage, "--source-profile does not go with --sso-accounts: the access portal role is the source")
	}
	if assumeRole != "" {
		assumeRole = strings.TrimPrefix(assumeRole, "/")
		if strings.HasPrefix(assumeRole, "arn:") {
			return nil, problem.New(problem.Usage, "--assume-role takes a role name (with its path), not an ARN")
		}
		if _, _, _, err := stslimits.RoleARN("--assume-role", fanout.RoleARN("aws", "123456789012", assumeRole)); err != nil {
			return nil, problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
	}
	f := &ssoFanout{src: engine.SSOSource{Session: t.ssoSession, Profile: t.profile}, role: role, assumeRole: assumeRole}
	s, err := sso.ResolveSession(sio.Getenv, t.ssoSession, t.profile)
	if err != nil {
		return nil, err
	}
	f.session = s
	t.ssoSession, t.profile = "", "" // the base request has no source: each target sets its own
	return f, nil
}

// targets lists the session's accounts and their roles (shared 20 requests/s limiter, cached
// listing) and makes one target per account; accounts without the role are skipped.
func (f *ssoFanout) targets(ctx context.Context, sio *IO, t *targetFlags, accts *accounts.Accounts, partition string) ([]fanout.Target, error) {
	if t.ssoLogin {
		if _, _, err := ssoEnv(sio, false, t.debug).Login(ctx, f.session, sso.LoginOptions{}); err != nil {
			return nil, err
		}
	}
	ttl := time.Hour
	if v := sio.Getenv("ASSUME_ROLE_SSO_CACHE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, problem.New(problem.Usage, "ASSUME_ROLE_SSO_CACHE_TTL=%q is not a duration like 1h", v)
		}
		ttl = d
	}
	l, _, err := ssoEnv(sio, true, t.debug).List(ctx, f.session, sso.ListOptions{Roles: true, Refresh: t.refresh, MaxAge: ttl, CacheDir: listingCacheDir(sio.Getenv)})
	if err != nil {
		return nil, err
	}
	out := make([]fanout.Target, 0, len(l.Accounts))
	for _, a := range l.Accounts {
		tg := fanout.Target{AccountID: a.ID, AccountName: firstNonEmpty(a.Name, accts.NameFor(a.ID)), SSORole: f.role}
		if f.assumeRole != "" {
			tg.RoleARN = fanout.RoleARN(partition, a.ID, f.assumeRole)
		}
		if !slices.Contains(a.Roles, f.role) {
			tg.Skipped = "the access portal gives no role " + f.role + " here"
			if len(a.Roles) > 0 {
				tg.Skipped += " (roles: " + strings.Join(a.Roles, ", ") + ")"
			}
		}
		out = append(out, tg)
	}
	return out, nil
}

// ssoSource is the session of the --sso-accounts targets (none without the selection).
func ssoSource(f *ssoFanout) engine.SSOSource {
	if f == nil {
		return engine.SSOSource{}
	}
	return f.src
}
