package cli

import (
	"context"
	"path"
	"slices"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/fanout"
	"github.com/assume-role/assume-role/problem"
)

// samlRoleTargets is the --saml-roles selection: the roles one SAML assertion grants, signed in
// once (or from the cached assertion), kept when GLOB (and no --exclude pattern) matches the role name (with or without its path), the
// account ID, the account's alias or the role ARN. Afterwards the request's SAML source is
// unattended: a target refreshing its credentials after the assertion expired signs in again only
// when that needs no prompt.
func samlRoleTargets(ctx context.Context, eng *engine.Engine, req *engine.Request, glob string, exclude []string) ([]fanout.Target, error) {
	if req.SAML == nil {
		return nil, problem.New(problem.Usage, "--saml-roles needs a SAML sign-in").
			WithHint("add --idp onelogin|okta, set AWS_ASSUME_ROLE_AUTH_SCHEME=onelogin|okta|saml, or pass --saml-assertion FILE")
	}
	src := *req.SAML
	src.Shared = &engine.SharedAssertion{}
	req.SAML = &src
	roles, err := eng.SAMLRoles(ctx, *req)
	if err != nil {
		return nil, err
	}
	src.Unattended = true
	var out []fanout.Target
	for _, r := range roles {
		tg := fanout.Target{AccountID: r.AccountID, AccountName: r.AccountName, RoleARN: r.RoleARN}
		if glob != "" && glob != "*" && !samlGlob(glob, &tg) {
			continue
		}
		if slices.ContainsFunc(exclude, func(p string) bool { ok, _ := path.Match(p, tg.RoleName()); return ok || p == tg.RoleName() }) {
			continue // --exclude also matches the role name here (the usual matches are applied later)
		}
		out = append(out, tg)
	}
	if len(out) == 0 {
		return nil, problem.New(problem.Usage, "no role of the SAML assertion matches --saml-roles %q", glob).
			WithHint("list them with --saml-roles --plan")
	}
	return out, nil
}

func samlGlob(glob string, tg *fanout.Target) bool {
	for _, v := range []string{tg.RoleName(), path.Base(tg.RoleName()), tg.AccountID, tg.AccountName, tg.RoleARN} {
		if v == "" {
			continue
		}
		if ok, _ := path.Match(glob, v); ok || glob == v {
			return true
		}
	}
	return false
}
