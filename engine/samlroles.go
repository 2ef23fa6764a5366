package engine

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/saml"
	"github.com/assume-role/assume-role/stslimits"
)

// SAMLRole is a role a SAML assertion grants, for a fan-out over the roles of one sign-in.
type SAMLRole struct {
	RoleARN      string
	PrincipalARN string
	AccountID    string
	AccountName  string // the account's alias in the accounts file, if any
}

// SharedAssertion holds the sign-in of a fan-out for its requests: the assertion of coinbase's
// scheme (which has no assertion cache), reused while it is valid, and what a new OneLogin or Okta
// sign-in would have to ask for (an MFA code, a push approval), so that an unattended refresh fails
// before contacting the IdP.
type SharedAssertion struct {
	mu    sync.Mutex
	a     *saml.Assertion
	needs string
}

func (h *SharedAssertion) setNeeds(needs string) {
	h.mu.Lock()
	h.needs = needs
	h.mu.Unlock()
}

func (h *SharedAssertion) getNeeds() string {
	if h == nil {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.needs
}

func (h *SharedAssertion) get(now time.Time) *saml.Assertion {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.a == nil || (!h.a.NotOnOrAfter.IsZero() && !now.Add(assertionMargin).Before(h.a.NotOnOrAfter)) {
		return nil
	}
	return h.a
}

func (h *SharedAssertion) set(a *saml.Assertion) {
	h.mu.Lock()
	h.a = a
	h.mu.Unlock()
}

// SAMLRoles signs in once (one IdP login, one MFA prompt), or reuses the cached assertion, and
// returns the roles the assertion grants, sorted as the assertion lists them. It is the selection
// of a fan-out over the roles of one assertion: each target then sets Request.RoleARN and is
// assumed with AssumeRoleWithSAML from the same (cached) assertion, with no further IdP call while
// the assertion is valid. Before running the targets, mark the source Unattended: a target whose
// credentials are refreshed after the assertion expired signs in again only when that needs no
// prompt.
func (e *Engine) SAMLRoles(ctx context.Context, req Request) ([]SAMLRole, error) {
	if req.SAML == nil {
		return nil, problem.New(problem.Usage, "listing the roles of a SAML assertion needs a SAML sign-in").
			WithHint("use --idp onelogin|okta, AWS_ASSUME_ROLE_AUTH_SCHEME=onelogin|okta|saml, or --saml-assertion FILE")
	}
	if err := checkFederated(req, "SAML"); err != nil {
		return nil, err
	}
	s := &samlSignIn{src: req.SAML}
	switch {
	case req.SAML.IdP != nil:
		if err := e.prepareVendor(s); err != nil {
			return nil, err
		}
		if err := e.vendorAssertion(ctx, req, s); err != nil {
			return nil, err
		}
	case len(req.SAML.Assertion) > 0:
		a, err := saml.ParseAssertion(req.SAML.Assertion)
		if err != nil {
			return nil, problem.Wrap(problem.Usage, err, "the SAML assertion is unusable: %s", oneLine(err)).
				WithHint("pass the SAMLResponse your IdP posted to AWS, base64 or XML")
		}
		s.assertion = a
	case req.SAML.IdPURL != "":
		s.coinbase = true
		if err := checkIdPTransport(req.SAML.IdPURL, req.SAML.AllowInsecure); err != nil {
			return nil, err
		}
		if err := e.obtainAssertion(ctx, s); err != nil {
			return nil, err
		}
	default:
		return nil, problem.New(problem.Usage, "SAML sign-in needs an assertion or an IdP URL").
			WithHint("pass --saml-assertion FILE, or set SAML_IDP_ASSERTION_URL with AWS_ASSUME_ROLE_AUTH_SCHEME=saml")
	}
	var out []SAMLRole
	seen := map[string]bool{}
	for _, r := range s.assertion.Roles {
		if s.coinbase && !strings.HasSuffix(r.PrincipalARN, ":saml-provider/"+req.SAML.IdPName) {
			continue // STS would refuse it: coinbase's scheme signs in through SAML_IDP_NAME
		}
		_, acct, _, err := stslimits.RoleARN("role", r.RoleARN)
		if err != nil || seen[r.RoleARN] {
			continue
		}
		seen[r.RoleARN] = true
		name := req.SAML.AccountNames[acct]
		if name == acct {
			name = ""
		}
		out = append(out, SAMLRole{RoleARN: r.RoleARN, PrincipalARN: r.PrincipalARN, AccountID: acct, AccountName: name})
	}
	if len(out) == 0 {
		return nil, problem.New(problem.AccessDenied, "the SAML assertion grants no AWS role").
			WithHint("ask your IdP administrator to grant you an AWS role (attribute %s)", saml.AttrRole)
	}
	if s.coinbase && req.SAML.Shared != nil {
		req.SAML.Shared.set(s.assertion)
	}
	return out, nil
}

// unattended refuses a prompt during an unattended sign-in (a fan-out target refreshing its
// credentials after the assertion expired).
func (e *Engine) unattended(src *SAMLSource, needs string) error {
	if src == nil || !src.Unattended {
		return nil
	}
	return problem.New(problem.NoCredentials, "the SAML assertion expired and signing in again needs %s, which cannot be asked during a fan-out", needs).
		WithHint("run the fan-out again; to refresh unattended, remember the password (--remember-password or ~/.saml/credentials) and give MFA codes with mfa_process")
}
