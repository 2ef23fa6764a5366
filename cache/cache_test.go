package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/assume-role/assume-role/cache/filestore"
)

// Secrets used by the tests; no output may contain them.
const (
	testSecret = "SECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
	testToken  = "TOKENFwoGZXIvYXdzEBYaDHRlc3R0b2tlbnZhbHVl"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// fakeClock is an injectable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testKey(role string) Key {
	return Key{Kind: KindRole, Fields: map[string]string{
		"RoleArn": "arn:aws:iam::222222222222:role/" + role,
		"Source":  "alice",
	}}
}

func testEntry(akid string, exp time.Time) *Entry {
	return &Entry{
		AccessKeyID:     akid,
		SecretAccessKey: testSecret,
		SessionToken:    testToken,
		Expiration:      exp,
		Kind:            KindRole,
		Label:           "arn:aws:iam::222222222222:role/read via alice",
		AccountID:       "222222222222",
		Arn:             "arn:aws:sts::222222222222:assumed-role/read/alice",
		SourceIdentity:  "alice",
		MFA:             true,
	}
}

// newTestCache opens a file-backed cache in a temporary directory.
func newTestCache(t *testing.T, clock *fakeClock, mod ...func(*Options)) (*Cache, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cache")
	opts := Options{Backend: BackendFile, Dir: dir, Now: clock.Now}
	for _, m := range mod {
		m(&opts)
	}
	c, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, dir
}

func skipWithoutUnixPerms(t *testing.T) {
	t.Helper()
	if !checkPerms {
		t.Skip("file modes and owners do not protect files on " + runtime.GOOS)
	}
}

func TestKeyIDGolden(t *testing.T) {
	// sha256 of {"v":1,"kind":"role","fields":{"RoleArn":"arn:aws:iam::222222222222:role/read","Source":"alice"}}
	const want = "9320a07219535c2b8cc13d56339960dca725cafd8dc9a428a6d8986ce085c1d5"
	if got := testKey("read").ID(); got != want {
		t.Fatalf("ID changed: got %s, want %s (every cached entry would be orphaned)", got, want)
	}
}

func TestKeyIDStable(t *testing.T) {
	a := Key{Kind: "role", Fields: map[string]string{}}
	b := Key{Kind: "role"}
	c := Key{Kind: "role", Fields: map[string]string{"ExternalId": ""}}
	if a.ID() != b.ID() || a.ID() != c.ID() {
		t.Errorf("empty map, nil map and empty value should give one ID: %s %s %s", a.ID(), b.ID(), c.ID())
	}
	// Insertion order must not matter.
	names := []string{"RoleArn", "RoleSessionName", "DurationSeconds", "ExternalId", "SerialNumber", "Region"}
	m1, m2 := map[string]string{}, map[string]string{}
	for i, n := range names {
		m1[n] = fmt.Sprint("v", i)
	}
	for i := len(names) - 1; i >= 0; i-- {
		m2[names[i]] = fmt.Sprint("v", i)
	}
	k1, k2 := Key{Kind: "role", Fields: m1}, Key{Kind: "role", Fields: m2}
	for i := 0; i < 20; i++ {
		if k1.ID() != k2.ID() {
			t.Fatal("ID depends on map order")
		}
	}
	if id := k1.ID(); !validID(id) {
		t.Errorf("ID %q is not 64 lower-case hex digits", id)
	}
}

func TestKeyIDSensitiveToEveryField(t *testing.T) {
	base := Key{Kind: KindRole, Fields: map[string]string{
		"RoleArn": "arn:aws:iam::222222222222:role/read", "RoleSessionName": "alice",
		"DurationSeconds": "3600", "ExternalId": "ext-1", "SerialNumber": "arn:aws:iam::111111111111:mfa/alice",
		"Source": "AKIAEXAMPLE", "Region": "eu-west-1",
	}}
	seen := map[string]string{base.ID(): "base"}
	check := func(name string, k Key) {
		t.Helper()
		id := k.ID()
		if prev, dup := seen[id]; dup {
			t.Errorf("%s has the same ID as %s", name, prev)
		}
		seen[id] = name
	}
	clone := func() map[string]string {
		m := make(map[string]string, len(base.Fields))
		for k, v := range base.Fields {
			m[k] = v
		}
		return m
	}
	check("kind", Key{Kind: KindSession, Fields: base.Fields})
	for name := range base.Fields {
		m := clone()
		m[name] += "x"
		check("changed "+name, Key{Kind: base.Kind, Fields: m})
		m = clone()
		delete(m, name)
		check("without "+name, Key{Kind: base.Kind, Fields: m})
		m = clone()
		m[name+"2"] = m[name] // renamed field, same value
		delete(m, name)
		check("renamed "+name, Key{Kind: base.Kind, Fields: m})
	}
	m := clone()
	m["Extra"] = "1"
	check("extra field", Key{Kind: base.Kind, Fields: m})
	// Values must not be able to forge structure.
	check("split1", Key{Kind: "k", Fields: map[string]string{"a": `b","c":"d`}})
	check("split2", Key{Kind: "k", Fields: map[string]string{"a": "b", "c": "d"}})

	id := base.ID()
	for _, v := range base.Fields {
		if strings.Contains(id, strings.ToLower(v)) {
			t.Errorf("ID contains field value %q", v)
		}
	}
}

func TestLookupHitMissMargin(t *testing.T) {
	clock := &fakeClock{now: t0}
	c, _ := newTestCache(t, clock, func(o *Options) { o.Margin = 10 * time.Minute })
	k := testKey("read")
	if _, ok := c.Lookup(k); ok {
		t.Fatal("hit on an empty cache")
	}
	if err := c.Put(k, testEntry("ASIAONE", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	e, ok := c.Lookup(k)
	if !ok {
		t.Fatal("miss right after Put")
	}
	if e.AccessKeyID != "ASIAONE" || e.SecretAccessKey != testSecret || e.SessionToken != testToken ||
		!e.Expiration.Equal(t0.Add(time.Hour)) || e.Version != EntryVersion || !e.Created.Equal(t0) ||
		e.Label == "" || e.AccountID != "222222222222" || !e.MFA || e.SourceIdentity != "alice" {
		t.Errorf("round trip: got %+v", e)
	}
	if _, ok := c.Lookup(testKey("write")); ok {
		t.Error("hit for another key")
	}

	clock.Advance(49*time.Minute + 59*time.Second) // 10m01s left > margin
	if _, ok := c.Lookup(k); !ok {
		t.Error("miss with more than the margin left")
	}
	clock.Advance(time.Second) // exactly the margin left
	if _, ok := c.Lookup(k); ok {
		t.Error("hit with only the margin left")
	}
	clock.Advance(time.Hour) // expired
	if _, ok := c.Lookup(k); ok {
		t.Error("hit on an expired entry")
	}

	// GetOrFetch refreshes an entry inside the margin.
	var calls int
	e, cached, err := c.GetOrFetch(t.Context(), k, func(context.Context) (*Entry, error) {
		calls++
		return testEntry("ASIATWO", clock.Now().Add(time.Hour)), nil
	})
	if err != nil || cached || calls != 1 || e.AccessKeyID != "ASIATWO" {
		t.Fatalf("refresh: e=%v cached=%v calls=%d err=%v", e, cached, calls, err)
	}
	e, cached, err = c.GetOrFetch(t.Context(), k, func(context.Context) (*Entry, error) {
		calls++
		return nil, errors.New("must not be called")
	})
	if err != nil || !cached || calls != 1 || e.AccessKeyID != "ASIATWO" {
		t.Fatalf("second call: e=%v cached=%v calls=%d err=%v", e, cached, calls, err)
	}
}

func TestMarginDefaults(t *testing.T) {
	for _, tc := range []struct {
		margin time.Duration
		left   time.Duration
		hit    bool
	}{
		{0, DefaultMargin + time.Second, true},
		{0, DefaultMargin, false},
		{-1, time.Second, true},
		{-1, 0, false},
	} {
		clock := &fakeClock{now: t0}
		c, _ := newTestCache(t, clock, func(o *Options) { o.Margin = tc.margin })
		if err := c.Put(testKey("read"), testEntry("ASIA", t0.Add(tc.left))); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Lookup(testKey("read")); ok != tc.hit {
			t.Errorf("margin %s, %s left: hit=%v, want %v", tc.margin, tc.left, ok, tc.hit)
		}
	}
}

func TestPutRejectsIncompleteEntries(t *testing.T) {
	c, _ := newTestCache(t, &fakeClock{now: t0})
	for name, mod := range map[string]func(*Entry){
		"no key id":  func(e *Entry) { e.AccessKeyID = "" },
		"no secret":  func(e *Entry) { e.SecretAccessKey = "" },
		"no token":   func(e *Entry) { e.SessionToken = "" },
		"no expiry":  func(e *Entry) { e.Expiration = time.Time{} },
		"no kind":    func(e *Entry) { e.Kind = "" },
		"nil entry":  nil,
		"no key/tok": func(e *Entry) { e.AccessKeyID, e.SessionToken = "", "" },
	} {
		var e *Entry
		if mod != nil {
			e = testEntry("ASIA", t0.Add(time.Hour))
			mod(e)
		}
		err := c.Put(testKey("read"), e)
		if err == nil {
			t.Errorf("%s: Put accepted it", name)
			continue
		}
		if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error leaks a secret: %v", name, err)
		}
	}
	if ids, _ := c.store.IDs(); len(ids) != 0 {
		t.Errorf("rejected entries were stored: %v", ids)
	}
}

func TestPutDoesNotModifyCallerEntry(t *testing.T) {
	c, _ := newTestCache(t, &fakeClock{now: t0})
	e := testEntry("ASIA", t0.Add(time.Hour))
	if err := c.Put(testKey("read"), e); err != nil {
		t.Fatal(err)
	}
	if e.Version != 0 || !e.Created.IsZero() {
		t.Errorf("Put modified its argument: %+v", e)
	}
}

// rawRecord builds stored JSON by hand.
func rawRecord(t *testing.T, id string, mod func(map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"Version": EntryVersion, "AccessKeyId": "ASIAPLANTED", "SecretAccessKey": testSecret,
		"SessionToken": testToken, "Expiration": t0.Add(time.Hour), "Kind": KindRole, "Created": t0,
		"KeyId": id,
	}
	if mod != nil {
		mod(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCorruptEntriesIgnoredAndReplaced(t *testing.T) {
	k := testKey("read")
	id := k.ID()
	valid := rawRecord(t, id, nil)
	cases := map[string][]byte{
		"garbage":       []byte("\x00\x01not json at all"),
		"empty":         {},
		"truncated":     valid[:len(valid)/2],
		"null":          []byte("null"),
		"array":         []byte(`[1,2,3]`),
		"wrong types":   []byte(`{"Version":"1","AccessKeyId":5}`),
		"foreign (aws)": []byte(`{"Credentials":{"AccessKeyId":"ASIA","SecretAccessKey":"x","SessionToken":"y","Expiration":"2026-11-21T10:00:00Z"},"ProviderType":"assume-role"}`),
		"version 0":     rawRecord(t, id, func(m map[string]any) { delete(m, "Version") }),
		"version 2":     rawRecord(t, id, func(m map[string]any) { m["Version"] = 2 }),
		"other key id":  rawRecord(t, testKey("write").ID(), nil),
		"no key id":     rawRecord(t, id, func(m map[string]any) { delete(m, "KeyId") }),
		"no token":      rawRecord(t, id, func(m map[string]any) { m["SessionToken"] = "" }),
		"no secret":     rawRecord(t, id, func(m map[string]any) { delete(m, "SecretAccessKey") }),
		"no akid":       rawRecord(t, id, func(m map[string]any) { m["AccessKeyId"] = "" }),
		"no expiration": rawRecord(t, id, func(m map[string]any) { delete(m, "Expiration") }),
		"bad time":      rawRecord(t, id, func(m map[string]any) { m["Expiration"] = "tomorrow" }),
		"no kind":       rawRecord(t, id, func(m map[string]any) { delete(m, "Kind") }),
		"too large":     append(append([]byte(nil), valid...), make([]byte, filestore.MaxEntrySize)...),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			clock := &fakeClock{now: t0}
			var logs strings.Builder
			c, dir := newTestCache(t, clock, func(o *Options) {
				o.Debugf = func(f string, a ...any) { fmt.Fprintf(&logs, f+"\n", a...) }
			})
			credsDir := filepath.Join(dir, "creds")
			if err := os.MkdirAll(credsDir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(credsDir, id+".json")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if e, ok := c.Lookup(k); ok {
				t.Fatalf("corrupt entry trusted: %v", e)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("corrupt entry not deleted: %v", err)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			e, cached, err := c.GetOrFetch(t.Context(), k, func(context.Context) (*Entry, error) {
				return testEntry("ASIAFRESH", t0.Add(time.Hour)), nil
			})
			if err != nil || cached || e.AccessKeyID != "ASIAFRESH" {
				t.Fatalf("GetOrFetch: e=%v cached=%v err=%v", e, cached, err)
			}
			if e, ok := c.Lookup(k); !ok || e.AccessKeyID != "ASIAFRESH" {
				t.Fatalf("not replaced: %v %v", e, ok)
			}
			for _, s := range []string{testSecret, testToken} {
				if strings.Contains(logs.String(), s) {
					t.Errorf("debug log leaks a secret: %s", logs.String())
				}
			}
		})
	}
}

func TestUntrustedFilesIgnored(t *testing.T) {
	skipWithoutUnixPerms(t)
	k := testKey("read")
	id := k.ID()
	for name, plant := range map[string]func(t *testing.T, path string, data []byte){
		"mode 0644": func(t *testing.T, path string, data []byte) {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"mode 0660": func(t *testing.T, path string, data []byte) {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o660); err != nil {
				t.Fatal(err)
			}
		},
		"symlink": func(t *testing.T, path string, data []byte) {
			target := filepath.Join(t.TempDir(), "target.json")
			if err := os.WriteFile(target, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		},
		"directory": func(t *testing.T, path string, _ []byte) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, dir := newTestCache(t, &fakeClock{now: t0})
			credsDir := filepath.Join(dir, "creds")
			if err := os.MkdirAll(credsDir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(credsDir, id+".json")
			plant(t, path, rawRecord(t, id, nil))
			if e, ok := c.Lookup(k); ok {
				t.Fatalf("untrusted entry used: %v", e)
			}
			if name == "directory" {
				return // a directory cannot be removed with os.Remove if not empty; it is just ignored
			}
			if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("untrusted entry not deleted: %v", err)
			}
		})
	}
	// A file of another user: see filestore's TestGetOtherOwner.
}

func TestFileModesAfterPut(t *testing.T) {
	skipWithoutUnixPerms(t)
	clock := &fakeClock{now: t0}
	c, dir := newTestCache(t, clock)
	k := testKey("read")
	if _, _, err := c.GetOrFetch(t.Context(), k, func(context.Context) (*Entry, error) {
		return testEntry("ASIA", t0.Add(time.Hour)), nil
	}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{
		dir:                         fs.ModeDir | 0o700,
		filepath.Join(dir, "creds"): fs.ModeDir | 0o700,
		filepath.Join(dir, "locks"): fs.ModeDir | 0o700,
		filepath.Join(dir, "creds", k.ID()+".json"): 0o600,
		filepath.Join(dir, "locks", k.ID()+".lock"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "locks", k.ID()+".lock"))
	if err != nil || len(data) != 0 {
		t.Errorf("lock file should be empty: %q %v", data, err)
	}
}

func TestReadsCreateNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c, err := Open(Options{Backend: BackendFile, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(testKey("read")); ok {
		t.Fatal("hit")
	}
	if l, err := c.List(); err != nil || len(l) != 0 {
		t.Fatalf("List = %v, %v", l, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reading created the cache directory: %v", err)
	}
}

func TestDirTightened(t *testing.T) {
	skipWithoutUnixPerms(t)
	dir := filepath.Join(t.TempDir(), "cache")
	creds := filepath.Join(dir, "creds")
	if err := os.MkdirAll(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(creds, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Backend: BackendFile, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, creds} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want 0700", p, fi.Mode().Perm())
		}
	}

	// The locks directory is tightened when it is used.
	locks := filepath.Join(dir, "locks")
	if err := os.Mkdir(locks, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locks, 0o775); err != nil {
		t.Fatal(err)
	}
	c, err := Open(Options{Backend: BackendFile, Dir: dir, Now: (&fakeClock{now: t0}).Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetOrFetch(t.Context(), testKey("read"), func(context.Context) (*Entry, error) {
		return testEntry("ASIA", t0.Add(time.Hour)), nil
	}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(locks); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("locks dir not tightened: %v %v", fi.Mode(), err)
	}
}

func TestDirRefused(t *testing.T) {
	skipWithoutUnixPerms(t)
	t.Run("other owner", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := open(Options{Backend: BackendFile, Dir: dir}, nil, serviceName, os.Geteuid()+1)
		if err == nil || !strings.Contains(err.Error(), "owned by uid") || !strings.Contains(err.Error(), dir) ||
			!strings.Contains(err.Error(), "refusing") {
			t.Fatalf("err = %v, want a refusal naming %s", err, dir)
		}
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("refused directory was modified: %v %v", fi.Mode(), err)
		}
	})
	t.Run("creds owned by other", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "creds"), 0o700); err != nil {
			t.Fatal(err)
		}
		// Only the creds directory is checked with the foreign uid.
		if _, err := newFileStore(filepath.Join(dir, "creds"), os.Geteuid()+1); err == nil {
			t.Fatal("accepted a creds directory owned by someone else")
		}
	})
	t.Run("not a directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "creds"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(Options{Backend: BackendFile, Dir: dir}); err == nil || !strings.Contains(err.Error(), "not a directory") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestAtomicWriteLeavesNoTempFiles(t *testing.T) {
	clock := &fakeClock{now: t0}
	c, dir := newTestCache(t, clock)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				k := testKey(fmt.Sprint("role", j%3))
				if err := c.Put(k, testEntry(fmt.Sprintf("ASIA%d-%d", i, j), t0.Add(time.Hour))); err != nil {
					t.Error(err)
				}
				if _, ok := c.Lookup(k); !ok { // never a partially written file
					t.Errorf("miss while writing %v", k)
				}
			}
		})
	}
	wg.Wait()
	des, err := os.ReadDir(filepath.Join(dir, "creds"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if len(names) != 3 {
		t.Errorf("creds dir holds %v, want exactly 3 entry files", names)
	}
	for _, n := range names {
		if id, ok := strings.CutSuffix(n, ".json"); !ok || !validID(id) {
			t.Errorf("unexpected file %q left behind", n)
		}
	}
}

func TestRenameOverDirectoryFailsCleanly(t *testing.T) {
	// rename(2) over a non-empty directory fails, even for root: the
	// temporary file must be removed.
	c, dir := newTestCache(t, &fakeClock{now: t0})
	creds := filepath.Join(dir, "creds")
	target := filepath.Join(creds, testKey("read").ID()+".json")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := c.Put(testKey("read"), testEntry("ASIA", t0.Add(time.Hour)))
	if err == nil {
		t.Fatal("Put over a non-empty directory succeeded")
	}
	if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), testToken) {
		t.Errorf("error leaks a secret: %v", err)
	}
	des, _ := os.ReadDir(creds)
	if len(des) != 1 || des[0].Name() != filepath.Base(target) {
		t.Errorf("temporary file left behind: %v", des)
	}
}

func TestListNeverContainsSecrets(t *testing.T) {
	clock := &fakeClock{now: t0}
	c, _ := newTestCache(t, clock)
	secrets := []string{}
	for i, role := range []string{"read", "write", "admin"} {
		e := testEntry(fmt.Sprint("ASIA", i), t0.Add(time.Duration(i+1)*time.Hour))
		e.SecretAccessKey = fmt.Sprintf("%s-%d", testSecret, i)
		e.SessionToken = fmt.Sprintf("%s-%d", testToken, i)
		e.Label = role + " via alice"
		secrets = append(secrets, e.SecretAccessKey, e.SessionToken)
		if err := c.Put(testKey(role), e); err != nil {
			t.Fatal(err)
		}
	}
	// An expired entry is listed too.
	exp := testEntry("ASIAOLD", t0.Add(-time.Hour))
	exp.Kind, exp.Label = KindSession, "session alice (mfa)"
	if err := c.Put(Key{Kind: KindSession, Fields: map[string]string{"Source": "alice"}}, exp); err != nil {
		t.Fatal(err)
	}
	list, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Fatalf("List returned %d entries, want 4: %+v", len(list), list)
	}
	wantLabels := []string{"admin via alice", "read via alice", "write via alice", "session alice (mfa)"}
	for i, info := range list {
		if info.Label != wantLabels[i] {
			t.Errorf("list[%d].Label = %q, want %q (sorted by kind, label)", i, info.Label, wantLabels[i])
		}
		if !validID(info.ID) || info.AccountID != "222222222222" || !info.MFA || info.Expiration.IsZero() ||
			!info.Created.Equal(t0) || info.Arn == "" || info.SourceIdentity != "alice" {
			t.Errorf("list[%d] incomplete: %+v", i, info)
		}
	}
	if list[1].ID != testKey("read").ID() {
		t.Errorf("list[1].ID = %s, want the key's ID", list[1].ID)
	}
	js, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v\n%+v\n%#v\n%s", list, list, list, js)
	for _, s := range append(secrets, testSecret, testToken) {
		if strings.Contains(out, s) {
			t.Fatalf("List output contains secret %q", s)
		}
	}
}

func TestEntryFormattingRedactsSecrets(t *testing.T) {
	e := testEntry("ASIAPRINT", t0)
	wrapped := struct{ E Entry }{*e}
	for _, out := range []string{
		fmt.Sprint(e), fmt.Sprint(*e), fmt.Sprintf("%v %+v %#v %s", e, e, e, e),
		fmt.Sprintf("%v %+v %#v", *e, *e, *e), fmt.Sprintf("%+v %#v", wrapped, wrapped),
		fmt.Sprintf("%v", []*Entry{e}),
	} {
		if strings.Contains(out, testSecret) || strings.Contains(out, testToken) {
			t.Errorf("formatting leaks a secret: %s", out)
		}
		if !strings.Contains(out, "ASIAPRINT") {
			t.Errorf("formatting lost the access key id: %s", out)
		}
	}
}

func TestClearAndInvalidate(t *testing.T) {
	clock := &fakeClock{now: t0}
	c, dir := newTestCache(t, clock)
	if n, err := c.Clear(); n != 0 || err != nil {
		t.Fatalf("Clear on empty cache = %d, %v", n, err)
	}
	for _, r := range []string{"a", "b", "c"} {
		if err := c.Put(testKey(r), testEntry("ASIA", t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Invalidate(testKey("a")); err != nil {
		t.Fatal(err)
	}
	if err := c.Invalidate(testKey("a")); err != nil {
		t.Fatalf("second Invalidate: %v", err)
	}
	if _, ok := c.Lookup(testKey("a")); ok {
		t.Error("hit after Invalidate")
	}
	if _, ok := c.Lookup(testKey("b")); !ok {
		t.Error("Invalidate removed another key")
	}
	// A stray file that is not an entry survives Clear and is not counted.
	stray := filepath.Join(dir, "creds", "README")
	if err := os.WriteFile(stray, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := c.Clear()
	if n != 2 || err != nil {
		t.Fatalf("Clear = %d, %v; want 2", n, err)
	}
	if ids, err := c.store.IDs(); len(ids) != 0 || err != nil {
		t.Errorf("IDs after Clear = %v, %v", ids, err)
	}
	if _, ok := c.Lookup(testKey("b")); ok {
		t.Error("hit after Clear")
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("Clear removed a foreign file: %v", err)
	}
}

func TestGetOrFetchFetchError(t *testing.T) {
	c, _ := newTestCache(t, &fakeClock{now: t0})
	sentinel := errors.New("AccessDenied: not authorized")
	e, cached, err := c.GetOrFetch(t.Context(), testKey("read"), func(context.Context) (*Entry, error) {
		return nil, fmt.Errorf("assume role: %w", sentinel)
	})
	if !errors.Is(err, sentinel) || e != nil || cached {
		t.Fatalf("got e=%v cached=%v err=%v", e, cached, err)
	}
	if err.Error() != "assume role: AccessDenied: not authorized" {
		t.Errorf("fetch error was rewritten: %q", err)
	}
	if ids, _ := c.store.IDs(); len(ids) != 0 {
		t.Errorf("something was stored after a failed fetch: %v", ids)
	}
	// An incomplete result is refused and not stored.
	_, _, err = c.GetOrFetch(t.Context(), testKey("read"), func(context.Context) (*Entry, error) {
		e := testEntry("AKIALONGTERM", t0.Add(time.Hour))
		e.SessionToken = ""
		return e, nil
	})
	if err == nil || strings.Contains(err.Error(), testSecret) {
		t.Errorf("incomplete fetch result: err = %v", err)
	}
	if ids, _ := c.store.IDs(); len(ids) != 0 {
		t.Errorf("incomplete entry stored: %v", ids)
	}
}

// failingStore accepts reads but fails writes.
type failingStore struct{ noneStore }

func (failingStore) Put(string, []byte) error { return errors.New("disk full") }

func TestGetOrFetchStoreFailureStillReturnsCredentials(t *testing.T) {
	var logs strings.Builder
	c, err := OpenStore(failingStore{}, Options{Dir: t.TempDir(), Now: (&fakeClock{now: t0}).Now,
		Debugf: func(f string, a ...any) { fmt.Fprintf(&logs, f+"\n", a...) }})
	if err != nil {
		t.Fatal(err)
	}
	e, cached, err := c.GetOrFetch(t.Context(), testKey("read"), func(context.Context) (*Entry, error) {
		return testEntry("ASIA", t0.Add(time.Hour)), nil
	})
	if err != nil || cached || e == nil || e.SecretAccessKey != testSecret {
		t.Fatalf("e=%v cached=%v err=%v", e, cached, err)
	}
	if !strings.Contains(logs.String(), "disk full") {
		t.Errorf("store failure not reported: %q", logs.String())
	}
}

func TestGetOrFetchConcurrentInProcess(t *testing.T) {
	c, _ := newTestCache(t, &fakeClock{now: t0})
	var calls atomic.Int32
	const n = 32
	keys := make(chan string, n)
	fresh := make(chan bool, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			e, cached, err := c.GetOrFetch(t.Context(), testKey("read"), func(context.Context) (*Entry, error) {
				i := calls.Add(1)
				time.Sleep(50 * time.Millisecond) // widen the window for the others
				return testEntry(fmt.Sprint("ASIACALL", i), t0.Add(time.Hour)), nil
			})
			if err != nil {
				t.Error(err)
				return
			}
			keys <- e.AccessKeyID
			fresh <- !cached
		})
	}
	wg.Wait()
	close(keys)
	close(fresh)
	if got := calls.Load(); got != 1 {
		t.Errorf("fetch called %d times, want 1", got)
	}
	for k := range keys {
		if k != "ASIACALL1" {
			t.Errorf("goroutine got %s", k)
		}
	}
	nfresh := 0
	for f := range fresh {
		if f {
			nfresh++
		}
	}
	if nfresh != 1 {
		t.Errorf("%d goroutines report a fresh fetch, want 1", nfresh)
	}
	if len(c.inuse) != 0 {
		t.Errorf("in-process lock table not cleaned up: %d entries", len(c.inuse))
	}
}

func TestGetOrFetchLockTimeoutAndCancel(t *testing.T) {
	c, dir := newTestCache(t, &fakeClock{now: t0}, func(o *Options) { o.LockTimeout = 50 * time.Millisecond })
	k := testKey("read")
	if err := os.MkdirAll(filepath.Join(dir, "locks"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Another "process" holds the lock (flock locks are per open file, so a
	// second descriptor in this process conflicts just like another process).
	other := flock.New(filepath.Join(dir, "locks", k.ID()+".lock"))
	if err := other.Lock(); err != nil {
		t.Fatal(err)
	}
	defer other.Unlock()
	fetch := func(context.Context) (*Entry, error) {
		t.Error("fetch called without the lock")
		return nil, errors.New("unreachable")
	}
	_, _, err := c.GetOrFetch(t.Context(), k, fetch)
	if !errors.Is(err, ErrLockTimeout) || !strings.Contains(err.Error(), k.ID()+".lock") {
		t.Errorf("err = %v, want ErrLockTimeout naming the lock file", err)
	}

	c.lockTimeout = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, _, err := c.GetOrFetch(ctx, k, fetch)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if len(c.inuse) != 0 {
		t.Errorf("in-process lock table not cleaned up: %d entries", len(c.inuse))
	}
}

func TestGetOrFetchReusesEntryWrittenWhileWaiting(t *testing.T) {
	c, dir := newTestCache(t, &fakeClock{now: t0})
	k := testKey("read")
	if err := os.MkdirAll(filepath.Join(dir, "locks"), 0o700); err != nil {
		t.Fatal(err)
	}
	other := flock.New(filepath.Join(dir, "locks", k.ID()+".lock"))
	if err := other.Lock(); err != nil {
		t.Fatal(err)
	}
	type result struct {
		e      *Entry
		cached bool
		err    error
	}
	done := make(chan result)
	go func() {
		e, cached, err := c.GetOrFetch(t.Context(), k, func(context.Context) (*Entry, error) {
			return nil, errors.New("fetch must not be called: the lock holder filled the cache")
		})
		done <- result{e, cached, err}
	}()
	// The "other process" fills the cache, then releases its lock.
	writer, err := Open(Options{Backend: BackendFile, Dir: dir, Now: (&fakeClock{now: t0}).Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.Put(k, testEntry("ASIAOTHER", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || !r.cached || r.e.AccessKeyID != "ASIAOTHER" {
		t.Fatalf("got %+v", r)
	}
}

func TestNoneBackend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	c, err := Open(Options{Backend: BackendNone, Dir: dir, Now: (&fakeClock{now: t0}).Now})
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend() != BackendNone {
		t.Errorf("Backend() = %q", c.Backend())
	}
	calls := 0
	for i := range 3 {
		e, cached, err := c.GetOrFetch(t.Context(), testKey("read"), func(context.Context) (*Entry, error) {
			calls++
			return testEntry("ASIA", t0.Add(time.Hour)), nil
		})
		if err != nil || cached || e == nil {
			t.Fatalf("call %d: e=%v cached=%v err=%v", i, e, cached, err)
		}
	}
	if calls != 3 {
		t.Errorf("fetch called %d times, want 3", calls)
	}
	if err := c.Put(testKey("read"), testEntry("ASIA", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(testKey("read")); ok {
		t.Error("hit with backend none")
	}
	if l, err := c.List(); len(l) != 0 || err != nil {
		t.Errorf("List = %v, %v", l, err)
	}
	if n, err := c.Clear(); n != 0 || err != nil {
		t.Errorf("Clear = %d, %v", n, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backend none created %s", dir)
	}
}

func TestBackendSelection(t *testing.T) {
	_, err := Open(Options{Backend: "sqlite", Dir: t.TempDir()})
	if err == nil {
		t.Fatal("unknown backend accepted")
	}
	for _, name := range Backends() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
	if !strings.Contains(err.Error(), `"sqlite"`) {
		t.Errorf("error %q does not name the bad backend", err)
	}

	for _, name := range []string{"", BackendAuto} {
		c, err := Open(Options{Backend: name, Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS == "linux" && c.Backend() != BackendFile {
			t.Errorf("auto picked %q on linux, want file", c.Backend())
		}
	}
	if autoBackend("darwin") != BackendKeychain || autoBackend("windows") != BackendWinCred ||
		autoBackend("freebsd") != BackendFile {
		t.Error("autoBackend table wrong")
	}
	if _, err := Open(Options{Backend: BackendEncryptedFile, Dir: t.TempDir()}); err == nil ||
		!strings.Contains(err.Error(), "passphrase") {
		t.Errorf("encrypted-file without passphrase: err = %v", err)
	}
}

func TestEncryptedFileBackend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	var asked atomic.Int32
	open := func(pass string) *Cache {
		t.Helper()
		c, err := Open(Options{Backend: BackendEncryptedFile, Dir: dir, Now: (&fakeClock{now: t0}).Now,
			Passphrase: func() (string, error) { asked.Add(1); return pass, nil }})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open("correct horse battery staple")
	if c.Backend() != BackendEncryptedFile {
		t.Errorf("Backend() = %q", c.Backend())
	}
	if _, ok := c.Lookup(testKey("read")); ok {
		t.Fatal("hit on empty cache")
	}
	if asked.Load() != 0 {
		t.Error("passphrase asked for a miss on an empty cache")
	}
	if _, _, err := c.GetOrFetch(t.Context(), testKey("read"), func(context.Context) (*Entry, error) {
		return testEntry("ASIAENC", t0.Add(time.Hour)), nil
	}); err != nil {
		t.Fatal(err)
	}
	// The files at rest hold no clear-text secret.
	files, err := filepath.Glob(filepath.Join(dir, "keyring", "*"))
	if err != nil || len(files) != 1 {
		t.Fatalf("keyring files: %v %v", files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{testSecret, testToken, "ASIAENC"} {
		if strings.Contains(string(raw), s) {
			t.Errorf("encrypted file contains %q in clear", s)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "keyring")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("keyring dir mode: %v %v", fi.Mode(), err)
	}

	// A new process with the right passphrase hits.
	c2 := open("correct horse battery staple")
	if e, ok := c2.Lookup(testKey("read")); !ok || e.SecretAccessKey != testSecret {
		t.Fatalf("Lookup with the right passphrase: %v %v", e, ok)
	}
	if l, err := c2.List(); err != nil || len(l) != 1 || l[0].ID != testKey("read").ID() {
		t.Errorf("List = %+v, %v", l, err)
	}

	// A wrong passphrase is a miss that keeps the entry.
	c3 := open("wrong")
	if _, ok := c3.Lookup(testKey("read")); ok {
		t.Fatal("hit with a wrong passphrase")
	}
	if _, err := os.Stat(files[0]); err != nil {
		t.Errorf("wrong passphrase deleted the entry: %v", err)
	}

	// Corrupt data that decrypts fine is deleted and replaced.
	if err := c2.store.Put(testKey("read").ID(), []byte(`{"Version":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, ok := c2.Lookup(testKey("read")); ok {
		t.Fatal("corrupt entry trusted")
	}
	if ids, _ := c2.store.IDs(); len(ids) != 0 {
		t.Errorf("corrupt entry kept: %v", ids)
	}
	if err := c2.Put(testKey("read"), testEntry("ASIAENC", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if n, err := c2.Clear(); n != 1 || err != nil {
		t.Errorf("Clear = %d, %v", n, err)
	}
}

// BenchmarkOpenAndLookupHit measures what a cached assume-role call pays:
// opening the cache and reading one fresh entry.
func BenchmarkOpenAndLookupHit(b *testing.B) {
	dir := b.TempDir()
	c, err := Open(Options{Backend: BackendFile, Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Put(testKey("read"), testEntry("ASIA", time.Now().Add(time.Hour))); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c, err := Open(Options{Backend: BackendFile, Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := c.Lookup(testKey("read")); !ok {
			b.Fatal("miss")
		}
	}
}
