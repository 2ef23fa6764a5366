package stsemu

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LogEntry is one request as recorded by the emulator. Secret-bearing
// parameters are replaced by "<redacted>".
type LogEntry struct {
	// Time is when the request arrived (emulator clock).
	Time time.Time `json:"time"`
	// Service is "sts", "iam" or "signin" (federation endpoint).
	Service string `json:"service"`
	// Action is the API action, e.g. "AssumeRole".
	Action string `json:"action"`
	// Region is the signing region from the SigV4 credential scope.
	Region string `json:"region,omitempty"`
	// CallerARN is the authenticated caller, empty when unauthenticated.
	CallerARN string `json:"caller_arn,omitempty"`
	// AccessKeyID is the access key that signed the request.
	AccessKeyID string `json:"access_key_id,omitempty"`
	// Params are the request parameters, secrets redacted.
	Params map[string]string `json:"params,omitempty"`
	// ErrorCode is the AWS error code, empty on success.
	ErrorCode string `json:"error_code,omitempty"`
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock used for expiry, MFA age and log timestamps.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger writes every LogEntry as a JSON line to w.
func WithLogger(w io.Writer) Option { return func(s *Server) { s.logw = w } }

// Server is the STS + IAM emulator. It is an http.Handler and safe for
// concurrent use.
type Server struct {
	sc   *Scenario
	now  func() time.Time
	logw io.Writer

	mu           sync.Mutex
	log          []LogEntry
	requests     int
	sessions     map[string]*session // by access key ID
	usersByKey   map[string]*User
	roles        map[string]*Role
	usedCodes    map[string]map[string]bool // serial -> used codes
	signinTokens map[string]signinToken

	stsLimiter, orgLimiter *rate.Limiter // nil: no throttling
}

type sessionKind int

const (
	kindAssumedRole sessionKind = iota + 1
	kindSessionToken
	kindFederated
)

// session is a set of temporary credentials issued by the emulator.
type session struct {
	kind           sessionKind
	akid, secret   string
	token          string
	expires        time.Time
	issued         time.Time
	account        string
	arn            string
	userID         string
	role           *Role // assumed roles
	user           *User // session tokens and federation tokens
	mfaTime        time.Time
	sourceIdentity string
}

// caller is the authenticated identity behind a request.
type caller struct {
	user   *User    // long-term key owner (nil for role sessions)
	sess   *session // nil for long-term keys
	region string
	secure bool
}

func (c *caller) arn() string {
	if c.sess != nil {
		return c.sess.arn
	}
	return c.user.arn
}

func (c *caller) account() string {
	if c.sess != nil {
		return c.sess.account
	}
	return c.user.Account
}

func (c *caller) userID() string {
	if c.sess != nil {
		return c.sess.userID
	}
	return c.user.UserID
}

// New returns an emulator serving the scenario. The server takes ownership
// of sc: do not modify it or pass it to another New afterwards. New panics
// if the scenario is invalid (ParseScenario and LoadScenario validate, so
// only hand-built scenarios can trigger this).
func New(sc *Scenario, opts ...Option) *Server {
	if err := sc.Validate(); err != nil {
		panic("stsemu: invalid scenario: " + err.Error())
	}
	s := &Server{
		sc:           sc,
		now:          time.Now,
		sessions:     map[string]*session{},
		usersByKey:   map[string]*User{},
		roles:        map[string]*Role{},
		usedCodes:    map[string]map[string]bool{},
		signinTokens: map[string]signinToken{},
	}
	for _, o := range opts {
		o(s)
	}
	if sc.ThrottleRPS > 0 {
		s.stsLimiter = rate.NewLimiter(rate.Limit(sc.ThrottleRPS), max(1, int(sc.ThrottleRPS)))
	}
	if sc.OrgThrottleRPS > 0 {
		s.orgLimiter = rate.NewLimiter(rate.Limit(sc.OrgThrottleRPS), max(1, int(sc.OrgThrottleRPS)))
	}
	for _, u := range sc.Users {
		s.usersByKey[u.AccessKeyID] = u
	}
	for _, r := range sc.Roles {
		s.roles[r.ARN] = r
	}
	return s
}

// Log returns a copy of the request log.
func (s *Server) Log() []LogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// ServeHTTP answers STS and IAM query-protocol requests on any path, the
// console federation endpoint on /federation and control endpoints under
// /_emu/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_emu/health":
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case r.URL.Path == "/_emu/log" && r.Method == http.MethodGet:
		l := s.Log()
		if l == nil {
			l = []LogEntry{}
		}
		writeJSON(w, http.StatusOK, l)
	case r.URL.Path == "/_emu/reset-log" && r.Method == http.MethodPost:
		s.ResetLog()
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case strings.HasPrefix(r.URL.Path, "/_emu/"):
		http.NotFound(w, r)
	case r.URL.Path == "/federation" && r.Method == http.MethodGet:
		s.serveFederation(w, r)
	default:
		if s.sc.LatencyMillis > 0 {
			select {
			case <-time.After(time.Duration(s.sc.LatencyMillis) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		if strings.HasPrefix(r.Header.Get("X-Amz-Target"), orgsTargetPrefix) {
			s.serveOrganizations(w, r)
			return
		}
		s.serveAPI(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

var iamActions = map[string]bool{"GetUser": true, "ListMFADevices": true}

var unsignedActions = map[string]bool{"AssumeRoleWithSAML": true, "AssumeRoleWithWebIdentity": true}

const maxBody = 2 << 20

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeXMLError(w, nsSTS, reqID, &apiError{Status: 400, Code: "InvalidRequest", Message: "Request body is too large or unreadable."})
		return
	}
	params := r.URL.Query()
	if r.Method == http.MethodPost && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			writeXMLError(w, nsSTS, reqID, &apiError{Status: 400, Code: "MalformedQueryString", Message: "The request body is not a valid form-encoded query."})
			return
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	action := params.Get("Action")
	entry := LogEntry{Time: s.now(), Action: action, Params: redactParams(params)}
	sig, aerr := parseSig(r)
	service := "sts"
	if sig != nil {
		entry.AccessKeyID, entry.Region = sig.AccessKeyID, sig.Region
		service = sig.Service
	} else if iamActions[action] {
		service = "iam"
	}
	entry.Service = service
	ns := nsSTS
	if service == "iam" {
		ns = nsIAM
	}

	if s.stsLimiter != nil && !s.stsLimiter.Allow() {
		aerr := &apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded"}
		entry.ErrorCode = aerr.Code
		s.record(entry)
		writeXMLError(w, ns, reqID, aerr)
		return
	}
	result, aerr := s.handle(r, body, params, sig, aerr, service, &entry)
	if aerr != nil {
		entry.ErrorCode = aerr.Code
		s.record(entry)
		writeXMLError(w, ns, reqID, aerr)
		return
	}
	s.record(entry)
	writeXMLResult(w, ns, action, reqID, result)
}

func (s *Server) handle(r *http.Request, body []byte, p url.Values, sig *sigInfo, sigErr *apiError, service string, entry *LogEntry) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.requests <= s.sc.ThrottleFirstN {
		return nil, &apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded"}
	}
	action := p.Get("Action")
	if action == "" {
		return nil, &apiError{Status: 400, Code: "MissingAction", Message: "Missing Action"}
	}
	secure := r.TLS != nil || s.sc.AssumeSecureTransport
	if unsignedActions[action] && service == "sts" {
		switch action {
		case "AssumeRoleWithSAML":
			return s.assumeRoleWithSAML(p, secure)
		default:
			return s.assumeRoleWithWebIdentity(p, secure)
		}
	}
	if sigErr != nil {
		return nil, sigErr
	}
	if sig == nil {
		return nil, errMissingAuth
	}
	c, aerr := s.authenticate(r, body, sig)
	if aerr != nil {
		return nil, aerr
	}
	c.secure = secure
	entry.CallerARN = c.arn()
	switch service {
	case "sts":
		if slices.Contains(s.sc.DisabledRegions, sig.Region) {
			return nil, &apiError{Status: 403, Code: "RegionDisabledException",
				Message: "STS is not activated in this region for account:" + c.account() + ". Your account administrator can activate STS in this region using the IAM Console."}
		}
		switch action {
		case "GetCallerIdentity":
			return &getCallerIdentityResult{UserID: c.userID(), Account: c.account(), Arn: c.arn()}, nil
		case "AssumeRole":
			return s.assumeRole(c, p)
		case "GetSessionToken":
			return s.getSessionToken(c, p)
		case "GetFederationToken":
			return s.getFederationToken(c, p)
		}
		return nil, &apiError{Status: 400, Code: "InvalidAction", Message: "Could not find operation " + action + " for version 2011-06-15"}
	case "iam":
		switch action {
		case "GetUser":
			return s.getUser(c, p)
		case "ListMFADevices":
			return s.listMFADevices(c, p)
		}
		return nil, &apiError{Status: 400, Code: "InvalidAction", Message: "Could not find operation " + action + " for version 2010-05-08"}
	}
	return nil, &apiError{Status: 400, Code: "InvalidAction", Message: "The emulator does not implement service " + service}
}

// authenticate resolves the signing key and verifies the signature.
// s.mu must be held.
func (s *Server) authenticate(r *http.Request, body []byte, sig *sigInfo) (*caller, *apiError) {
	c := &caller{region: sig.Region}
	var secret string
	if u := s.usersByKey[sig.AccessKeyID]; u != nil {
		if u.Disabled {
			return nil, errInvalidToken
		}
		c.user, secret = u, u.SecretAccessKey
	} else if sess := s.sessions[sig.AccessKeyID]; sess != nil {
		if !equalConst(sig.SecurityToken, sess.token) {
			return nil, errInvalidToken
		}
		c.sess, c.user, secret = sess, sess.user, sess.secret
	} else {
		return nil, errInvalidToken
	}
	if !verifySig(r, body, sig, secret) {
		return nil, errSignature
	}
	if c.sess != nil && !s.now().Before(c.sess.expires) {
		return nil, errExpiredToken
	}
	return c, nil
}

func (s *Server) record(e LogEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, e)
	if s.logw != nil {
		enc := json.NewEncoder(s.logw)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(e)
	}
}

// redactParams copies the parameters, replacing every secret-bearing value.
func redactParams(p url.Values) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if k == "Action" {
			continue
		}
		val := strings.Join(v, ",")
		if isSecretParam(k) {
			val = "<redacted>"
		}
		out[k] = val
	}
	return out
}

func isSecretParam(k string) bool {
	l := strings.ToLower(k)
	for _, s := range []string{"secret", "token", "password", "assertion", "signature"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return l == "session" || l == "sessionkey"
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const (
	alnumUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretAlph = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randString(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// issue creates and stores a new temporary credential set. s.mu must be held.
func (s *Server) issue(sess *session, durationSeconds int) *session {
	now := s.now()
	life := durationSeconds
	if s.sc.CredentialLifetimeSeconds > 0 {
		life = s.sc.CredentialLifetimeSeconds
	}
	if s.sc.RoleCredentialLifetimeSeconds > 0 && sess.role != nil {
		life = s.sc.RoleCredentialLifetimeSeconds
	}
	sess.akid = "ASIA" + randString(alnumUpper, 16)
	sess.secret = randString(secretAlph, 40)
	sess.token = "IQoJb3JpZ2luX2VjEMU" + randString(secretAlph, 340)
	sess.issued = now
	sess.expires = now.Add(time.Duration(life) * time.Second)
	s.sessions[sess.akid] = sess
	return sess
}

func (sess *session) xml() xmlCredentials {
	return xmlCredentials{AccessKeyID: sess.akid, SecretAccessKey: sess.secret, SessionToken: sess.token, Expiration: awsTime(sess.expires)}
}

// RevokeSessions forgets every temporary credential issued so far, as when an administrator revokes
// sessions: later calls signed with them fail with InvalidClientTokenId.
func (s *Server) RevokeSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = map[string]*session{}
}
