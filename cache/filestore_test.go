package cache

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/assume-role/assume-role/cache/filestore"
)

// What the cache's file backend writes, the fast path's read-only filestore.Lookup reads, with
// the same margin rule.
func TestFileStoreLookupReadsCacheEntries(t *testing.T) {
	clock := &fakeClock{now: t0}
	c, dir := newTestCache(t, clock)
	k := testKey("read")
	if _, ok := filestore.Lookup(dir, k.ID(), DefaultMargin, t0); ok {
		t.Fatal("hit before anything was stored")
	}
	if _, _, err := c.GetOrFetch(context.Background(), k, func(context.Context) (*Entry, error) {
		return testEntry("ASIAFAST", t0.Add(time.Hour)), nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{t0, t0.Add(54 * time.Minute), t0.Add(55 * time.Minute), t0.Add(2 * time.Hour)} {
		clock.now = now
		want, wantOK := c.Lookup(k)
		got, ok := filestore.Lookup(dir, k.ID(), DefaultMargin, now)
		if ok != wantOK || (ok && *got != *want) {
			t.Errorf("at %s: filestore.Lookup = %v %v, Cache.Lookup = %v %v", now, got, ok, want, wantOK)
		}
	}
}

func TestRememberUsesMetaPath(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(Options{Backend: BackendFile, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Remember("identity:key:AKIA1", "arn:aws:iam::1:user/alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filestore.MetaPath(dir, "identity:key:AKIA1")); err != nil {
		t.Errorf("the fact is not at filestore.MetaPath: %v", err)
	}
}

func TestOpenUsesDefaultDir(t *testing.T) {
	want, err := filestore.DefaultDir()
	if err != nil {
		t.Skip(err)
	}
	if got, err := baseDir(""); err != nil || got != want {
		t.Errorf("baseDir(\"\") = %q, %v; want %q", got, err, want)
	}
	if !errors.Is(ErrNotFound, filestore.ErrNotFound) || BackendFile != filestore.Backend {
		t.Error("cache and filestore disagree")
	}
}
