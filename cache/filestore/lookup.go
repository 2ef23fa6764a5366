package filestore

import (
	"os"
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
	if dir == "" || !ValidID(id) {
		return nil, false
	}
	uid := os.Geteuid()
	if !CheckPerms {
		uid = -1
	}
	creds := CredsDir(dir)
	if verifyDir(dir, uid) != nil || verifyDir(creds, uid) != nil {
		return nil, false
	}
	s := &Store{dir: creds, uid: uid}
	data, err := s.Get(id)
	if err != nil {
		return nil, false
	}
	e, err := Decode(id, data)
	if err != nil {
		return nil, false
	}
	if left := e.Expiration.Sub(now); left <= margin {
		return nil, false
	}
	return e, true
}

// ReadOnly returns a store on dir for reading only, owned by the effective user, after checking
// dir the way Lookup does: nothing is created or tightened, and a directory other users can
// access is an error.
func ReadOnly(dir string) (*Store, error) {
	uid := os.Geteuid()
	if !CheckPerms {
		uid = -1
	}
	if err := verifyDir(dir, uid); err != nil {
		return nil, err
	}
	return &Store{dir: dir, uid: uid}, nil
}
