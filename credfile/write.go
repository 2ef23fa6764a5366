package credfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
	"gopkg.in/ini.v1"
)

// WriteProfile puts p into profile name of the shared credentials file at path.
//
// It creates the file (mode 0600) and its directory (mode 0700) when missing.
// When the file has a [name] section, the section's credential lines (see the
// Key constants) are replaced by a marker comment and the new keys, at the place
// of the first old one (or right after the header); the section's other keys
// and comments are kept. Otherwise a new section is appended. Every other byte
// of the file is kept as it was; new lines use the file's line ending, and a
// file without a final newline still has none.
//
// Section headers are matched like botocore does: the text between '[' and the
// last ']' of a header line, compared case-sensitively. WriteProfile refuses,
// leaving the file untouched, when the profile appears more than once, when
// its header is indented or written with inner spaces ("[ name ]", which
// botocore and the Go SDK read differently), or when the file does not parse.
//
// WriteProfile also refuses an invalid name (see ValidName), a file that is not
// a regular file, is larger than MaxFileSize or is read-only, and a profile
// that holds long-term keys (ErrLongTermKeys; keys below assume-role's marker
// comment are its own and are replaced).
//
// The new content is checked to parse and to read back p before it replaces
// the file atomically (a 0600 temporary file in the same directory, fsync,
// rename; the file's owner is kept, a symbolic link at path is followed). The
// whole read-modify-write runs under an exclusive lock on path+".lock", shared
// with other processes using this package. Programs that rewrite the file in
// place without that lock (the AWS CLI's `aws configure set`) are detected: just
// before the rename the file must still hold exactly what was read, or the
// update starts again from the new content (a few times at most). Errors never
// contain p's values.
func WriteProfile(path, name string, p Profile) error {
	if err := validate(name, p); err != nil {
		return err
	}
	if path == "" {
		return fmt.Errorf("credfile: %w: empty file path", ErrInvalid)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("credfile: %w", err)
	}
	lock := flock.New(path+".lock", flock.SetPermissions(0o600))
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("credfile: locking %s: %w", lock.Path(), err)
	}
	defer func() { _ = lock.Unlock() }()

	target, err := resolve(path)
	if err != nil {
		return err
	}
	for range maxAttempts {
		snap, err := readSnapshot(target)
		if err != nil {
			return err
		}
		if err := snap.check(target, name); err != nil {
			return err
		}
		if snap.info != nil {
			chownLike(lock.Path(), snap.info)
		}
		retry, err := attempt(target, snap, name, p)
		if !retry {
			return err
		}
	}
	return fmt.Errorf("credfile: %s kept changing while being updated (another program is writing it); file left unchanged", target)
}

// maxAttempts bounds the retries when another program rewrites the file while
// WriteProfile updates it.
const maxAttempts = 5

// attempt renders snap's content with p as profile name and replaces target
// with it, unless target no longer holds what snap read: then it removes its
// temporary file and reports retry, leaving target as the other writer left it.
func attempt(target string, snap snapshot, name string, p Profile) (retry bool, err error) {
	out, err := render(snap.data, name, p)
	if err != nil {
		return false, fmt.Errorf("credfile: %s: %w", target, err)
	}
	if err := verify(out, snap.data, name, p); err != nil {
		return false, fmt.Errorf("credfile: %s: %w; file left unchanged", target, err)
	}
	tmp, err := writeTemp(target, out, snap.info)
	if err != nil {
		return false, err
	}
	same, err := snap.sameAs(target)
	if err != nil || !same {
		_ = os.Remove(tmp)
		return err == nil, err
	}
	if err := os.Rename(tmp, target); err != nil {
		_ = os.Remove(tmp)
		return false, fmt.Errorf("credfile: %w", err)
	}
	syncDir(filepath.Dir(target))
	return false, nil
}

// resolve follows a symbolic link at path so that the link survives the
// rename; a missing file resolves to path itself.
func resolve(path string) (string, error) {
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("credfile: %w", err)
	}
	return target, nil
}

// loadOptions make ini.v1 read a credentials file close to the way botocore
// does: no inline comments, no backslash line continuation. ini.v1's Python-style continuation lines are not
// enabled: it would also swallow whitespace-only lines and indented comments,
// which configparser skips. render refuses continuation lines that would
// follow the new keys, so they cannot change the values being checked.
var loadOptions = ini.LoadOptions{
	IgnoreInlineComment: true,
	IgnoreContinuation:  true,
}

// verify is the post-condition: out parses and profile name reads back as
// exactly p's keys. Error texts never quote file content, which may hold
// other profiles' secrets.
func verify(out, orig []byte, name string, p Profile) error {
	if len(out) > verifyWholeAbove {
		// ini.v1 needs minutes for a file of tens of megabytes; render changed only this
		// profile's section, so that is what is parsed.
		out, orig = sectionOf(out, name), sectionOf(orig, name)
	}
	f, err := ini.LoadSources(loadOptions, out)
	if err != nil {
		if _, err := ini.LoadSources(loadOptions, orig); err != nil {
			return errors.New("the existing file does not parse as an INI file: fix it by hand")
		}
		return errors.New("the updated file would not parse as an INI file")
	}
	sec, err := f.GetSection(name)
	if err != nil {
		return fmt.Errorf("profile %q would not read back", name)
	}
	want := map[string]string{}
	for _, kv := range entries(p) {
		want[kv[0]] = kv[1]
	}
	for _, k := range []string{KeyAccessKeyID, KeySecretAccessKey, KeySessionToken, KeySecurityToken, KeyExpires, KeyRegion} {
		v, ok := want[k]
		switch {
		case k == KeyRegion && !ok:
			// A region the section already had is kept as is.
		case ok && (!sec.HasKey(k) || sec.Key(k).Value() != v):
			return fmt.Errorf("profile %q would not read back: key %s differs", name, k)
		case !ok && sec.HasKey(k):
			return fmt.Errorf("profile %q would not read back: stale key %s remains", name, k)
		}
	}
	return nil
}

// verifyWholeAbove is the file size above which verify parses only the profile's section.
const verifyWholeAbove = 1 << 20

// sectionOf returns the lines of data's sections named name, headers included, as render finds
// them.
func sectionOf(data []byte, name string) []byte {
	lines, err := splitLines(data)
	if err != nil {
		return data
	}
	var b []byte
	in := false
	for i, l := range lines {
		if !isComment(l.text) {
			if hn, _, ok := headerName(l.text, i == 0); ok {
				in = hn == name
			}
		}
		if in {
			b = append(append(b, l.text...), '\n')
		}
	}
	return b
}

// writeTemp writes data into a new 0600 temporary file next to target, synced
// to disk, and returns its name. old, if not nil, describes the file being
// replaced, whose owner is kept.
func writeTemp(target string, data []byte, old fs.FileInfo) (name string, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("credfile: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return "", fmt.Errorf("credfile: %w", err)
	}
	if old != nil {
		if err := keepOwner(tmp, old); err != nil {
			return "", fmt.Errorf("credfile: keeping the owner of %s: %w", target, err)
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return "", fmt.Errorf("credfile: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("credfile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("credfile: %w", err)
	}
	return tmp.Name(), nil
}
