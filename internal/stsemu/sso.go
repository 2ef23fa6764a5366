package stsemu

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SSOConfig is the IAM Identity Center the emulator simulates: one start URL, one signed-in
// user and the accounts and roles assigned to that user. The OIDC API (RegisterClient,
// StartDeviceAuthorization, CreateToken, the /authorize page of the authorization code grant)
// and the portal API (ListAccounts, ListAccountRoles, GetRoleCredentials, Logout) are served on
// the same base URL as STS, at AWS's paths; point clients at it with AWS_ENDPOINT_URL_SSO_OIDC
// and AWS_ENDPOINT_URL_SSO.
type SSOConfig struct {
	// StartURL is the AWS access portal URL that StartDeviceAuthorization accepts
	// (any start URL when empty).
	StartURL string `json:"start_url,omitempty"`
	// UserName names the role sessions GetRoleCredentials issues; default "sso-user".
	UserName string `json:"user_name,omitempty"`
	// Assignments are the accounts and their permission sets (role names).
	Assignments []SSOAssignment `json:"assignments,omitempty"`
	// GeneratedAccounts adds that many accounts (IDs 9000000000001…, names acct-0001…), each
	// with the roles GeneratedRoles (default ["ReadOnly", "Admin"]): for listing tests.
	GeneratedAccounts int      `json:"generated_accounts,omitempty"`
	GeneratedRoles    []string `json:"generated_roles,omitempty"`
	// RateLimit is the portal API's limit in requests per second (all operations together);
	// default 20, as AWS. Requests over it fail with TooManyRequestsException (HTTP 429).
	RateLimit int `json:"rate_limit,omitempty"`
	// AccessTokenLifetimeSeconds is the lifetime of access tokens; default 28800 (8 hours).
	AccessTokenLifetimeSeconds int `json:"access_token_lifetime_seconds,omitempty"`
	// PollIntervalSeconds is the device flow's polling interval; default 1 (AWS says 1 too).
	PollIntervalSeconds int `json:"poll_interval_seconds,omitempty"`
	// PageSize is the largest page ListAccounts and ListAccountRoles return; default 20.
	PageSize int `json:"page_size,omitempty"`
}

// SSOAssignment is one account of the access portal and the roles the user may take there.
type SSOAssignment struct {
	AccountID   string   `json:"account_id"`
	AccountName string   `json:"account_name,omitempty"`
	Email       string   `json:"email,omitempty"`
	Roles       []string `json:"roles"`
}

// SSOPending is an authorization that waits for the user's approval in a browser.
type SSOPending struct {
	// ID identifies it for ApproveSSO: the device flow's user code, or the state of an
	// authorization code request.
	ID string `json:"id"`
	// Kind is "device_code" or "authorization_code".
	Kind     string `json:"kind"`
	ClientID string `json:"client_id"`
}

// SSOStats counts portal API requests (for rate measurements).
type SSOStats struct {
	Requests  int       `json:"requests"`  // portal requests answered, throttled ones included
	Throttled int       `json:"throttled"` // answered TooManyRequestsException
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	// MaxPerSecond is the largest number of successful requests in any one-second window.
	MaxPerSecond int `json:"max_per_second"`
	// Authorizations counts approved authorizations (device and authorization code).
	Authorizations int `json:"authorizations"`
	// TokensIssued counts CreateToken successes by grant type.
	TokensIssued map[string]int `json:"tokens_issued"`
}

type ssoClient struct {
	secret       string
	redirectURIs []string
	expires      time.Time
}

type ssoDevice struct {
	clientID, userCode string
	expires            time.Time
	approved           bool
	lastPoll           time.Time
}

type ssoAuthRequest struct {
	clientID, redirectURI, state, challenge string
	expires                                 time.Time
}

type ssoCode struct {
	clientID, redirectURI, challenge string
	expires                          time.Time
}

type ssoToken struct {
	clientID string
	expires  time.Time
}

type ssoState struct {
	mu        sync.Mutex
	clients   map[string]*ssoClient
	devices   map[string]*ssoDevice      // by device code
	authReqs  map[string]*ssoAuthRequest // by state, waiting for approval
	codes     map[string]*ssoCode        // by authorization code
	access    map[string]*ssoToken       // by access token
	refresh   map[string]string          // refresh token -> client ID
	bucket    float64
	refilled  time.Time
	okTimes   []time.Time // successful portal requests in the last second
	stats     SSOStats
	assign    []SSOAssignment
	redirectc *http.Client
}

func (s *Server) sso() *ssoState {
	s.ssoOnce.Do(func() {
		st := &ssoState{clients: map[string]*ssoClient{}, devices: map[string]*ssoDevice{},
			authReqs: map[string]*ssoAuthRequest{}, codes: map[string]*ssoCode{}, access: map[string]*ssoToken{},
			refresh: map[string]string{}, redirectc: &http.Client{Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		st.stats.TokensIssued = map[string]int{}
		if c := s.sc.SSO; c != nil {
			st.assign = append(st.assign, c.Assignments...)
			roles := c.GeneratedRoles
			if len(roles) == 0 {
				roles = []string{"ReadOnly", "Admin"}
			}
			for i := 1; i <= c.GeneratedAccounts; i++ {
				st.assign = append(st.assign, SSOAssignment{AccountID: fmt.Sprintf("9%011d", i),
					AccountName: fmt.Sprintf("acct-%04d", i), Email: fmt.Sprintf("acct-%04d@example.com", i), Roles: roles})
			}
			st.bucket = float64(s.ssoRate())
		}
		s.ssoS = st
	})
	return s.ssoS
}

func (s *Server) ssoRate() int {
	if s.sc.SSO != nil && s.sc.SSO.RateLimit > 0 {
		return s.sc.SSO.RateLimit
	}
	return 20
}

func (s *Server) ssoPageSize() int {
	if s.sc.SSO != nil && s.sc.SSO.PageSize > 0 {
		return s.sc.SSO.PageSize
	}
	return 20
}

// isSSOPath tells whether a request is for the OIDC or portal API.
func isSSOPath(p string) bool {
	switch p {
	case "/client/register", "/device_authorization", "/token", "/authorize",
		"/federation/credentials", "/assignment/roles", "/assignment/accounts", "/logout":
		return true
	}
	return false
}

type ssoError struct {
	status      int
	code        string // the modelled exception name (x-amzn-ErrorType)
	oauth       string // OIDC: the OAuth error field
	description string
}

func writeSSOError(w http.ResponseWriter, e *ssoError) {
	w.Header().Set("X-Amzn-Errortype", e.code)
	body := map[string]string{"message": e.description}
	if e.oauth != "" {
		body = map[string]string{"error": e.oauth, "error_description": e.description}
	}
	writeJSON(w, e.status, body)
}

func oidcErr(status int, code, oauth, desc string) *ssoError {
	return &ssoError{status: status, code: code, oauth: oauth, description: desc}
}

var (
	errSSOUnauthorized = &ssoError{status: 401, code: "UnauthorizedException", description: "Session token not found or invalid"}
	errSSOThrottled    = &ssoError{status: 429, code: "TooManyRequestsException", description: "Rate exceeded"}
)

func (s *Server) serveSSO(w http.ResponseWriter, r *http.Request) {
	entry := LogEntry{Time: s.now(), Service: "sso"}
	var res any
	var e *ssoError
	switch r.URL.Path {
	case "/client/register", "/device_authorization", "/token":
		entry.Service = "sso-oidc"
		res, e = s.ssoOIDC(r, &entry)
	case "/authorize":
		entry.Service, entry.Action = "sso-oidc", "Authorize"
		e = s.ssoAuthorize(w, r)
		if e == nil {
			s.record(entry)
			return
		}
	default:
		res, e = s.ssoPortal(r, &entry)
	}
	if e != nil {
		entry.ErrorCode = e.code
		s.record(entry)
		writeSSOError(w, e)
		return
	}
	s.record(entry)
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) ssoOIDC(r *http.Request, entry *LogEntry) (any, *ssoError) {
	var in map[string]any
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if r.Method != http.MethodPost || json.Unmarshal(body, &in) != nil {
		return nil, oidcErr(400, "InvalidRequestException", "invalid_request", "Invalid request body")
	}
	str := func(k string) string { v, _ := in[k].(string); return v }
	st := s.sso()
	st.mu.Lock()
	defer st.mu.Unlock()
	now := s.now()
	switch r.URL.Path {
	case "/client/register":
		entry.Action = "RegisterClient"
		entry.Params = map[string]string{"clientName": str("clientName"), "clientType": str("clientType")}
		if str("clientName") == "" || str("clientType") != "public" {
			return nil, oidcErr(400, "InvalidClientMetadataException", "invalid_client_metadata", "clientName is required and clientType must be public")
		}
		c := &ssoClient{secret: "emu-client-secret-" + randString(secretAlph, 40), expires: now.Add(90 * 24 * time.Hour)}
		if uris, ok := in["redirectUris"].([]any); ok {
			for _, u := range uris {
				if s, ok := u.(string); ok {
					c.redirectURIs = append(c.redirectURIs, s)
				}
			}
		}
		id := "emuclient" + randString(alnumUpper, 22)
		st.clients[id] = c
		return map[string]any{"clientId": id, "clientSecret": c.secret, "clientIdIssuedAt": now.Unix(),
			"clientSecretExpiresAt": c.expires.Unix()}, nil
	case "/device_authorization":
		entry.Action = "StartDeviceAuthorization"
		entry.Params = map[string]string{"clientId": str("clientId"), "startUrl": str("startUrl")}
		if e := st.checkClient(str("clientId"), str("clientSecret"), now); e != nil {
			return nil, e
		}
		if want := s.ssoStartURL(); want != "" && strings.TrimSuffix(str("startUrl"), "/") != strings.TrimSuffix(want, "/") {
			return nil, oidcErr(400, "InvalidRequestException", "invalid_request", "Invalid start url")
		}
		dc := randString(secretAlph, 60)
		uc := randString("BCDFGHJKLMNPQRSTVWXZ", 4) + "-" + randString("BCDFGHJKLMNPQRSTVWXZ", 4)
		st.devices[dc] = &ssoDevice{clientID: str("clientId"), userCode: uc, expires: now.Add(10 * time.Minute)}
		base := "https://device.sso.emulator.invalid/"
		return map[string]any{"deviceCode": dc, "userCode": uc, "verificationUri": base,
			"verificationUriComplete": base + "?user_code=" + uc, "expiresIn": 600, "interval": s.ssoInterval()}, nil
	}
	entry.Action = "CreateToken"
	grant := str("grantType")
	entry.Params = map[string]string{"clientId": str("clientId"), "grantType": grant}
	if e := st.checkClient(str("clientId"), str("clientSecret"), now); e != nil {
		return nil, e
	}
	switch grant {
	case "urn:ietf:params:oauth:grant-type:device_code":
		d := st.devices[str("deviceCode")]
		switch {
		case d == nil || d.clientID != str("clientId"):
			return nil, oidcErr(400, "InvalidGrantException", "invalid_grant", "Invalid device code provided")
		case !now.Before(d.expires):
			delete(st.devices, str("deviceCode"))
			return nil, oidcErr(400, "ExpiredTokenException", "expired_token", "Device code has expired")
		case !d.approved:
			slow := !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < time.Duration(s.ssoInterval())*time.Second/2
			d.lastPoll = now
			if slow {
				return nil, oidcErr(400, "SlowDownException", "slow_down", "Client is polling too fast")
			}
			return nil, oidcErr(400, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending")
		}
		delete(st.devices, str("deviceCode"))
	case "authorization_code":
		c := st.codes[str("code")]
		if c == nil || c.clientID != str("clientId") || !now.Before(c.expires) || c.redirectURI != str("redirectUri") {
			return nil, oidcErr(400, "InvalidGrantException", "invalid_grant", "Invalid authorization code provided")
		}
		sum := sha256.Sum256([]byte(str("codeVerifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			return nil, oidcErr(400, "InvalidGrantException", "invalid_grant", "Code verifier does not match the code challenge")
		}
		delete(st.codes, str("code"))
	case "refresh_token":
		if cid, ok := st.refresh[str("refreshToken")]; !ok || cid != str("clientId") {
			return nil, oidcErr(400, "InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
		}
		delete(st.refresh, str("refreshToken")) // refresh tokens rotate
	default:
		return nil, oidcErr(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type: "+grant)
	}
	st.stats.TokensIssued[grant]++
	life := 8 * 3600
	if s.sc.SSO != nil && s.sc.SSO.AccessTokenLifetimeSeconds > 0 {
		life = s.sc.SSO.AccessTokenLifetimeSeconds
	}
	at := "aoa" + randString(secretAlph, 120)
	rt := "aor" + randString(secretAlph, 120)
	st.access[at] = &ssoToken{clientID: str("clientId"), expires: now.Add(time.Duration(life) * time.Second)}
	st.refresh[rt] = str("clientId")
	return map[string]any{"accessToken": at, "tokenType": "Bearer", "expiresIn": life, "refreshToken": rt}, nil
}

func (s *Server) ssoStartURL() string {
	if s.sc.SSO == nil {
		return ""
	}
	return s.sc.SSO.StartURL
}

func (s *Server) ssoInterval() int {
	if s.sc.SSO != nil && s.sc.SSO.PollIntervalSeconds > 0 {
		return s.sc.SSO.PollIntervalSeconds
	}
	return 1
}

func (st *ssoState) checkClient(id, secret string, now time.Time) *ssoError {
	c := st.clients[id]
	if c == nil || !equalConst(c.secret, secret) {
		return oidcErr(401, "InvalidClientException", "invalid_client", "Invalid client provided")
	}
	if !now.Before(c.expires) {
		return oidcErr(401, "InvalidClientException", "invalid_client", "Client is expired")
	}
	return nil
}

// ssoAuthorize is the browser's first stop in the authorization code flow: the request waits
// until ApproveSSO approves it, as a user signing in would.
func (s *Server) ssoAuthorize(w http.ResponseWriter, r *http.Request) *ssoError {
	q := r.URL.Query()
	st := s.sso()
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.clients[q.Get("client_id")]
	switch {
	case c == nil:
		return oidcErr(400, "InvalidClientException", "invalid_client", "Invalid client provided")
	case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "":
		return oidcErr(400, "InvalidRequestException", "invalid_request", "response_type=code, state and an S256 code_challenge are required")
	}
	ru := q.Get("redirect_uri")
	allowed := false
	for _, u := range c.redirectURIs {
		// RFC 8252: a loopback redirect matches whatever its port.
		if pu, err := url.Parse(u); err == nil {
			if qu, err := url.Parse(ru); err == nil && pu.Scheme == qu.Scheme && pu.Hostname() == qu.Hostname() && pu.Path == qu.Path {
				allowed = true
			}
		}
	}
	if !allowed {
		return oidcErr(400, "InvalidRequestException", "invalid_request", "redirect_uri is not registered for this client")
	}
	st.authReqs[q.Get("state")] = &ssoAuthRequest{clientID: q.Get("client_id"), redirectURI: ru, state: q.Get("state"),
		challenge: q.Get("code_challenge"), expires: s.now().Add(10 * time.Minute)}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, "<!doctype html><title>Emulated AWS access portal</title><p>Sign-in pending: approve it through the emulator.</p>\n")
	return nil
}

// PendingSSO lists the authorizations waiting for a user's approval.
func (s *Server) PendingSSO() []SSOPending {
	st := s.sso()
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []SSOPending
	for _, d := range st.devices {
		if !d.approved {
			out = append(out, SSOPending{ID: d.userCode, Kind: "device_code", ClientID: d.clientID})
		}
	}
	for _, a := range st.authReqs {
		out = append(out, SSOPending{ID: a.state, Kind: "authorization_code", ClientID: a.clientID})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ApproveSSO approves a pending authorization as the user would in a browser: a device code
// becomes redeemable; an authorization code request is answered by following the redirect to
// the client's redirect URI with a fresh code (the "browser" is this call). id is a user code or
// a state from PendingSSO.
func (s *Server) ApproveSSO(ctx context.Context, id string) error {
	st := s.sso()
	st.mu.Lock()
	for _, d := range st.devices {
		if d.userCode == id && !d.approved {
			d.approved = true
			st.stats.Authorizations++
			st.mu.Unlock()
			return nil
		}
	}
	a := st.authReqs[id]
	if a == nil {
		st.mu.Unlock()
		return fmt.Errorf("stsemu: no pending SSO authorization %q", id)
	}
	delete(st.authReqs, id)
	code := randString(secretAlph, 48)
	st.codes[code] = &ssoCode{clientID: a.clientID, redirectURI: a.redirectURI, challenge: a.challenge, expires: s.now().Add(5 * time.Minute)}
	st.stats.Authorizations++
	client := st.redirectc
	st.mu.Unlock()
	u, err := url.Parse(a.redirectURI)
	if err != nil {
		return err
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		return errors.New("stsemu: the redirect URI is not on the loopback interface; not following it")
	}
	q := u.Query()
	q.Set("code", code)
	q.Set("state", a.state)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("stsemu: following the redirect: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// SSOStats returns the portal request counts.
func (s *Server) SSOStats() SSOStats {
	st := s.sso()
	st.mu.Lock()
	defer st.mu.Unlock()
	out := st.stats
	out.TokensIssued = map[string]int{}
	for k, v := range st.stats.TokensIssued {
		out.TokensIssued[k] = v
	}
	return out
}

// admit applies the portal's rate limit (a token bucket of RateLimit requests refilled at
// RateLimit per second, on the wall clock). st.mu must be held.
func (st *ssoState) admit(rate int) bool {
	now := time.Now()
	if st.stats.First.IsZero() {
		st.stats.First = now
	}
	st.stats.Last = now
	st.stats.Requests++
	if !st.refilled.IsZero() {
		st.bucket += now.Sub(st.refilled).Seconds() * float64(rate)
		if st.bucket > float64(rate) {
			st.bucket = float64(rate)
		}
	}
	st.refilled = now
	if st.bucket < 1 {
		st.stats.Throttled++
		return false
	}
	st.bucket--
	cut := 0
	for cut < len(st.okTimes) && now.Sub(st.okTimes[cut]) >= time.Second {
		cut++
	}
	st.okTimes = append(st.okTimes[cut:], now)
	if len(st.okTimes) > st.stats.MaxPerSecond {
		st.stats.MaxPerSecond = len(st.okTimes)
	}
	return true
}

func (s *Server) ssoPortal(r *http.Request, entry *LogEntry) (any, *ssoError) {
	q := r.URL.Query()
	switch r.URL.Path {
	case "/federation/credentials":
		entry.Action = "GetRoleCredentials"
		entry.Params = map[string]string{"account_id": q.Get("account_id"), "role_name": q.Get("role_name")}
	case "/assignment/roles":
		entry.Action = "ListAccountRoles"
		entry.Params = map[string]string{"account_id": q.Get("account_id")}
	case "/assignment/accounts":
		entry.Action = "ListAccounts"
	default:
		entry.Action = "Logout"
	}
	st := s.sso()
	st.mu.Lock()
	if !st.admit(s.ssoRate()) {
		st.mu.Unlock()
		return nil, errSSOThrottled
	}
	tok := r.Header.Get("X-Amz-Sso_bearer_token")
	t := st.access[tok]
	if t == nil || !s.now().Before(t.expires) {
		st.mu.Unlock()
		return nil, errSSOUnauthorized
	}
	if entry.Action == "Logout" {
		delete(st.access, tok)
		st.mu.Unlock()
		return map[string]any{}, nil
	}
	assign := st.assign
	st.mu.Unlock()
	page := s.ssoPageSize()
	if m, err := strconv.Atoi(q.Get("max_result")); err == nil && m > 0 && m < page {
		page = m
	}
	start, _ := strconv.Atoi(q.Get("next_token"))
	next := func(n int) any {
		if start+page < n {
			return strconv.Itoa(start + page)
		}
		return nil
	}
	find := func() *SSOAssignment {
		for i := range assign {
			if assign[i].AccountID == q.Get("account_id") {
				return &assign[i]
			}
		}
		return nil
	}
	switch entry.Action {
	case "ListAccounts":
		list := []map[string]string{}
		for i := start; i < len(assign) && i < start+page; i++ {
			a := assign[i]
			list = append(list, map[string]string{"accountId": a.AccountID, "accountName": a.AccountName, "emailAddress": a.Email})
		}
		return map[string]any{"accountList": list, "nextToken": next(len(assign))}, nil
	case "ListAccountRoles":
		a := find()
		if a == nil {
			return nil, &ssoError{status: 404, code: "ResourceNotFoundException", description: "The requested resource is not found"}
		}
		list := []map[string]string{}
		for i := start; i < len(a.Roles) && i < start+page; i++ {
			list = append(list, map[string]string{"roleName": a.Roles[i], "accountId": a.AccountID})
		}
		return map[string]any{"roleList": list, "nextToken": next(len(a.Roles))}, nil
	}
	a := find()
	if a == nil || !contains(a.Roles, q.Get("role_name")) {
		return nil, &ssoError{status: 403, code: "ForbiddenException", description: "No access"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := fmt.Sprintf("arn:%s:iam::%s:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_%s_0123456789abcdef", s.partition(), a.AccountID, q.Get("role_name"))
	role := s.roles[arn]
	if role == nil {
		role = &Role{ARN: arn, RoleID: "AROA" + stableID(arn), MaxSessionDuration: 43200,
			account: a.AccountID, name: "AWSReservedSSO_" + q.Get("role_name") + "_0123456789abcdef", partition: s.partition()}
	}
	user := "sso-user"
	if s.sc.SSO != nil && s.sc.SSO.UserName != "" {
		user = s.sc.SSO.UserName
	}
	sess := s.issue(s.roleSession(role, user, time.Time{}, ""), 3600)
	return map[string]any{"roleCredentials": map[string]any{"accessKeyId": sess.akid, "secretAccessKey": sess.secret,
		"sessionToken": sess.token, "expiration": sess.expires.UnixMilli()}}, nil
}

func (s *Server) partition() string {
	if s.sc.Partition != "" {
		return s.sc.Partition
	}
	return "aws"
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// SetSSOAssignments replaces the accounts and roles the portal gives (to test new or revoked
// grants).
func (s *Server) SetSSOAssignments(a []SSOAssignment) {
	st := s.sso()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.assign = append([]SSOAssignment(nil), a...)
}
