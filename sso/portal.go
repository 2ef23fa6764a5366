package sso

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
	ssoapi "github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// PortalRate is the access portal's limit: 20 requests per second for all its operations.
const PortalRate = 20

// Limiter spaces requests evenly at a rate; one Limiter is shared by every portal call of a
// process, so parallel listings stay under the portal's limit together.
type Limiter struct {
	mu       sync.Mutex
	next     time.Time
	interval time.Duration
}

// NewLimiter allows perSecond requests per second.
func NewLimiter(perSecond int) *Limiter {
	return &Limiter{interval: time.Second / time.Duration(perSecond)}
}

// Wait blocks until the next request may go.
func (l *Limiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

var portalLimiter = &Limiter{interval: time.Second / PortalRate} // static: no start-up work

// limited puts every attempt (retries included) of a portal call through the limiter.
func limited(l *Limiter) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("PortalRateLimit",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if err := l.Wait(ctx); err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
}

func (e *Env) limitedPortal(region string) *ssoapi.Client {
	c := e.portal(region)
	return ssoapi.New(c.Options(), func(o *ssoapi.Options) {
		o.APIOptions = append(append([]func(*middleware.Stack) error(nil), o.APIOptions...), limited(portalLimiter))
	})
}

// AccessToken returns a valid access token for s without asking the user: the cached one, or a
// refreshed one when it expires soon. It fails with a NoCredentials problem when there is none.
func (e *Env) AccessToken(ctx context.Context, s *Session) (*Token, error) {
	path := TokenPath(e.Getenv, s.CacheKey())
	t, err := ReadToken(path)
	if err != nil {
		return nil, problem.Wrap(problem.Config, err, "cannot read the SSO token cache: %s", firstLine(err.Error()))
	}
	if t != nil && t.Expires().After(e.now().Add(time.Minute)) {
		return t, nil
	}
	if t != nil && t.canRefresh(e.now()) {
		if out, nt, err := e.Login(ctx, s, LoginOptions{NoBrowser: true, Wait: time.Minute, refreshOnly: true}); err == nil && out != "" {
			return nt, nil
		}
	}
	return nil, notSignedIn(s)
}

func notSignedIn(s *Session) *problem.Problem {
	flag := "--sso-session " + s.Name
	if s.Name == "" {
		flag = "--profile " + s.Profile
	}
	return problem.New(problem.NoCredentials, "not signed in to %s (no valid token in the SSO cache)", s.Label()).
		WithHint("run: assume-role sso login %s", flag)
}

// Account is an account of the access portal and, when listed, the roles the user may take.
type Account struct {
	ID    string   `json:"accountId"`
	Name  string   `json:"accountName"`
	Email string   `json:"emailAddress,omitempty"`
	Roles []string `json:"roles,omitempty"`
}

// Listing is what the portal showed at one time.
type Listing struct {
	StartURL     string    `json:"startUrl"`
	Fetched      time.Time `json:"fetched"`
	RolesFetched bool      `json:"rolesFetched"`
	Accounts     []Account `json:"accounts"`
}

// ListOptions tune List.
type ListOptions struct {
	Roles    bool          // list every account's roles too
	Refresh  bool          // ignore the cached listing
	MaxAge   time.Duration // reuse a cached listing this young; 0: never
	CacheDir string        // where listings are cached; empty: not cached
	Parallel int           // concurrent role listings; default 8 (the limiter keeps the rate)
}

func (o *ListOptions) path(s *Session) string {
	if o.CacheDir == "" {
		return ""
	}
	sum := sha1.Sum([]byte(s.StartURL + "|" + s.CacheKey()))
	return filepath.Join(o.CacheDir, "sso", hex.EncodeToString(sum[:])+".json")
}

// List returns the accounts (and, with Roles, their roles) the signed-in user may use. Listings
// are cached for MaxAge so that repeated commands cost nothing, and Refresh sees new grants at
// once. fromCache tells whether the cache answered.
func (e *Env) List(ctx context.Context, s *Session, o ListOptions) (l *Listing, fromCache bool, err error) {
	path := o.path(s)
	if path != "" && !o.Refresh && o.MaxAge > 0 {
		if data, err := os.ReadFile(path); err == nil {
			var c Listing
			if json.Unmarshal(data, &c) == nil && c.StartURL == s.StartURL && e.now().Sub(c.Fetched) < o.MaxAge && (c.RolesFetched || !o.Roles) {
				return &c, true, nil
			}
		}
	}
	t, err := e.AccessToken(ctx, s)
	if err != nil {
		return nil, false, err
	}
	c := e.limitedPortal(s.Region)
	l = &Listing{StartURL: s.StartURL, Fetched: e.now(), RolesFetched: o.Roles}
	p := ssoapi.NewListAccountsPaginator(c, &ssoapi.ListAccountsInput{AccessToken: aws.String(t.AccessToken)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, false, portalProblem(err, s, "listing the accounts of %s failed", s.Label())
		}
		for _, a := range out.AccountList {
			l.Accounts = append(l.Accounts, Account{ID: aws.ToString(a.AccountId), Name: aws.ToString(a.AccountName), Email: aws.ToString(a.EmailAddress)})
		}
	}
	sort.Slice(l.Accounts, func(i, j int) bool { return l.Accounts[i].ID < l.Accounts[j].ID })
	if o.Roles {
		if err := e.listRoles(ctx, c, s, t, l.Accounts, o.Parallel); err != nil {
			return nil, false, err
		}
	}
	if path != "" {
		if data, err := json.MarshalIndent(l, "", "  "); err == nil {
			_ = writeAtomic(path, append(data, '\n')) // a cache: failing to write it costs only time
		}
	}
	return l, false, nil
}

func (e *Env) listRoles(ctx context.Context, c *ssoapi.Client, s *Session, t *Token, accts []Account, parallel int) error {
	if parallel <= 0 {
		parallel = 8
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	errs := make(chan error, parallel)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				p := ssoapi.NewListAccountRolesPaginator(c, &ssoapi.ListAccountRolesInput{AccessToken: aws.String(t.AccessToken), AccountId: aws.String(accts[i].ID)})
				var roles []string
				for p.HasMorePages() {
					out, err := p.NextPage(ctx)
					if err != nil {
						errs <- portalProblem(err, s, "listing the roles of account %s failed", accts[i].ID)
						cancel()
						return
					}
					for _, r := range out.RoleList {
						roles = append(roles, aws.ToString(r.RoleName))
					}
				}
				sort.Strings(roles)
				accts[i].Roles = roles
			}
		}()
	}
feed:
	for i := range accts {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// RoleCredentials gets a role's credentials from the portal with the cached token.
func (e *Env) RoleCredentials(ctx context.Context, s *Session, accountID, role string) (aws.Credentials, error) {
	t, err := e.AccessToken(ctx, s)
	if err != nil {
		return aws.Credentials{}, err
	}
	out, err := e.limitedPortal(s.Region).GetRoleCredentials(ctx, &ssoapi.GetRoleCredentialsInput{AccessToken: aws.String(t.AccessToken),
		AccountId: aws.String(accountID), RoleName: aws.String(role)})
	if err != nil {
		return aws.Credentials{}, portalProblem(err, s, "getting credentials for role %s in account %s failed", role, accountID)
	}
	rc := out.RoleCredentials
	return aws.Credentials{AccessKeyID: aws.ToString(rc.AccessKeyId), SecretAccessKey: aws.ToString(rc.SecretAccessKey),
		SessionToken: aws.ToString(rc.SessionToken), Source: "SSO", CanExpire: true, Expires: time.UnixMilli(rc.Expiration), AccountID: accountID}, nil
}

func portalProblem(err error, s *Session, format string, a ...any) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var unauth *ssotypes.UnauthorizedException
	if errors.As(err, &unauth) {
		return notSignedIn(s)
	}
	var api smithy.APIError
	var notFound *ssotypes.ResourceNotFoundException
	if errors.As(err, &notFound) || (errors.As(err, &api) && api.ErrorCode() == "ForbiddenException") {
		return problem.Wrap(problem.AccessDenied, err, format+": the access portal does not give you that account or role", a...).
			WithHint("list what you may use with: assume-role sso roles --refresh")
	}
	k := problem.Network
	return problem.Wrap(k, err, format+": %s", append(a, firstLine(err.Error()))...)
}
