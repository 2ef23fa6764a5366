package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/sso"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/smithy-go/middleware"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// targetFlags are the flags that say which role to assume and how; every command that obtains
// credentials shares them.
type targetFlags struct {
	role, profile, sourceProfile, region, stsRegion string
	duration                                        int
	externalID, sessionName, policy, sourceIdentity string
	policyARNs, tags, transitive                    []string
	serial, token                                   string
	mfa, mfaOnAssume, strictDuration                bool
	mfaSessionDuration                              int
	noCache, refresh                                bool
	cacheBackend                                    string
	cacheMargin                                     time.Duration
	noInput, debug                                  bool
	fed                                             federationFlags
	noRegionPrompt                                  bool
	timeouts                                        string
	sso                                             bool   // --sso: ACCOUNT ROLE are an access portal role, the source
	ssoSession                                      string // --sso-session NAME
	ssoLogin                                        bool   // --sso-login: sign in when needed
	openedCache                                     *cache.Cache
}

func (t *targetFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&t.role, "role", "R", "", "role ARN to assume (arn:aws:iam::ACCOUNT:role/NAME)")
	fs.StringVarP(&t.profile, "profile", "p", "", "profile of ~/.aws/config to use (role_arn with source_profile or credential_source)")
	fs.StringVar(&t.sourceProfile, "source-profile", "", "profile holding the source credentials (env AWS_PROFILE_ASSUME_ROLE)")
	fs.StringVar(&t.region, "region", "", "AWS region for the exported credentials and STS (default: AWS_REGION, AWS_DEFAULT_REGION, profile, us-east-1)")
	fs.StringVar(&t.stsRegion, "sts-endpoint-region", "", "send STS calls to this region's endpoint")
	fs.IntVarP(&t.duration, "session-duration", "T", 0, "role session duration in seconds, 900-43200 (env AWS_ROLE_SESSION_TIMEOUT; default 3600)")
	fs.StringVarP(&t.externalID, "external-id", "I", "", "external ID the role's trust policy requires")
	fs.StringVar(&t.sessionName, "role-session-name", "", "role session name (default: your IAM user or session name)")
	fs.StringVar(&t.policy, "policy", "", "inline session policy: JSON or @file")
	fs.StringSliceVar(&t.policyARNs, "policy-arns", nil, "managed session policy ARNs (comma-separated or repeated, at most 10)")
	fs.StringArrayVar(&t.tags, "tags", nil, "session tag Key=Value (repeatable, at most 50)")
	fs.StringSliceVar(&t.transitive, "transitive-tag-keys", nil, "tag keys that pass on to chained sessions")
	fs.StringVar(&t.sourceIdentity, "source-identity", "", "source identity to set on the session")
	fs.StringVar(&t.serial, "serial-number", "", "MFA device ARN or serial")
	fs.StringVar(&t.token, "token-code", "", "MFA code (6 digits)")
	fs.BoolVar(&t.mfa, "mfa", false, "ask for the MFA device ARN and code (Prowler's --mfa)")
	fs.IntVar(&t.mfaSessionDuration, "mfa-session-duration", 0, "MFA session (GetSessionToken) duration in seconds, 900-129600 (default 43200)")
	fs.BoolVar(&t.mfaOnAssume, "mfa-on-assume", false, "send the MFA code with AssumeRole itself, allowing sessions over 1 hour (one prompt per role)")
	fs.BoolVar(&t.strictDuration, "strict-duration", false, "fail instead of shortening a session to the 1-hour role chaining cap")
	fs.BoolVar(&t.noCache, "no-cache", false, "neither read nor write the credential cache")
	fs.BoolVar(&t.refresh, "refresh", false, "ignore cached role credentials and fetch new ones")
	fs.StringVar(&t.cacheBackend, "cache-backend", "", "cache backend: "+strings.Join(cache.Backends(), ", ")+" (env ASSUME_ROLE_CACHE_BACKEND)")
	fs.DurationVar(&t.cacheMargin, "cache-margin", 0, "reuse cached credentials only while more than this remains (env ASSUME_ROLE_CACHE_MARGIN; default 5m)")
	fs.BoolVar(&t.noInput, "no-input", false, "never prompt (env ASSUME_ROLE_NO_INPUT)")
	fs.StringVar(&t.timeouts, "timeouts", "", "bounds of every AWS call, e.g. connect=5s,first-byte=10s,total=30s (env ASSUME_ROLE_TIMEOUTS; these are the defaults)")
	t.fed.role, t.fed.noInputFlag = &t.role, &t.noInput
	t.fed.register(fs)
	fs.BoolVar(&t.sso, "sso", false, "ACCOUNT ROLE are an IAM Identity Center role (signed in with assume-role sso login): export it, or use it as the source of -R")
	fs.StringVar(&t.ssoSession, "sso-session", "", "the [sso-session NAME] of --sso (default: the only one in ~/.aws/config)")
	fs.BoolVar(&t.ssoLogin, "sso-login", false, "sign in to IAM Identity Center when --sso or an SSO profile has no valid token (parallel commands share one sign-in)")
}

// target is a parsed command line: the engine request plus what the exports need.
type target struct {
	req         engine.Request
	accountName string // alias or ID for AWS_ACCOUNT_NAME
	roleName    string // for AWS_ACCOUNT_ROLE
}

// positional holds coinbase's positional arguments.
type positional struct{ account, role, token, region string }

func parsePositional(args []string) (positional, error) {
	var p positional
	if len(args) > 0 {
		p.account = args[0]
	}
	if len(args) > 1 {
		p.role = args[1]
	}
	for _, a := range args[min(2, len(args)):] {
		switch {
		case p.token == "" && p.region == "" && isDigits(a):
			p.token = a
		case p.region == "" && stslimits.Region("REGION", a) == nil:
			p.region = a
		case isDigits(a):
			return p, problem.New(problem.Usage, "MFA_TOKEN must come before REGION").WithHint("assume-role ACCOUNT ROLE [MFA_TOKEN] [REGION]")
		default:
			return p, problem.New(problem.Usage, "unexpected argument %q: expected an MFA code (6 digits) or a region", a).
				WithHint("assume-role ACCOUNT ROLE [MFA_TOKEN] [REGION]")
		}
	}
	return p, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// build turns flags and positional arguments into a target. It validates everything that can be
// validated locally, so bad input fails before any network call.
func (t *targetFlags) build(sio *IO, args []string) (*target, error) {
	pos, err := parsePositional(args)
	if err != nil {
		return nil, err
	}
	getenv := sio.Getenv
	req := engine.Request{
		Profile: t.profile, SourceProfile: t.sourceProfile, STSRegion: t.stsRegion,
		DurationSeconds: t.duration, ExternalID: t.externalID, SessionName: t.sessionName,
		PolicyARNs: t.policyARNs, TransitiveTagKeys: t.transitive, SourceIdentity: t.sourceIdentity,
		SerialNumber: t.serial, TokenCode: t.token, AskMFASerial: t.mfa, MFAOnAssume: t.mfaOnAssume,
		StrictDuration: t.strictDuration, MFASessionSeconds: t.mfaSessionDuration,
		NoCache: t.noCache, Refresh: t.refresh, Scheme: getenv("AWS_ASSUME_ROLE_AUTH_SCHEME"),
		NoRegionPrompt: t.noRegionPrompt,
	}
	req.Region = firstNonEmpty(t.region, pos.region)
	if pos.token != "" {
		if req.TokenCode != "" && req.TokenCode != pos.token {
			return nil, problem.New(problem.Usage, "two different MFA codes given (MFA_TOKEN and --token-code)")
		}
		req.TokenCode = pos.token
	}
	if t.policy != "" {
		if req.Policy, err = engine.ReadPolicyArg(t.policy); err != nil {
			return nil, err
		}
	}
	for _, s := range t.tags {
		tag, err := stslimits.ParseTag("--tags", s)
		if err != nil {
			return nil, problem.Wrap(problem.Usage, err, "%s", err.Error())
		}
		req.Tags = append(req.Tags, tag)
	}
	tg := &target{req: req}
	if t.sso || t.ssoSession != "" {
		if !t.sso {
			return nil, problem.New(problem.Usage, "--sso-session goes with --sso ACCOUNT ROLE")
		}
		if pos.account == "" || pos.role == "" {
			return nil, problem.New(problem.Usage, "--sso needs ACCOUNT and ROLE (an account ID or alias and a role name of the access portal)").
				WithHint("list them with: assume-role sso roles")
		}
		tg.req.SSO = &engine.SSOSource{Session: t.ssoSession, Account: pos.account, Role: pos.role}
		tg.req.SSOLogin = t.ssoLoginHook(sio)
		tg.req.RoleARN = t.role
		if err := tg.req.Validate(); err != nil {
			return nil, err
		}
		return tg, nil
	}
	tg.req.SSOLogin = t.ssoLoginHook(sio) // for an SSO profile as the source
	federated, err := t.fed.apply(sio, tg, pos)
	if err != nil {
		return nil, err
	}
	switch {
	case t.role != "" && pos.account != "":
		return nil, problem.New(problem.Usage, "give either ACCOUNT ROLE or -R/--role, not both")
	case t.role != "":
		tg.req.RoleARN = t.role
	case federated && pos.account == "":
		// The role comes from the assertion (or AWS_ROLE_ARN for web identity).
	case federated && pos.role == "" && tg.req.SAML != nil && len(tg.req.SAML.Assertion) > 0:
		tg.req.SAML.Role = pos.account // --saml-assertion FILE ROLE: pick the role by name
	case pos.account != "":
		// The engine resolves coinbase's ACCOUNT ROLE (aliases, partition, a prompt for a missing role).
		tg.req.Account, tg.req.Role = pos.account, pos.role
	case t.profile == "":
		// Neither given: the engine asks for both on a terminal (coinbase's defaults), else refuses.
		tg.req.Account, tg.req.Role = "", ""
		tg.req.AskTarget = true
	}
	if err := tg.req.Validate(); err != nil {
		return nil, err
	}
	return tg, nil
}

// ssoLoginHook signs in (browser or code, one sign-in per session across processes) when
// --sso-login is given; nil otherwise.
func (t *targetFlags) ssoLoginHook(sio *IO) func(context.Context, *sso.Session) error {
	if !t.ssoLogin {
		return nil
	}
	return func(ctx context.Context, s *sso.Session) error {
		_, _, err := ssoEnv(sio, false, t.debug).Login(ctx, s, sso.LoginOptions{})
		return err
	}
}

// fillNames names the account and role from the result: the engine resolved them from the plan
// (the alias of the accounts file, else the ID), so the labels always name what was assumed.
func (tg *target) fillNames(res *engine.Result) {
	tg.roleName = res.RoleName
	tg.accountName = firstNonEmpty(res.AccountName, res.AccountID)
}

func accountsPath(getenv func(string) string) string {
	if p := getenv("ACCOUNTS_FILE"); p != "" {
		return p
	}
	return filepath.Join(homeDir(getenv), ".aws", "accounts")
}

func homeDir(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// assume builds the target and the engine, assumes the role and names the result: the common
// start of every command that obtains credentials.
func (t *targetFlags) assume(ctx context.Context, sio *IO, args []string) (*target, *engine.Engine, *engine.Result, error) {
	tg, err := t.build(sio, args)
	if err != nil {
		return nil, nil, nil, err
	}
	eng, err := t.engine(sio)
	if err != nil {
		return nil, nil, nil, err
	}
	if sio.fast != nil {
		sio.fast.before(tg.req, append(eng.InputFiles(), t.keyIndexPath(sio)))
	}
	res, err := eng.Assume(ctx, tg.req)
	if err != nil {
		return nil, nil, nil, err
	}
	tg.fillNames(res)
	return tg, eng, res, nil
}

// engine builds an Engine for this command line: cache, prompts, debug trace.
func (t *targetFlags) engine(sio *IO) (*engine.Engine, error) { return t.engineWith(sio, nil) }

// engineWith builds the Engine with extra middleware for every AWS client (fanout's rate limits).
func (t *targetFlags) engineWith(sio *IO, apiOptions []func(*middleware.Stack) error) (*engine.Engine, error) {
	getenv := sio.Getenv
	o := engine.Options{Getenv: getenv, Now: sio.Now, HTTPClient: sio.HTTPClient, Warn: sio.Err, APIOptions: apiOptions}
	o.Setenv, o.SelfCommand = sio.Setenv, sio.selfCommand // credential_process loops (selfloop.go)
	o.Keys = newKeyStore(sio)                             // keys stored with `assume-role add`
	if !t.noInput && getenv("ASSUME_ROLE_NO_INPUT") == "" {
		o.Prompter = sio.Prompter
	}
	if t.debug {
		o.Debug = sio.Err
	}
	if spec := firstNonEmpty(t.timeouts, getenv(engine.TimeoutsEnvVar)); spec != "" {
		to, err := engine.ParseTimeouts(spec)
		if err != nil {
			return nil, err
		}
		o.Timeouts = to
	}
	if !t.noCache {
		c, err := t.openCache(sio)
		if err != nil {
			return nil, err
		}
		o.Cache = c
	}
	return engine.New(o), nil
}

func (t *targetFlags) openCache(sio *IO) (*cache.Cache, error) {
	getenv := sio.Getenv
	backend := firstNonEmpty(t.cacheBackend, getenv("ASSUME_ROLE_CACHE_BACKEND"))
	margin := t.cacheMargin
	if margin == 0 {
		if v := getenv("ASSUME_ROLE_CACHE_MARGIN"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, problem.New(problem.Usage, "ASSUME_ROLE_CACHE_MARGIN=%q is not a duration like 5m", v)
			}
			margin = d
		}
	}
	o := cache.Options{Backend: backend, Dir: getenv("ASSUME_ROLE_CACHE_DIR"), Margin: margin, Now: sio.Now}
	if sio.fast != nil {
		o.Observe = sio.fast.observe
	}
	o.Waiting = func(msg string) { fmt.Fprintln(sio.Err, "assume-role: "+msg) }
	if pass := getenv("ASSUME_ROLE_CACHE_PASSPHRASE"); pass != "" {
		o.Passphrase = func() (string, error) { return pass, nil }
	} else if sio.Prompter != nil {
		o.Passphrase = func() (string, error) { return sio.Prompter.Secret("Cache passphrase: ") }
	}
	if t.debug {
		o.Debugf = func(f string, a ...any) { fmt.Fprintf(sio.Err, "assume-role: debug: cache: "+f+"\n", a...) }
	}
	c, err := cache.Open(o)
	if err != nil {
		return nil, problem.Wrap(problem.Config, err, "cannot open the credential cache: %s", err.Error()).
			WithHint("choose a backend with --cache-backend or ASSUME_ROLE_CACHE_BACKEND, or run with --no-cache")
	}
	t.openedCache = c
	return c, nil
}

// keyIndexPath is the key index the key store reads ("" when there is no cache directory).
func (t *targetFlags) keyIndexPath(sio *IO) string {
	p, _ := cache.KeyIndexPath(sio.Getenv("ASSUME_ROLE_CACHE_DIR"))
	return p
}

// fastRun is what a command that handed over credentials tells the fast path's recorder.
func (t *targetFlags) fastRun(cmd *cobra.Command, format string, tg *target, res *engine.Result, printed []byte, codeFile bool) fastRun {
	margin := cache.DefaultMargin
	if t.openedCache != nil {
		margin = t.openedCache.Margin()
	}
	return fastRun{cmd: cmd, format: format, res: res, tg: tg, printed: printed, codeFile: codeFile, cache: t.openedCache, margin: margin}
}
