package cache

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/assume-role/assume-role/cache/filestore"
)

// EntryVersion is the version of the serialised [Entry]; entries of any other
// version are ignored and replaced.
const EntryVersion = filestore.EntryVersion

// Entry kinds.
const (
	KindSession = filestore.KindSession // from sts:GetSessionToken
	KindRole    = filestore.KindRole    // from sts:AssumeRole (or a variant)
	// KindAssertion holds a SAML assertion (Secret) until its NotOnOrAfter.
	KindAssertion = filestore.KindAssertion
	// KindPassword holds an identity provider password (Secret) the user asked to remember.
	KindPassword = filestore.KindPassword
)

// Defaults for [Options].
const (
	DefaultMargin      = 5 * time.Minute
	DefaultLockTimeout = 5 * time.Minute
)

// ErrLockTimeout is wrapped by the error [Cache.GetOrFetch] returns when
// another process held the key's lock for longer than Options.LockTimeout.
var ErrLockTimeout = errors.New("timed out waiting for another assume-role process")

// Entry is what is cached: temporary credentials and non-secret metadata.
// Its String and GoString methods redact the secrets, so printing an Entry
// with any fmt verb is safe. It is defined in package filestore, which a
// reader of the file backend can use without this package's dependencies.
type Entry = filestore.Entry

// Key identifies what was asked for: everything that changes the result of
// the STS call (source identity, role ARN, session name, duration, external
// id, MFA serial, policies, tags, region, endpoint, ...). Fields must not
// contain secrets nor one-time values such as MFA codes; a field with an
// empty value is the same as an absent one. Its ID is the entry id.
type Key = filestore.Key

// Info describes a cached entry for listing; it never holds secrets.
type Info struct {
	ID             string
	Kind           string
	Label          string
	AccountID      string
	Arn            string
	SourceIdentity string
	Expiration     time.Time
	MFA            bool
	Created        time.Time
}

// Options configures [Open]. The zero value is usable: backend auto, the
// user's cache directory, default margin and lock timeout, the real clock.
type Options struct {
	// Backend is one of Backends(); "" means "auto": keychain on macOS,
	// wincred on Windows, file elsewhere.
	Backend string
	// Dir is the base directory (entries for the file backend, locks for all,
	// the encrypted-file keyring); default os.UserCacheDir()/assume-role.
	Dir string
	// Margin: an entry is reused only while more than Margin remains before
	// it expires. Zero means DefaultMargin; negative means no margin.
	Margin time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// LockTimeout bounds the wait for another process holding the key's lock
	// (it may be waiting on an MFA prompt); zero means DefaultLockTimeout.
	LockTimeout time.Duration
	// Passphrase returns the passphrase of the encrypted-file backend; it is
	// called at most once, and only when an entry is read or written.
	Passphrase func() (string, error)
	// Waiting, if set, is told (at most once per distinct message) when this process has waited
	// about a second for another process holding the same key, and what that process is doing
	// (see Announce): "waiting for another assume-role (pid 123) to finish its MFA prompt…".
	Waiting func(msg string)
	// Observe, if set, is told of every lookup, fact read and write (see Event), so that a caller
	// can tell what a run depended on (the fast path's records).
	Observe func(Event)
	// Debugf, if set, receives diagnostics (ignored corrupt entries, failed
	// writes). Messages never contain secrets.
	Debugf func(format string, args ...any)
}

// Cache is a cross-process credential cache. It is safe for concurrent use.
type Cache struct {
	store       Store
	dir         string // base directory
	lockDir     string // "" disables locking (backend none)
	uid         int
	margin      time.Duration
	lockTimeout time.Duration
	now         func() time.Time
	debugf      func(format string, args ...any)
	waiting     func(msg string)
	observer    func(Event)

	mu    sync.Mutex
	inuse map[string]*keyLock // per-id in-process locks
}

// keyLock serialises the goroutines of one process on a key; flock does the
// same across processes.
type keyLock struct {
	ch   chan struct{}
	refs int
}

// Open returns a cache on the backend named by opts.Backend. It checks the
// cache directory (ownership, permissions); the file backend creates nothing
// until an entry is written. Backend none uses no directory at all.
func Open(opts Options) (*Cache, error) {
	return open(opts, nil, serviceName, os.Geteuid())
}

// OpenStore returns a cache on a caller-supplied store, with locks in
// opts.Dir/locks (opts.Backend and opts.Passphrase are ignored). It is meant
// for tests and embedders with their own storage.
func OpenStore(s Store, opts Options) (*Cache, error) {
	if s == nil {
		return nil, errors.New("cache: nil store")
	}
	return open(opts, s, serviceName, os.Geteuid())
}

// open implements Open and OpenStore; the keyring service name and the
// expected owner of files are parameters for tests.
func open(opts Options, custom Store, service string, uid int) (*Cache, error) {
	if !checkPerms {
		uid = -1
	}
	c := &Cache{
		uid:         uid,
		margin:      opts.Margin,
		lockTimeout: opts.LockTimeout,
		now:         opts.Now,
		debugf:      opts.Debugf,
		waiting:     opts.Waiting,
		observer:    opts.Observe,
		inuse:       map[string]*keyLock{},
	}
	switch {
	case c.margin == 0:
		c.margin = DefaultMargin
	case c.margin < 0:
		c.margin = 0
	}
	if c.lockTimeout <= 0 {
		c.lockTimeout = DefaultLockTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.debugf == nil {
		c.debugf = func(string, ...any) {}
	}

	name := opts.Backend
	switch {
	case custom != nil:
		name = custom.Name()
	case name == "" || name == BackendAuto:
		name = autoBackend(runtime.GOOS)
		if name != BackendFile && !keyringAvailable(name) {
			name = BackendFile // e.g. macOS binaries built without cgo have no keychain
		}
	case name == BackendNone:
		c.store = noneStore{} // no directory, no locks
		return c, nil
	case name != BackendFile:
		if _, ok := keyringBackends[name]; !ok {
			return nil, unknownBackendError(name)
		}
	}

	dir, err := baseDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	c.dir = dir
	c.lockDir = filepath.Join(c.dir, "locks")
	if err := checkDir(c.dir, uid); err != nil {
		return nil, err
	}
	switch {
	case custom != nil:
		c.store = custom
	case name == BackendFile:
		s, err := newFileStore(filestore.CredsDir(c.dir), uid)
		if err != nil {
			return nil, err
		}
		c.store = s
	default:
		s, err := openKeyringStore(name, service, c.dir, uid, opts.Passphrase)
		if err != nil {
			return nil, err
		}
		c.store = s
	}
	return c, nil
}

// Backend returns the name of the backend in use ("auto" resolved).
func (c *Cache) Backend() string { return c.store.Name() }

// Lookup returns the entry for k if it is stored, sound and valid for more
// than the margin. Anything else is a miss; corrupt or untrusted entries are
// deleted.
func (c *Cache) Lookup(k Key) (*Entry, bool) {
	e, ok, _ := c.lookup(k.ID())
	return e, ok
}

// lookup is Lookup by id; its error is ErrWrongPassphrase, where a miss would
// silently replace the entry with one under another passphrase.
func (c *Cache) lookup(id string) (*Entry, bool, error) {
	return c.lookupMargin(id, c.margin)
}

// LookupMargin is Lookup with another margin, for short-lived entries such as
// SAML assertions (valid for a few minutes).
func (c *Cache) LookupMargin(k Key, margin time.Duration) (*Entry, bool) {
	e, ok, _ := c.lookupMargin(k.ID(), margin)
	return e, ok
}

func (c *Cache) lookupMargin(id string, margin time.Duration) (e *Entry, hit bool, err error) {
	defer func() { c.observe(Event{Kind: EventLookup, ID: id, Margin: margin, Hit: hit}) }()
	e, err = c.load(id)
	if e == nil {
		return nil, false, err
	}
	if left := e.Expiration.Sub(c.now()); left <= margin {
		c.debugf("cache: entry %s expires in %s (margin %s): miss", id, left.Round(time.Second), margin)
		return nil, false, nil
	}
	return e, true, nil
}

// load reads and decodes one entry, deleting it if it cannot be trusted. Its
// only error is ErrWrongPassphrase.
func (c *Cache) load(id string) (*Entry, error) {
	data, err := c.store.Get(id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if errors.Is(err, ErrWrongPassphrase) {
		return nil, err
	}
	if err == nil {
		var e *Entry
		if e, err = filestore.Decode(id, data); err == nil {
			return e, nil
		}
	} else if !errors.Is(err, ErrCorrupt) {
		// Unreadable right now (locked keyring, I/O): a miss, but keep the entry.
		c.debugf("cache: reading entry %s: %v", id, err)
		return nil, nil
	}
	c.debugf("cache: ignoring and deleting entry %s: %v", id, err)
	c.observe(Event{Kind: EventWrite, ID: id})
	if derr := c.store.Delete(id); derr != nil {
		c.debugf("cache: deleting entry %s: %v", id, derr)
	}
	return nil, nil
}

// GetOrFetch returns the cached entry for k or, on a miss, calls fetch while
// holding the key's cross-process lock and caches its result. cached tells
// whether the entry came from the cache. Errors from fetch are returned
// unchanged and nothing is stored; a failure to store the fetched entry is
// only reported through Options.Debugf.
func (c *Cache) GetOrFetch(ctx context.Context, k Key, fetch func(context.Context) (*Entry, error)) (e *Entry, cached bool, err error) {
	return c.GetOrFetchMargin(ctx, k, c.margin, fetch)
}

// GetOrFetchMargin is GetOrFetch with another margin, for short-lived entries
// such as SAML assertions.
func (c *Cache) GetOrFetchMargin(ctx context.Context, k Key, margin time.Duration, fetch func(context.Context) (*Entry, error)) (e *Entry, cached bool, err error) {
	id := k.ID()
	if e, ok, err := c.lookupMargin(id, margin); ok || err != nil {
		return e, ok, err
	}
	if c.lockDir != "" {
		unlock, err := c.lock(ctx, id)
		if err != nil {
			return nil, false, err
		}
		defer unlock()
		if e, ok, err := c.lookupMargin(id, margin); ok || err != nil {
			return e, ok, err
		}
	}
	e, err = fetch(holding(ctx, filepath.Join(c.lockDir, id+".lock")))
	if err != nil {
		return nil, false, err
	}
	if err := filestore.Check(e); err != nil {
		return nil, false, fmt.Errorf("fetched credentials: %w", err)
	}
	stored, err := c.put(id, e)
	if err != nil {
		c.debugf("cache: storing entry %s: %v", id, err)
	}
	return stored, false, nil
}

// lock takes the in-process and cross-process locks for id, waiting at most
// the lock timeout; the returned function releases both.
func (c *Cache) lock(ctx context.Context, id string) (func(), error) {
	lctx, cancel := context.WithTimeout(ctx, c.lockTimeout)
	defer cancel()
	path := filepath.Join(c.lockDir, id+".lock")
	waitErr := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%w holding %s for %s", ErrLockTimeout, path, c.lockTimeout)
	}

	c.mu.Lock()
	kl := c.inuse[id]
	if kl == nil {
		kl = &keyLock{ch: make(chan struct{}, 1)}
		c.inuse[id] = kl
	}
	kl.refs++
	c.mu.Unlock()
	release := func() {
		c.mu.Lock()
		if kl.refs--; kl.refs == 0 {
			delete(c.inuse, id)
		}
		c.mu.Unlock()
	}
	select {
	case kl.ch <- struct{}{}:
	case <-lctx.Done():
		release()
		return nil, waitErr()
	}
	unlockLocal := func() { <-kl.ch; release() }

	if err := ensureDir(c.lockDir, c.uid); err != nil {
		unlockLocal()
		return nil, err
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	start, told := time.Now(), ""
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		ok, err := fl.TryLock()
		if err != nil {
			unlockLocal()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if ok {
			break
		}
		if c.waiting != nil && time.Since(start) >= time.Second {
			if msg := waitingMessage(path); msg != told {
				c.waiting(msg)
				told = msg
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-lctx.Done():
			t.Stop()
			unlockLocal()
			return nil, waitErr()
		}
	}
	writeHolder(path, "")
	return func() {
		clearHolder(path)
		if err := fl.Unlock(); err != nil {
			c.debugf("cache: unlocking %s: %v", path, err)
		}
		unlockLocal()
	}, nil
}

// Put stores a copy of e under k, replacing any entry. The copy gets
// EntryVersion and, if e.Created is zero, the current time; e is not
// modified. Only complete temporary credentials are accepted.
func (c *Cache) Put(k Key, e *Entry) error {
	_, err := c.put(k.ID(), e)
	return err
}

func (c *Cache) put(id string, e *Entry) (*Entry, error) {
	c.observe(Event{Kind: EventWrite, ID: id})
	if err := filestore.Check(e); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	stored := *e
	stored.Version = EntryVersion
	if stored.Created.IsZero() {
		stored.Created = c.now()
	}
	data, err := filestore.Encode(id, &stored)
	if err != nil {
		return &stored, err
	}
	return &stored, c.store.Put(id, data)
}

// Invalidate removes the entry for k, if any.
func (c *Cache) Invalidate(k Key) error {
	c.observe(Event{Kind: EventWrite, ID: k.ID()})
	return c.store.Delete(k.ID())
}

// List describes every sound entry, expired ones included, sorted by kind,
// label and id. Corrupt entries are deleted and not listed.
func (c *Cache) List() ([]Info, error) {
	ids, err := c.store.IDs()
	if err != nil {
		return nil, err
	}
	infos := make([]Info, 0, len(ids))
	for _, id := range ids {
		e, err := c.load(id)
		if err != nil {
			return nil, err
		}
		if e == nil {
			continue
		}
		infos = append(infos, Info{
			ID: id, Kind: e.Kind, Label: e.Label, AccountID: e.AccountID, Arn: e.Arn,
			SourceIdentity: e.SourceIdentity, Expiration: e.Expiration, MFA: e.MFA, Created: e.Created,
		})
	}
	slices.SortFunc(infos, func(a, b Info) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Label, b.Label), cmp.Compare(a.ID, b.ID))
	})
	return infos, nil
}

// Clear deletes every entry and returns how many were deleted.
func (c *Cache) Clear() (int, error) {
	c.observe(Event{Kind: EventWrite})
	ids, err := c.store.IDs()
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, id := range ids {
		if err := c.store.Delete(id); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
