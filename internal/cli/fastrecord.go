package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/internal/fastpath"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// A fastRecorder watches a run of the engine executable and, when the run was a plain cache hit
// whose every input the front can check, leaves a record from which the front answers the same
// run next time without the engine (see internal/fastpath). It records what the run read (names
// of environment variables outside the digest, files, cache lookups) and what disqualifies it (a
// prompt, a message on stderr, a cache write).
type fastRecorder struct {
	input   fastpath.Input
	explain bool

	mu        sync.Mutex
	uncovered []string // environment variables read that the digest does not cover
	prompted  bool
	stderr    int // bytes written to stderr
	wrote     bool
	lookups   []fastpath.Lookup
	recalls   []fastpath.FileDep
	files     map[string]fileState // the input files before the run
}

type fileState struct {
	sum string
	fi  os.FileInfo // nil when absent
}

// recordableFlags may be set in a recorded run: they only change what is resolved, which the
// digest covers. Anything else (--debug, --refresh, --no-cache, --token-code, --policy @FILE, SAML,
// SSO, --write-profile, --unset, --cache-backend …) sends every such run to the engine.
var recordableFlags = []string{
	"output", "profile", "source-profile", "region", "sts-endpoint-region", "session-duration",
	"external-id", "role-session-name", "policy-arns", "tags", "transitive-tag-keys", "source-identity",
	"serial-number", "mfa-session-duration", "mfa-on-assume", "strict-duration", "cache-margin", "no-input",
	"timeouts", "role",
}

// newFastRecorder starts watching this process's run; nil when the fast path is off. environ is
// the environment before anything was taken out of it.
func newFastRecorder(environ []string) *fastRecorder {
	getenv := fastpath.Getenv(environ)
	mode := fastpath.Mode(getenv)
	if mode == fastpath.ModeOff {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return &fastRecorder{
		input:   fastpath.Input{Args: os.Args[1:], Environ: environ, TTY: fastpath.Terminals(), Engine: exe},
		explain: mode == fastpath.ModeExplain,
	}
}

// getenv wraps a getenv function, noting the names the digest does not cover.
func (r *fastRecorder) getenv(inner func(string) string) func(string) string {
	return func(name string) string {
		if !fastpath.Covered(name) {
			r.mu.Lock()
			if !slices.Contains(r.uncovered, name) {
				r.uncovered = append(r.uncovered, name)
			}
			r.mu.Unlock()
		}
		return inner(name)
	}
}

// stderrWriter counts what is written to stderr.
type stderrWriter struct {
	w io.Writer
	r *fastRecorder
}

func (s stderrWriter) Write(p []byte) (int, error) {
	s.r.mu.Lock()
	s.r.stderr += len(p)
	s.r.mu.Unlock()
	return s.w.Write(p)
}

// recordingPrompter notes that the run asked the user something.
type recordingPrompter struct {
	inner engine.Prompter
	r     *fastRecorder
}

func (p recordingPrompter) mark() { p.r.mu.Lock(); p.r.prompted = true; p.r.mu.Unlock() }

func (p recordingPrompter) CanPrompt() bool { return p.inner.CanPrompt() }
func (p recordingPrompter) Ask(label, def string) (string, error) {
	p.mark()
	return p.inner.Ask(label, def)
}
func (p recordingPrompter) Secret(label string) (string, error) {
	p.mark()
	return p.inner.Secret(label)
}
func (p recordingPrompter) Choose(label string, options []string) (int, error) {
	p.mark()
	return p.inner.Choose(label, options)
}

// observe is the cache's observer.
func (r *fastRecorder) observe(ev cache.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev.Kind {
	case cache.EventLookup:
		r.lookups = append(r.lookups, fastpath.Lookup{ID: ev.ID, Margin: ev.Margin, Hit: ev.Hit})
	case cache.EventRecall:
		r.recalls = append(r.recalls, fastpath.FileDep{Path: ev.Path, SHA256: ev.SHA256})
	default:
		r.wrote = true
	}
}

// before notes the input files as they are before the engine reads them, for a run of req that
// may be recorded: one that bypasses the cache (--no-cache, --refresh) or carries an MFA code
// cannot be (record says why), and need not hash its files.
func (r *fastRecorder) before(req engine.Request, paths []string) {
	if req.NoCache || req.Refresh || req.TokenCode != "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files = map[string]fileState{}
	for _, p := range paths {
		r.files[p] = snapshot(p)
	}
}

func snapshot(path string) fileState {
	sum, err := fastpath.HashFile(path)
	if err != nil {
		return fileState{sum: "unreadable"}
	}
	fi, _ := os.Stat(path)
	return fileState{sum: sum, fi: fi}
}

// same reports whether two snapshots show the same file: same contents, and no write in between
// (inode, size, modification and change times), so that a file changed and changed back while
// the engine read it is not taken for unchanged.
func (a fileState) same(b fileState) bool {
	if a.sum != b.sum || a.sum == "unreadable" || (a.fi == nil) != (b.fi == nil) {
		return false
	}
	return a.fi == nil || (os.SameFile(a.fi, b.fi) && a.fi.Size() == b.fi.Size() && a.fi.ModTime().Equal(b.fi.ModTime()) &&
		changeTime(a.fi).Equal(changeTime(b.fi)))
}

// fastRun is what a finished run handed over.
type fastRun struct {
	cmd      *cobra.Command
	format   string
	res      *engine.Result
	tg       *target
	printed  []byte
	codeFile bool
	cache    *cache.Cache
	margin   time.Duration
}

// done records the run, or says why not with ASSUME_ROLE_FAST_PATH=explain.
func (r *fastRecorder) done(sio *IO, run fastRun) {
	if r == nil {
		return
	}
	why := r.record(sio, run)
	if r.explain {
		if why == "" {
			fmt.Fprintln(sio.Err, "assume-role: fast path: recorded")
		} else {
			fmt.Fprintf(sio.Err, "assume-role: fast path: not recorded: %s\n", why)
		}
	}
}

func (r *fastRecorder) record(sio *IO, run fastRun) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var flag string
	run.cmd.Flags().Visit(func(f *pflag.Flag) {
		if flag == "" && !slices.Contains(recordableFlags, f.Name) {
			flag = f.Name
		}
	})
	switch {
	case flag != "":
		return "--" + flag + " is given"
	case run.tg.req.TokenCode != "":
		return "an MFA code is given"
	case run.res.SourceKind != engine.SourceKeys:
		return fmt.Sprintf("the source is %s, not access keys", run.res.SourceKind)
	case !run.res.Cached || run.res.CacheID == "":
		return "the credentials did not come from the cache"
	case run.cache == nil || run.cache.Backend() != cache.BackendFile:
		return "the cache backend is not file"
	case r.prompted:
		return "the run asked a question"
	case r.stderr > 0:
		return "the run printed a message"
	case r.wrote:
		return "the run wrote to the cache"
	case len(r.uncovered) > 0:
		return "the run read " + r.uncovered[0] + ", which the record cannot cover"
	case r.files == nil:
		return "the input files were not noted"
	}
	dir, err := fastpath.CacheDir(fastpath.Getenv(r.input.Environ))
	if err != nil || filepath.Clean(dir) != filepath.Clean(run.cache.Dir()) {
		return "the cache directory is not the environment's"
	}
	rec := &fastpath.Record{Entry: run.res.CacheID, Margin: run.margin, Format: run.format, CodeFile: run.codeFile,
		Lookups: slices.Clone(r.lookups), Files: slices.Clone(r.recalls),
		Facts: fastpath.Facts{AccountID: run.res.AccountID, RoleName: run.res.RoleName, Region: run.res.Region,
			Ambient: run.res.Ambient, AccountLabel: run.tg.accountName, RoleLabel: run.tg.roleName}}
	paths := make([]string, 0, len(r.files))
	for p := range r.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		was := r.files[p]
		if !was.same(snapshot(p)) {
			return p + " changed during the run"
		}
		rec.Files = append(rec.Files, fastpath.FileDep{Path: p, SHA256: was.sum})
	}
	if err := fastpath.Save(run.cache.Dir(), &r.input, rec, run.printed, sio.Now()); err != nil {
		return err.Error()
	}
	return ""
}
