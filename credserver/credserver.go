// Package credserver serves temporary AWS credentials to child processes over the
// SDKs' container credentials protocol.
//
// A child started with the variables from [Server.Env]
// (AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN) makes
// every AWS SDK and the AWS CLI fetch credentials from this loopback-only HTTP
// endpoint, and fetch fresh ones when they near expiry. The server knows nothing
// about STS: it calls the [aws.CredentialsProvider] it was given on every request.
package credserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Environment variable names of the container credentials protocol.
const (
	EnvFullURI   = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvAuthToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
)

// DefaultAddr is the listen address used when Options.Addr is empty: an
// ephemeral port on the IPv4 loopback interface.
const DefaultAddr = "127.0.0.1:0"

// staticLifetime is the Expiration reported for credentials that cannot expire.
// Clients such as botocore require an Expiration; they fetch again after it.
const staticLifetime = time.Hour

// maxErrorMessage bounds the length of the provider error text sent to clients.
const maxErrorMessage = 512

// Options configures a Server. The zero value is usable.
type Options struct {
	// Addr is the TCP address to listen on. Default DefaultAddr. The host must be
	// a loopback IP literal (127.0.0.0/8 or ::1) or "localhost" (bound as
	// 127.0.0.1); anything else is refused.
	Addr string
	// Token is the authorization token clients must send. Default: 32 bytes from
	// crypto/rand, base64url-encoded. It must be printable ASCII without spaces.
	Token string
	// Log receives one line per request: time, remote address, method, path,
	// status and, on success, the access key ID. It never receives secret keys,
	// session tokens or the authorization token. Nil disables logging.
	Log io.Writer
	// Now returns the current time, for log lines and the synthetic expiry of
	// non-expiring credentials. Default time.Now.
	Now func() time.Time
	// ClientTimeout bounds how long a client may take to send its request
	// (headers; a GET has no body) and how long an idle keep-alive connection
	// stays open: slow or stalled clients are cut off. Default
	// DefaultClientTimeout.
	ClientTimeout time.Duration
}

// DefaultClientTimeout is the default of Options.ClientTimeout.
const DefaultClientTimeout = 5 * time.Second

// maxHeaderBytes bounds a request's headers: a credentials request needs a few
// hundred bytes.
const maxHeaderBytes = 16 << 10

// Server is a container credentials endpoint bound to a loopback address.
//
// Every request calls the provider's Retrieve, so the provider should cache:
// pass an [aws.CredentialsCache] (or similar) configured with an ExpiryWindow
// so that it refreshes before the credentials expire, and clients never receive
// credentials about to lapse.
type Server struct {
	provider aws.CredentialsProvider
	addr     string
	token    string
	tokenSum [sha256.Size]byte
	now      func() time.Time
	timeout  time.Duration

	logMu sync.Mutex
	log   io.Writer

	mu       sync.Mutex
	listener net.Listener
	srv      *http.Server
	url      string
	closed   bool
}

// New validates the options and returns a Server that is not yet listening;
// call Start.
func New(p aws.CredentialsProvider, o Options) (*Server, error) {
	if p == nil {
		return nil, errors.New("credserver: nil credentials provider")
	}
	addr, err := loopbackAddr(o.Addr)
	if err != nil {
		return nil, err
	}
	token := o.Token
	if token == "" {
		if token, err = randomToken(); err != nil {
			return nil, err
		}
	} else if err := validToken(token); err != nil {
		return nil, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	timeout := o.ClientTimeout
	if timeout <= 0 {
		timeout = DefaultClientTimeout
	}
	return &Server{
		timeout:  timeout,
		provider: p,
		addr:     addr,
		token:    token,
		tokenSum: sha256.Sum256([]byte(token)),
		now:      now,
		log:      o.Log,
	}, nil
}

// loopbackAddr applies the default address and refuses non-loopback hosts.
func loopbackAddr(addr string) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("credserver: invalid listen address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("credserver: refusing to listen on %q: only loopback addresses are allowed", addr)
	}
	return addr, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("credserver: generating token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// validToken accepts tokens that are legal, unambiguous header values.
func validToken(t string) error {
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return errors.New("credserver: token must be printable ASCII without spaces")
		}
	}
	return nil
}

// Start listens on the configured address and serves in the background until
// Close. It fails if called twice or after Close.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("credserver: server closed")
	}
	if s.listener != nil {
		return errors.New("credserver: already started")
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("credserver: %w", err)
	}
	s.listener = ln
	s.url = "http://" + ln.Addr().String() + "/"
	s.srv = &http.Server{
		Handler: s,
		// A client must send its whole request within the timeout, and an idle
		// keep-alive connection is closed after it; the answer itself is not
		// bounded (Retrieve may call STS, bounded by the engine's own timeouts).
		ReadHeaderTimeout: s.timeout,
		ReadTimeout:       s.timeout,
		IdleTimeout:       s.timeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	srv := s.srv
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// URL returns the endpoint URL, http://127.0.0.1:PORT/, or "" before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Token returns the authorization token clients must send.
func (s *Server) Token() string { return s.token }

// Env returns AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN as KEY=VALUE strings for a child's
// environment. Call it after Start. The caller should remove any other AWS
// credential variables from the child's environment, since static keys in
// the environment take precedence over the container provider.
func (s *Server) Env() []string {
	return []string{
		EnvFullURI + "=" + s.URL(),
		EnvAuthToken + "=" + s.token,
	}
}

// Close stops listening and closes all connections. It is safe to call more
// than once.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// credentialsResponse is the body the SDKs expect.
type credentialsResponse struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// errorResponse is the error body the SDKs parse.
type errorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ServeHTTP answers one credentials request. Requests must use GET on "/",
// carry a loopback Host header and the exact token in Authorization.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	status, keyID := s.serve(w, r)
	s.logf(r, status, keyID)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (status int, keyID string) {
	if !loopbackHost(r.Host) {
		return writeError(w, http.StatusForbidden, "InvalidHost", "the Host header must name a loopback address"), ""
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		return writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "only GET is allowed"), ""
	}
	auth, ok := r.Header["Authorization"]
	if !ok || len(auth) == 0 || auth[0] == "" {
		return writeError(w, http.StatusUnauthorized, "MissingAuthorization", "the Authorization header is missing"), ""
	}
	sum := sha256.Sum256([]byte(auth[0]))
	if len(auth) != 1 || subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) != 1 {
		return writeError(w, http.StatusForbidden, "InvalidAuthorization", "the Authorization header is not valid"), ""
	}
	if r.URL.Path != "/" {
		return writeError(w, http.StatusNotFound, "NotFound", "no such path"), ""
	}

	creds, err := s.provider.Retrieve(r.Context())
	if err != nil {
		if r.Context().Err() != nil {
			// The client went away; nobody reads this answer.
			return writeError(w, http.StatusServiceUnavailable, "RequestCanceled", "request canceled"), ""
		}
		return writeError(w, http.StatusInternalServerError, "CredentialsUnavailable", s.errorMessage(err)), ""
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return writeError(w, http.StatusInternalServerError, "CredentialsUnavailable", "the credentials provider returned empty credentials"), ""
	}
	expires := creds.Expires
	if !creds.CanExpire {
		expires = s.now().Add(staticLifetime)
	}
	body, err := json.Marshal(credentialsResponse{
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		Token:           creds.SessionToken,
		Expiration:      expires.UTC().Format(time.RFC3339),
		AccountID:       creds.AccountID,
	})
	if err != nil {
		return writeError(w, http.StatusInternalServerError, "InternalError", "encoding credentials failed"), ""
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return http.StatusOK, creds.AccessKeyID
}

// errorMessage turns a provider error into a client-facing message. Project
// rule: errors never carry secret material; as a second line of defence the
// server's own token is redacted, control characters are dropped and the text
// is truncated.
func (s *Server) errorMessage(err error) string {
	msg := strings.ReplaceAll(err.Error(), s.token, "[redacted]")
	msg = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > maxErrorMessage {
		msg = strings.ToValidUTF8(msg[:maxErrorMessage], "") + "…"
	}
	return "retrieving credentials failed: " + msg
}

func writeError(w http.ResponseWriter, status int, code, message string) int {
	body, _ := json.Marshal(errorResponse{Code: code, Message: message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// loopbackHost reports whether a Host header names this machine's loopback
// interface: 127.0.0.1, localhost or [::1], with or without a port. Any other
// name may be a DNS-rebinding attack from a browser and is refused.
func loopbackHost(host string) bool {
	name := host
	if h, p, err := net.SplitHostPort(host); err == nil {
		if !validPort(p) {
			return false
		}
		name = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		name = host[1 : len(host)-1]
	}
	switch strings.ToLower(name) {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// logf writes one line per request. It never writes secrets.
func (s *Server) logf(r *http.Request, status int, keyID string) {
	if s.log == nil {
		return
	}
	line := fmt.Sprintf("%s credserver: %s %s %q %d", s.now().UTC().Format(time.RFC3339), r.RemoteAddr, r.Method, r.URL.Path, status)
	if keyID != "" {
		line += " " + keyID
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = io.WriteString(s.log, line+"\n")
}

// compile-time check that Server is an http.Handler.
var _ http.Handler = (*Server)(nil)
