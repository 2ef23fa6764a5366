// Package engine is the importable core of assume-role: it resolves a target role, picks the
// source identity (anything the AWS SDK's default chain or a shared-config profile can produce,
// optionally upgraded to an MFA session), calls STS and caches the result.
//
// The engine performs no terminal I/O of its own: prompts go through a Prompter, warnings and the
// --debug trace through io.Writers, the environment through a Getenv function and time through Now,
// so a Go program (or a test) controls every side effect.
//
//	eng := engine.New(engine.Options{Getenv: os.Getenv})
//	res, err := eng.Assume(ctx, engine.Request{RoleARN: "arn:aws:iam::123456789012:role/read"})
package engine

import (
	"context"
	"io"
	"os"
	"sync"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/middleware"
)

// Prompter asks the user for input. Implementations read from the terminal (not stdin, which may be
// a pipe) and write prompts anywhere but stdout.
type Prompter interface {
	// CanPrompt reports whether a user is there to answer.
	CanPrompt() bool
	// Ask reads a visible line; def is returned for an empty answer.
	Ask(label, def string) (string, error)
	// Secret reads a line without echo.
	Secret(label string) (string, error)
	// Choose asks the user to pick one of options and returns its index.
	Choose(label string, options []string) (int, error)
}

// Options configure an Engine. Zero values are usable defaults.
type Options struct {
	Getenv     func(string) string // default os.Getenv
	Now        func() time.Time    // default time.Now
	HTTPClient aws.HTTPClient      // default: HTTPClientWithTimeouts(Timeouts)
	// Timeouts bound every AWS call (connect, first byte, total with retries); zero fields take
	// DefaultTimeouts. Connect and FirstByte apply to the default HTTP client only.
	Timeouts Timeouts
	Prompter Prompter     // default: no prompts (non-interactive)
	Cache    *cache.Cache // default: no caching
	Keys     KeyStore     // long-term keys stored by profile (assume-role add); default none
	Warn     io.Writer    // one-line warnings; default discard
	Debug    io.Writer    // --debug trace with secrets redacted; default off
	// RunMFAProcess runs a profile's mfa_process command and returns its stdout. Default: sh -c.
	RunMFAProcess func(ctx context.Context, command string) (string, error)
	// Setenv sets a variable of the process environment, which the AWS SDK passes to the
	// credential_process commands it starts (it takes no other environment): the engine records
	// there which profiles it is resolving (ResolvingEnvVar), so that an assume-role started by
	// such a command recognises a loop. Default: nil, nothing recorded. The CLI passes os.Setenv.
	Setenv func(key, value string) error
	// SelfCommand reports whether a credential_process command line runs this program to get
	// credentials, and the source profile it names ("" = none: the environment decides). With it
	// the engine refuses, before starting anything, a source whose credential_process would run
	// assume-role resolving that same source. Default: nil (only ResolvingEnvVar is checked).
	SelfCommand func(command string) (sourceProfile string, ok bool)
	// APIOptions are added to every AWS client the engine builds (for example, a rate limiter
	// shared by many concurrent assumptions). Default: none.
	APIOptions []func(*middleware.Stack) error
}

// Engine assumes roles. It is safe for concurrent use once built.
type Engine struct {
	getenv  func(string) string
	now     func() time.Time
	http    aws.HTTPClient
	prompt  Prompter
	cache   *cache.Cache
	keys    KeyStore
	warn    io.Writer
	debug   io.Writer
	mfaProc func(ctx context.Context, command string) (string, error)
	timeout Timeouts

	usedCodes   sync.Map // MFA codes given with requests and already sent
	setenv      func(key, value string) error
	selfCommand func(command string) (string, bool)
	apiOptions  []func(*middleware.Stack) error
	shared      sharedFilesState // the shared config and credentials files, read once per version
}

// New builds an Engine.
func New(o Options) *Engine {
	e := &Engine{getenv: o.Getenv, now: o.Now, http: o.HTTPClient, prompt: o.Prompter, cache: o.Cache, keys: o.Keys,
		warn: o.Warn, debug: o.Debug, mfaProc: o.RunMFAProcess, setenv: o.Setenv, selfCommand: o.SelfCommand,
		timeout: o.Timeouts.withDefaults(), apiOptions: o.APIOptions}
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.http == nil {
		e.http = HTTPClientWithTimeouts(e.timeout)
	}
	if e.prompt == nil {
		e.prompt = noPrompt{}
	}
	if e.warn == nil {
		e.warn = io.Discard
	}
	if e.mfaProc == nil {
		e.mfaProc = runShell
	}
	return e
}

// DefaultHTTPClient returns the client used for AWS calls: the SDK's buildable client (so
// AWS_CA_BUNDLE and ca_bundle keep working), proxies from the environment, and DefaultTimeouts so
// an unreachable or stalled endpoint fails in seconds, not minutes.
func DefaultHTTPClient() *awshttp.BuildableClient {
	return HTTPClientWithTimeouts(DefaultTimeouts)
}

// Result is what an assume produces.
type Result struct {
	Credentials    aws.Credentials
	RoleARN        string // the role assumed ("" when exporting a profile's own credentials)
	AssumedRoleARN string // arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
	AssumedRoleID  string // AROA…:SESSION, when known
	AccountID      string
	AccountName    string // the account's alias in the accounts file, else its ID
	RoleName       string
	SessionName    string
	Region         string
	Cached         bool // served from the cache without calling STS
	MFA            bool // the credentials were obtained with MFA
	// Ambient is the shell's own source ("profile:NAME", "env", "default-chain"), exported as
	// EnvSource so that the next switch starts from it again; never a secret.
	Ambient string
	// SourceKind is where the plan's first credentials came from.
	SourceKind SourceKind
	// CacheID is the id of the cache entry that holds Credentials ("" when they are not cached).
	CacheID string
}

type noPrompt struct{}

func (noPrompt) CanPrompt() bool { return false }
func (noPrompt) Ask(string, string) (string, error) {
	return "", errNoTTY
}
func (noPrompt) Secret(string) (string, error)        { return "", errNoTTY }
func (noPrompt) Choose(string, []string) (int, error) { return 0, errNoTTY }
