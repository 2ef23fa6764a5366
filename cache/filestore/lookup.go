package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Lookup reads the entry stored under id by the file backend of the cache
// whose base directory is dir (entries in dir/creds), with the checks package
// cache makes, and returns it if more than margin remains before it expires
// at now. The current user (effective uid) must own dir, dir/creds and the
// entry. Lookup changes nothing: it creates no directory, tightens none (a
// directory other users can access is a miss, where package cache would
// restrict it to 0700) and deletes no corrupt entry. It reports no error: a
// missing, untrusted, corrupt, foreign or expiring entry is a miss.
//
// margin is the effective margin: package cache's DefaultMargin unless
// configured otherwise; 0 accepts any entry not yet expired.
func Lookup(dir, id string, margin time.Duration, now time.Time) (*Entry, bool) {
	v, err := NewView(dir)
	if err != nil {
		return nil, false
	}
	return v.Lookup(id, margin, now)
}

func currentUID() int {
	if !CheckPerms {
		return -1
	}
	return os.Geteuid()
}

// View reads a cache's base directory for one short run, with Lookup's checks, but checks each
// folder once: the base directory when the view is made (every component of its path), a folder
// in it on its first use (its last component only, since the base directory, the user's own, was
// just checked). Nothing is created or tightened, and a directory other users can access is an
// error. It reads each entry once, too: lookups of the same entry see the same bytes. A run that
// makes several lookups (the front's) saves a walk of the whole path and a read for each. A View
// is not safe for concurrent use.
type View struct {
	dir     string
	uid     int
	absent  bool // the base directory did not exist when the view was made
	folders map[string]folder
	entries map[string]*Entry // nil: a miss whatever the margin
}

// folder is a checked folder of the base directory: a store on it, or why not.
type folder struct {
	s   *Store
	err error
}

// NewView checks the cache's base directory dir and returns a view of it.
func NewView(dir string) (*View, error) {
	if dir == "" {
		return nil, errors.New("cache directory: no path")
	}
	uid := currentUID()
	exists, err := verifyDir(dir, uid)
	if err != nil {
		return nil, err
	}
	// A missing base directory reads as empty, even if it is made later: it was not checked.
	return &View{dir: dir, uid: uid, absent: !exists, folders: map[string]folder{}, entries: map[string]*Entry{}}, nil
}

// Store returns a read-only store on the folder name of the base directory (creds, fast, …),
// checked as the base directory is. name is one path element.
func (v *View) Store(name string) (*Store, error) {
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return nil, errors.New("cache directory: invalid folder name " + strconv.Quote(name))
	}
	if v.absent {
		return nil, fmt.Errorf("cache directory %s: %w", v.dir, fs.ErrNotExist)
	}
	f, ok := v.folders[name]
	if !ok {
		if _, err := verifyChild(v.dir, name, v.uid); err != nil {
			f.err = err
		} else {
			f.s = &Store{dir: filepath.Join(v.dir, name), uid: v.uid}
		}
		v.folders[name] = f
	}
	return f.s, f.err
}

// Lookup is the package's Lookup in the view's base directory.
func (v *View) Lookup(id string, margin time.Duration, now time.Time) (*Entry, bool) {
	e, read := v.entries[id]
	if !read {
		e = v.read(id)
		v.entries[id] = e
	}
	if e == nil || e.Expiration.Sub(now) <= margin {
		return nil, false
	}
	c := *e // the caller's own copy
	return &c, true
}

// read returns the entry stored under id, or nil when it is missing, untrusted or corrupt.
func (v *View) read(id string) *Entry {
	if !ValidID(id) {
		return nil
	}
	s, err := v.Store(credsName)
	if err != nil {
		return nil
	}
	data, err := s.Get(id)
	if err != nil {
		return nil
	}
	e, err := Decode(id, data)
	if err != nil {
		return nil
	}
	return e
}
