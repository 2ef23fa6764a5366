package fanout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// Options configure a run.
type Options struct {
	Engine *engine.Engine
	// Base is the request every target shares (external ID, session name, policies, tags, MFA…);
	// each target sets RoleARN, or Profile for targets selected by profile.
	Base engine.Request
	// Parallel is the number of targets in flight; default 8.
	Parallel int
	// MaxErrors stops starting new targets once this many have failed (0: no limit);
	// MaxErrorsPercent does the same for a share of the runnable targets.
	MaxErrors        int
	MaxErrorsPercent float64
	// Command is run once per target with placeholders expanded; empty: print credentials.
	Command []string
	// Format of the credentials printed without Command: "json" or "credential-process".
	Format string
	// OutputDir, when set, receives DIR/<account_id>/{stdout,stderr,result.json}; otherwise the
	// children's lines are copied to Stdout and Stderr prefixed with the target's name.
	OutputDir      string
	Stdout, Stderr io.Writer
	// Events receives one JSON line per state change (nil: none).
	Events io.Writer
	// Progress receives a live progress line (a terminal; nil: none).
	Progress io.Writer
	// Env returns a child's environment, given the target and its credentials endpoint and token.
	Env func(t *Target, endpointURL, token string) []string
	// Margin: credentials are refreshed when less than this remains.
	Margin time.Duration
	Now    func() time.Time
	// SSO names the IAM Identity Center session (Session or Profile) of targets with an SSORole.
	SSO engine.SSOSource
}

// Result is what result.json holds for a target.
type Result struct {
	AccountID   string  `json:"account_id"`
	AccountName string  `json:"account_name,omitempty"`
	RoleARN     string  `json:"role_arn,omitempty"`
	Status      string  `json:"status"` // succeeded, failed
	ExitCode    *int    `json:"exit_code,omitempty"`
	ErrorCode   string  `json:"error_code,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	Duration    float64 `json:"duration_seconds"`
}

// Failure is one failed target of the summary.
type Failure struct {
	Target Target
	Reason string
}

// Summary is the outcome of a run.
type Summary struct {
	Total, Succeeded, Failed, Skipped, NotStarted int
	// Stopped: the --max-errors budget was spent and targets were not started.
	Stopped bool
	// Interrupted: a signal stopped the run.
	Interrupted bool
	Failures    []Failure
	Skips       []Failure
	Duration    time.Duration
}

type runner struct {
	o   Options
	ep  *Endpoint
	now func() time.Time

	outMu  sync.Mutex // Stdout, Stderr, Events, Progress
	mu     sync.Mutex // summary, children
	sum    Summary
	budget int // failures that stop the run (0: none)
	kids   map[*os.Process]bool
	stop   bool
	start  time.Time
	inFlt  int
}

// Run runs every runnable target of ts and returns the summary. The error is for failures of the
// whole run (bad options, a source identity that cannot sign anything); failures of targets are in
// the summary. Cancelling ctx stops starting targets; SIGINT and SIGTERM are forwarded to children.
func Run(ctx context.Context, ts []Target, o Options) (*Summary, error) {
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	r := &runner{o: o, now: o.Now, kids: map[*os.Process]bool{}, start: o.Now()}
	runnable := 0
	for i := range ts {
		if ts[i].Skipped != "" {
			r.sum.Skipped++
			r.sum.Skips = append(r.sum.Skips, Failure{Target: ts[i], Reason: ts[i].Skipped})
			r.event(&ts[i], "skipped", map[string]any{"reason": ts[i].Skipped})
		} else {
			runnable++
			r.event(&ts[i], "planned", nil)
		}
	}
	r.sum.Total = len(ts)
	r.budget = o.MaxErrors
	if o.MaxErrorsPercent > 0 {
		r.budget = max(1, int(math.Ceil(o.MaxErrorsPercent/100*float64(runnable))))
	}
	if len(o.Command) > 0 {
		ep, err := StartEndpoint(o.Now)
		if err != nil {
			return nil, problem.Wrap(problem.Network, err, "cannot start the credential endpoint: %s", err.Error())
		}
		defer ep.Close()
		r.ep = ep
	}
	// Signals go to the children (each in its own process group, so a Ctrl-C at the terminal
	// reaches them once, through us).
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	stopSigs := make(chan struct{})
	defer close(stopSigs)
	go func() {
		for {
			select {
			case s := <-sigs:
				r.forward(s)
			case <-stopSigs:
				return
			}
		}
	}()

	// The first runnable target is assumed alone: it makes the MFA session (one prompt, one
	// GetSessionToken) and derives the session name (one GetCallerIdentity at most) that every
	// other target then reuses.
	// If the first few targets fail on their own (a role missing there), the rest go ahead in
	// parallel anyway.
	i := 0
	var primed *job
	for tries := 0; i < len(ts) && primed == nil && tries < maxPrimers; i++ {
		t := &ts[i]
		if t.Skipped != "" {
			continue
		}
		if r.stopping(ctx) {
			break // counted as not started below
		}
		tries++
		req := r.request(t)
		r.event(t, "assuming", nil)
		began := r.now()
		res, err := retry(ctx, func() (*engine.Result, error) { return o.Engine.Assume(ctx, req) })
		if err != nil {
			if ctx.Err() != nil {
				break // counted as not started below
			}
			if global(err) {
				return nil, err
			}
			r.fail(t, began, err, nil, nil)
			continue
		}
		if r.o.Base.SessionName == "" && r.o.Base.SAML == nil && r.o.Base.WebIdentityTokenFile == "" {
			// (federated sign-ins take no session name: the IdP names the session)
			r.o.Base.SessionName = res.SessionName
		}
		r.o.Base.TokenCode = "" // a code is accepted once; the MFA session is cached
		primed = &job{t: t, creds: &res.Credentials, began: began}
	}
	jobs := make(chan *job)
	var wg sync.WaitGroup
	for range o.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r.runTarget(ctx, j)
			}
		}()
	}
	if primed != nil {
		jobs <- primed
	}
	for ; i < len(ts); i++ {
		t := &ts[i]
		if t.Skipped != "" {
			continue
		}
		if r.stopping(ctx) {
			r.mu.Lock()
			r.sum.NotStarted++
			r.mu.Unlock()
			continue
		}
		select {
		case jobs <- &job{t: t}:
		case <-ctx.Done():
			r.mu.Lock()
			r.sum.NotStarted++
			r.mu.Unlock()
		}
	}
	close(jobs)
	wg.Wait()
	r.sum.Interrupted = ctx.Err() != nil
	r.sum.Duration = r.now().Sub(r.start)
	if o.Progress != nil {
		fmt.Fprint(o.Progress, "\r\033[K")
	}
	return &r.sum, nil
}

// maxPrimers is how many targets are tried one by one before the others start.
const maxPrimers = 3

type job struct {
	t     *Target
	creds *aws.Credentials // already assumed (the first target)
	began time.Time
}

// global reports an error that every target would meet: no usable source, MFA refused, bad
// configuration or input.
func global(err error) bool {
	p := problem.As(err)
	if p == nil {
		return false
	}
	switch p.Kind {
	case problem.NoCredentials, problem.MFA, problem.Config, problem.Usage, problem.Interrupted:
		return true
	}
	return false
}

func (r *runner) stopping(ctx context.Context) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ctx.Err() != nil {
		return true
	}
	return r.stop
}

func (r *runner) request(t *Target) engine.Request { return Request(r.o.Base, r.o.SSO, t) }

// Request is the engine request of target t: base with the target's profile, role ARN, or access
// portal role (in the session named by sso) as the source of the optional role ARN.
func Request(base engine.Request, sso engine.SSOSource, t *Target) engine.Request {
	req := base
	if t.SSORole != "" {
		sso.Account, sso.Role = t.AccountID, t.SSORole
		req.SSO = &sso
		req.Profile, req.SourceProfile = "", ""
		req.RoleARN = t.RoleARN
	} else if t.Profile != "" {
		req.Profile = t.Profile
	} else {
		req.RoleARN = t.RoleARN
	}
	req.AccountName = t.AccountName
	if t.Region != "" {
		req.Region = t.Region
	}
	return req
}

// runTarget assumes the target's role (unless already done) and runs the command or prints the
// credentials.
func (r *runner) runTarget(ctx context.Context, j *job) {
	t := j.t
	req := r.request(t)
	prov := r.o.Engine.Provider(req, r.o.Margin)
	began := j.began
	r.mu.Lock()
	r.inFlt++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlt--
		r.mu.Unlock()
	}()
	if j.creds == nil {
		began = r.now()
		r.event(t, "assuming", nil)
		c, err := retry(ctx, func() (aws.Credentials, error) { return prov.Retrieve(ctx) })
		if err != nil {
			if ctx.Err() != nil {
				r.mu.Lock()
				r.sum.NotStarted++
				r.mu.Unlock()
				return
			}
			r.fail(t, began, err, nil, nil)
			return
		}
		j.creds = &c
	}
	if len(r.o.Command) == 0 {
		r.printCredentials(t, *j.creds)
		r.succeed(t, began, nil)
		return
	}
	r.runCommand(ctx, t, prov, began)
}

func (r *runner) printCredentials(t *Target, c aws.Credentials) {
	var v any
	exp := ""
	if c.CanExpire {
		exp = c.Expires.UTC().Format(time.RFC3339)
	}
	if r.o.Format == "credential-process" {
		v = map[string]any{"Version": 1, "AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey,
			"SessionToken": c.SessionToken, "Expiration": exp, "AccountId": t.AccountID}
	} else {
		v = map[string]any{"account_id": t.AccountID, "account_name": t.AccountName, "role_arn": t.RoleARN,
			"profile": t.Profile, "region": t.Region,
			"Credentials": map[string]any{"AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey,
				"SessionToken": c.SessionToken, "Expiration": exp}}
	}
	b, _ := json.Marshal(v)
	r.outMu.Lock()
	defer r.outMu.Unlock()
	_, _ = r.o.Stdout.Write(append(b, '\n'))
}

// Expand replaces the placeholders of arg.
func Expand(arg string, t *Target, outputDir string) string {
	return strings.NewReplacer("{account_id}", t.AccountID, "{account_name}", t.Name(),
		"{role}", t.RoleName(), "{region}", t.Region, "{output_dir}", outputDir).Replace(arg)
}

func (r *runner) runCommand(ctx context.Context, t *Target, prov aws.CredentialsProvider, began time.Time) {
	token, remove, err := r.ep.Add(prov)
	if err != nil {
		r.fail(t, began, err, nil, nil)
		return
	}
	defer remove()
	dir := ""
	if r.o.OutputDir != "" {
		dir = filepath.Join(r.o.OutputDir, t.AccountID)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			r.fail(t, began, err, nil, nil)
			return
		}
	}
	args := make([]string, len(r.o.Command))
	for i, a := range r.o.Command {
		args[i] = Expand(a, t, dir)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = r.o.Env(t, r.ep.URL(), token)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var closers []io.Closer
	if dir != "" {
		for _, f := range []struct {
			name string
			dst  *io.Writer
		}{{"stdout", &cmd.Stdout}, {"stderr", &cmd.Stderr}} {
			fh, err := os.OpenFile(filepath.Join(dir, f.name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				r.fail(t, began, err, nil, nil)
				return
			}
			*f.dst = fh
			closers = append(closers, fh)
		}
	} else {
		po := &prefixWriter{r: r, w: r.o.Stdout, prefix: "[" + t.Name() + "] "}
		pe := &prefixWriter{r: r, w: r.o.Stderr, prefix: "[" + t.Name() + "] "}
		cmd.Stdout, cmd.Stderr = po, pe
		closers = append(closers, po, pe)
	}
	r.mu.Lock()
	if ctx.Err() != nil {
		r.sum.NotStarted++
		r.mu.Unlock()
		return
	}
	err = cmd.Start()
	if err == nil {
		r.kids[cmd.Process] = true
	}
	r.mu.Unlock()
	if err != nil {
		for _, c := range closers {
			c.Close()
		}
		r.fail(t, began, fmt.Errorf("cannot start %s: %w", args[0], errors.Unwrap(err)), nil, dir)
		return
	}
	r.event(t, "running", map[string]any{"pid": cmd.Process.Pid})
	err = cmd.Wait()
	r.mu.Lock()
	delete(r.kids, cmd.Process)
	r.mu.Unlock()
	for _, c := range closers {
		c.Close()
	}
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			r.fail(t, began, err, nil, dir)
			return
		}
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	if code != 0 {
		r.fail(t, began, fmt.Errorf("exit code %d", code), &code, dir)
		return
	}
	r.succeed(t, began, &code, dir)
}

// forward sends a signal to every running child's process group.
func (r *runner) forward(s os.Signal) {
	sig, ok := s.(syscall.Signal)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stop = true
	for p := range r.kids {
		_ = syscall.Kill(-p.Pid, sig)
	}
}

func (r *runner) succeed(t *Target, began time.Time, code *int, dir ...string) {
	d := r.now().Sub(began)
	r.mu.Lock()
	r.sum.Succeeded++
	r.mu.Unlock()
	extra := map[string]any{"duration_seconds": d.Seconds()}
	if code != nil {
		extra["exit_code"] = *code
	}
	r.event(t, "succeeded", extra)
	if len(dir) > 0 && dir[0] != "" {
		r.writeResult(dir[0], Result{AccountID: t.AccountID, AccountName: t.AccountName, RoleARN: t.RoleARN,
			Status: "succeeded", ExitCode: code, Duration: d.Seconds()})
	}
}

func (r *runner) fail(t *Target, began time.Time, err error, code *int, dir any) {
	d := r.now().Sub(began)
	reason := oneLine(err)
	ecode := ErrorCode(err)
	r.mu.Lock()
	r.sum.Failed++
	r.sum.Failures = append(r.sum.Failures, Failure{Target: Target{AccountID: t.AccountID, AccountName: t.AccountName, Profile: t.Profile}, Reason: reason})
	if r.budget > 0 && r.sum.Failed >= r.budget && !r.stop {
		r.stop = true
		r.sum.Stopped = true
	}
	r.mu.Unlock()
	extra := map[string]any{"duration_seconds": d.Seconds(), "reason": reason}
	if ecode != "" {
		extra["error_code"] = ecode
	}
	if code != nil {
		extra["exit_code"] = *code
	}
	r.event(t, "failed", extra)
	if s, ok := dir.(string); ok && s != "" {
		r.writeResult(s, Result{AccountID: t.AccountID, AccountName: t.AccountName, RoleARN: t.RoleARN,
			Status: "failed", ExitCode: code, ErrorCode: ecode, Reason: reason, Duration: d.Seconds()})
	}
}

func oneLine(err error) string {
	msg := err.Error()
	if p := problem.As(err); p != nil {
		msg = p.Msg
	}
	if code := ErrorCode(err); code != "" && !strings.Contains(msg, code) {
		msg = code + ": " + msg
	}
	msg, _, _ = strings.Cut(msg, "\n")
	return msg
}

func (r *runner) writeResult(dir string, res Result) {
	b, _ := json.MarshalIndent(res, "", "  ")
	tmp := filepath.Join(dir, ".result.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err == nil {
		_ = os.Rename(tmp, filepath.Join(dir, "result.json"))
	}
}

// event writes one JSON line of the events stream and updates the progress line.
func (r *runner) event(t *Target, state string, extra map[string]any) {
	if r.o.Events == nil && r.o.Progress == nil {
		return
	}
	r.outMu.Lock()
	defer r.outMu.Unlock()
	if r.o.Events != nil {
		ev := map[string]any{"time": r.now().UTC().Format(time.RFC3339Nano), "state": state, "account_id": t.AccountID}
		if t.AccountName != "" {
			ev["account_name"] = t.AccountName
		}
		if t.RoleARN != "" {
			ev["role_arn"] = t.RoleARN
		}
		if t.Profile != "" {
			ev["profile"] = t.Profile
		}
		for k, v := range extra {
			ev[k] = v
		}
		b, _ := json.Marshal(ev)
		_, _ = r.o.Events.Write(append(b, '\n'))
	}
	if r.o.Progress != nil && (state == "succeeded" || state == "failed" || state == "running") {
		r.mu.Lock()
		s := r.sum
		fl := r.inFlt
		r.mu.Unlock()
		fmt.Fprintf(r.o.Progress, "\r\033[Kfanout: %d/%d done, %d failed, %d in flight", s.Succeeded+s.Failed, s.Total-s.Skipped, s.Failed, fl)
	}
}

// prefixWriter copies whole lines to w with a prefix; a last unterminated line is written on Close.
type prefixWriter struct {
	r      *runner
	w      io.Writer
	prefix string
	buf    []byte
}

const maxLine = 64 << 10

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			for len(p.buf) >= maxLine { // a very long line is split, not buffered without end
				p.emit(p.buf[:maxLine], true)
				p.buf = p.buf[maxLine:]
			}
			return len(b), nil
		}
		p.emit(p.buf[:i], true)
		p.buf = p.buf[i+1:]
	}
}

func (p *prefixWriter) emit(line []byte, nl bool) {
	out := make([]byte, 0, len(p.prefix)+len(line)+1)
	out = append(append(out, p.prefix...), line...)
	if nl {
		out = append(out, '\n')
	}
	p.r.outMu.Lock()
	_, _ = p.w.Write(out)
	p.r.outMu.Unlock()
}

func (p *prefixWriter) Close() error {
	if len(p.buf) > 0 {
		p.emit(p.buf, true)
		p.buf = nil
	}
	return nil
}

// WriteSummary writes the summary table.
func WriteSummary(w io.Writer, s *Summary) {
	fmt.Fprintf(w, "fanout: %d targets: %d succeeded, %d failed, %d skipped, %d not started (%.1fs)\n",
		s.Total, s.Succeeded, s.Failed, s.Skipped, s.NotStarted, s.Duration.Seconds())
	for _, f := range s.Failures {
		fmt.Fprintf(w, "  failed   %-12s %-24s %s\n", f.Target.AccountID, f.Target.Name(), f.Reason)
	}
	for _, f := range s.Skips {
		fmt.Fprintf(w, "  skipped  %-12s %-24s %s\n", f.Target.AccountID, f.Target.Name(), f.Reason)
	}
	switch {
	case s.Interrupted:
		fmt.Fprintln(w, "fanout: interrupted: no new targets were started")
	case s.Stopped:
		fmt.Fprintln(w, "fanout: stopped at --max-errors: no new targets were started")
	}
}
