package fanout

import (
	"crypto/sha256"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/assume-role/assume-role/credserver"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// Endpoint is one loopback container-credentials endpoint for every target of a run: each target
// has its own token, which selects its refreshing provider, so a child can only obtain its own
// account's credentials. A target's token is forgotten when it finishes.
type Endpoint struct {
	now func() time.Time

	mu      sync.RWMutex
	targets map[[sha256.Size]byte]*credserver.Server
	ln      net.Listener
	srv     *http.Server
	url     string
}

// StartEndpoint listens on 127.0.0.1 (a random port).
func StartEndpoint(now func() time.Time) (*Endpoint, error) {
	ln, err := net.Listen("tcp", credserver.DefaultAddr)
	if err != nil {
		return nil, err
	}
	e := &Endpoint{now: now, targets: map[[sha256.Size]byte]*credserver.Server{}, ln: ln,
		url: "http://" + ln.Addr().String() + "/"}
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute,
		ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

// URL is the endpoint's AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (e *Endpoint) URL() string { return e.url }

// Add registers a target's provider and returns its token and a function that removes it.
func (e *Endpoint) Add(p aws.CredentialsProvider) (token string, remove func(), err error) {
	s, err := credserver.New(p, credserver.Options{Now: e.now})
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256([]byte(s.Token()))
	e.mu.Lock()
	e.targets[sum] = s
	e.mu.Unlock()
	return s.Token(), func() {
		e.mu.Lock()
		delete(e.targets, sum)
		e.mu.Unlock()
	}, nil
}

// ServeHTTP hands the request to the target whose token it carries; that target's credserver
// checks everything again (host, method, token, path) and answers.
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sum := sha256.Sum256([]byte(r.Header.Get("Authorization")))
	e.mu.RLock()
	s := e.targets[sum]
	e.mu.RUnlock()
	if s == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"code":"InvalidAuthorization","message":"the Authorization header is not valid"}`)
		return
	}
	s.ServeHTTP(w, r)
}

// Close stops the endpoint.
func (e *Endpoint) Close() error {
	err := e.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
