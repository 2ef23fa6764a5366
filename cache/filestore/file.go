package filestore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// MaxEntrySize bounds what is read from a cache file; real entries are a
// few kilobytes (a session token is at most about 2 KB).
const MaxEntrySize = 64 << 10

// Store keeps one JSON file per entry in dir (mode 0600, dir 0700). It is the
// cache's file backend; it is safe for concurrent use and does not lock.
type Store struct {
	dir string
	uid int // expected owner of dir and files; -1 disables the check
}

// New checks dir (if it exists, tightening it to 0700) and returns a store on
// it; dir is created on the first Put. uid is the expected owner of dir and of
// the files (-1 disables the check).
func New(dir string, uid int) (*Store, error) {
	if err := CheckDir(dir, uid); err != nil {
		return nil, err
	}
	return &Store{dir: dir, uid: uid}, nil
}

// Name returns the backend's name, "file".
func (s *Store) Name() string { return Backend }

func (s *Store) path(id string) string { return filepath.Join(s.dir, id+".json") }

// Get reads one entry. A file that is not a regular file owned by the user
// with mode 0600 (or stricter) is reported as ErrCorrupt.
func (s *Store) Get(id string) ([]byte, error) {
	if !ValidID(id) {
		return nil, invalidIDError(id)
	}
	p := s.path(id)
	f, err := openRead(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNotFound
		}
		if fi, lerr := os.Lstat(p); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link: %w", p, ErrCorrupt)
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := s.trusted(p, fi); err != nil {
		return nil, err
	}
	data, err := readAll(f, fi.Size(), MaxEntrySize+1)
	if err != nil {
		return nil, err
	}
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("%s is larger than %d bytes: %w", p, MaxEntrySize, ErrCorrupt)
	}
	return data, nil
}

// readAll reads r to its end or to limit bytes, with room for size bytes (what Stat said) and
// one more from the start: one read for the content and one for the end, no copy.
func readAll(r io.Reader, size int64, limit int64) ([]byte, error) {
	data := make([]byte, 0, min(max(size, 0), limit)+1)
	for int64(len(data)) < limit {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // the file grew
		}
		n, err := r.Read(data[len(data):min(int64(cap(data)), limit)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

func (s *Store) trusted(p string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file: %w", p, ErrCorrupt)
	}
	if !CheckPerms {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s has mode %#o, want 0600: %w", p, perm, ErrCorrupt)
	}
	if uid, ok := fileOwner(fi); ok && s.uid >= 0 && uid != s.uid {
		return fmt.Errorf("%s is owned by uid %d, not %d: %w", p, uid, s.uid, ErrCorrupt)
	}
	return nil
}

// Put writes data atomically: a 0600 temporary file in the same directory is
// written, synced and renamed over the entry.
func (s *Store) Put(id string, data []byte) (err error) {
	if !ValidID(id) {
		return invalidIDError(id)
	}
	if err := EnsureDir(s.dir, s.uid); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, "."+id+".*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("writing cache entry: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if CheckPerms {
		// CreateTemp already uses 0600; make sure no umask or ACL quirk widened it.
		if err := tmp.Chmod(0o600); err != nil {
			return fmt.Errorf("writing cache entry: %w", err)
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing cache entry: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing cache entry: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing cache entry: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path(id)); err != nil {
		return fmt.Errorf("writing cache entry: %w", err)
	}
	return nil
}

// Delete removes one entry; a missing entry is not an error.
func (s *Store) Delete(id string) error {
	if !ValidID(id) {
		return invalidIDError(id)
	}
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// IDs lists the entries; temporary files and anything else are ignored.
func (s *Store) IDs() ([]string, error) {
	des, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, de := range des {
		if id, ok := strings.CutSuffix(de.Name(), ".json"); ok && ValidID(id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// CheckDir verifies an existing directory: it must be a directory owned by
// the user (uid, unless -1), and is tightened to mode 0700. Symbolic links on
// the way are followed only when safe (see walkDir). A missing directory is
// not an error (it is checked as far as it exists).
func CheckDir(dir string, uid int) error {
	return walkDir(dir, uid, dirCheck, 0)
}

// EnsureDir creates dir (and its parents) with mode 0700 and checks it like
// CheckDir.
func EnsureDir(dir string, uid int) error {
	return walkDir(dir, uid, dirEnsure, 0)
}

// verifyDir is CheckDir without any change: a directory accessible to other
// users is an error instead of being tightened. It reports whether dir exists.
func verifyDir(dir string, uid int) (exists bool, err error) {
	switch err := walkDir(dir, uid, dirVerify, 0); err {
	case errAbsent:
		return false, nil
	case nil:
		return true, nil
	default:
		return false, err
	}
}

// errAbsent is walkDir's answer, with dirVerify, about a directory that does not exist (checked as
// far as it does).
var errAbsent = errors.New("cache directory does not exist")

// dirOp is what walkDir does besides checking.
type dirOp int

const (
	dirCheck  dirOp = iota // tighten the last component to 0700
	dirEnsure              // create missing components, tighten the last one
	dirVerify              // change nothing; refuse a last component wider than 0700
)

// walkDir checks dir one path component at a time, with Lstat, creating
// missing components (mode 0700) when op is dirEnsure. A symbolic link is
// followed only when it belongs to the user or root and sits in a folder no
// one else can write to: a link planted by someone else in a shared folder
// (/tmp, a world-writable cache folder) is refused, so that the cache never
// creates or chmods anything in the folder it points to. The last component,
// when it exists, must be a directory owned by the user; unless op is
// dirVerify (which only reads what Lstat said of it), it is opened without
// following links and tightened to 0700 through that descriptor. A followed
// link's target is walked the same way; links counts the links followed.
func walkDir(dir string, uid int, op dirOp, links int) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	me := uid
	if me < 0 {
		me = os.Geteuid()
	}
	vol := filepath.VolumeName(abs)
	cur := vol + string(filepath.Separator)
	parent, err := os.Stat(cur)
	if err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	names := strings.Split(strings.TrimPrefix(abs[len(vol):], string(filepath.Separator)), string(filepath.Separator))
	for i, name := range names {
		if name == "" {
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			switch op {
			case dirCheck:
				return nil // checked as far as it exists
			case dirVerify:
				return errAbsent
			}
			if err := os.Mkdir(next, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("cache directory: %w", err)
			}
			fi, err = os.Lstat(next)
		}
		if err != nil {
			return fmt.Errorf("cache directory: %w", err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if err := safeLink(next, fi, parent, me); err != nil {
				return err
			}
			target, err := os.Readlink(next)
			if err != nil {
				return fmt.Errorf("cache directory: %w", err)
			}
			if links >= 40 {
				return fmt.Errorf("cache directory %s: too many levels of symbolic links", dir)
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(cur, target)
			}
			return walkDir(filepath.Join(append([]string{target}, names[i+1:]...)...), uid, op, links+1)
		}
		if !fi.IsDir() {
			return fmt.Errorf("cache directory %s is not a directory", next)
		}
		cur, parent = next, fi
	}
	if op == dirVerify {
		// Nothing to change, so no descriptor is needed: the Lstat of the last component (or of
		// the root) says what it is.
		return checkDirInfo(abs, parent, uid, false)
	}
	return tighten(abs, uid, true)
}

// verifyChild is verifyDir for dir/name when dir itself passed verifyDir moments ago: only the
// last component is looked at (a symbolic link there is walked in full).
func verifyChild(dir, name string, uid int) (exists bool, err error) {
	p := filepath.Join(dir, name)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("cache directory: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return verifyDir(p, uid)
	}
	return true, checkDirInfo(p, fi, uid, false)
}

// safeLink refuses a symbolic link that someone other than the user could
// have planted: one in a folder writable by others (parent), or owned by
// another user than uid or root.
func safeLink(path string, link, parent fs.FileInfo, uid int) error {
	if !CheckPerms {
		return nil
	}
	if parent.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("cache directory: %s is a symbolic link in a folder other users can write to; refusing to follow it (use a cache folder of your own, ASSUME_ROLE_CACHE_DIR)", path)
	}
	if owner, ok := fileOwner(link); ok && owner != uid && owner != 0 {
		return fmt.Errorf("cache directory: %s is a symbolic link owned by uid %d, not by the current user (uid %d); refusing to follow it", path, owner, uid)
	}
	return nil
}

// tighten checks the last component of dir, opened without following a link
// (walkDir resolved every link before it): a directory owned by uid (unless -1), of
// mode 0700 (restricted if it was wider and fix is set, refused otherwise).
func tighten(dir string, uid int, fix bool) error {
	f, err := os.OpenFile(dir, os.O_RDONLY|OpenNoFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	if err := checkDirInfo(dir, fi, uid, fix); err != errTooOpen {
		return err
	}
	if err := f.Chmod(0o700); err != nil {
		return fmt.Errorf("cache directory %s is accessible to other users and cannot be restricted: %w", dir, err)
	}
	return nil
}

// errTooOpen is checkDirInfo's answer, when fix is set, about a directory that must be restricted
// to 0700.
var errTooOpen = errors.New("cache directory is accessible to other users")

// checkDirInfo checks what fi says of the directory dir: a directory owned by uid (unless -1), of
// mode 0700 (or stricter). A wider mode is an error, or errTooOpen when fix is set.
func checkDirInfo(dir string, fi fs.FileInfo, uid int, fix bool) error {
	if !fi.IsDir() {
		return fmt.Errorf("cache directory %s is not a directory", dir)
	}
	if !CheckPerms {
		return nil
	}
	if owner, ok := fileOwner(fi); ok && uid >= 0 && owner != uid {
		return fmt.Errorf("cache directory %s is owned by uid %d, not by the current user (uid %d); refusing to use it", dir, owner, uid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if fix {
			return errTooOpen
		}
		return fmt.Errorf("cache directory %s has mode %#o, want 0700", dir, fi.Mode().Perm())
	}
	return nil
}
