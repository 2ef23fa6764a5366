package credfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrLongTermKeys is wrapped by the error about a profile that holds long-term
// keys (an access key without a session token, not written by assume-role):
// replacing them with temporary ones would lock the user out once they expire.
var ErrLongTermKeys = errors.New("profile holds long-term keys")

// MaxFileSize caps the size of a credentials file WriteProfile reads and writes.
const MaxFileSize = 128 << 20

// NameSymbols are the punctuation characters a profile name may hold besides
// letters and digits: botocore, the Go SDK and ini.v1 read a section header
// with them identically (TestRefusesAmbiguousProfileNames, TestBotocoreReadsNames).
const NameSymbols = "-_.@+/:,%"

// ValidName reports whether name can be written as a profile that botocore
// (the AWS CLI), the Go SDK and ini.v1 all read under that same name. Names with
// whitespace, quotes, comment characters (';', '#'), brackets, '=' or '\' are
// refused: one SDK or another folds such a section into the previous one, strips
// or splits its name. "DEFAULT" is refused because configparser applies its keys
// to every profile.
func ValidName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("credfile: %w: empty profile name", ErrInvalid)
	case !utf8.ValidString(name):
		return fmt.Errorf("credfile: %w: profile name is not valid UTF-8", ErrInvalid)
	case name == "DEFAULT":
		return fmt.Errorf("credfile: %w: profile name %q is reserved (its keys would apply to every profile)", ErrInvalid, name)
	}
	for _, r := range name {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(NameSymbols, r)) {
			continue
		}
		if r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			continue
		}
		return fmt.Errorf("credfile: %w: profile name %q contains %q; use letters, digits and %s", ErrInvalid, name, r, NameSymbols)
	}
	return nil
}

// snapshot is the credentials file as read: its bytes and identity.
type snapshot struct {
	data []byte
	info fs.FileInfo // nil when the file does not exist
}

// readSnapshot reads the file at target without blocking on a FIFO or device:
// only a regular file of at most MaxFileSize bytes is read.
func readSnapshot(target string) (snapshot, error) {
	f, err := os.OpenFile(target, os.O_RDONLY|openNonblock, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return snapshot{}, nil
	}
	if err != nil {
		return snapshot{}, fmt.Errorf("credfile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return snapshot{}, fmt.Errorf("credfile: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return snapshot{}, fmt.Errorf("credfile: %s is not a regular file (%s)", target, fileKind(fi.Mode()))
	}
	if fi.Size() > MaxFileSize {
		return snapshot{}, fmt.Errorf("credfile: %s is larger than %d MiB", target, MaxFileSize>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return snapshot{}, fmt.Errorf("credfile: %w", err)
	}
	if len(data) > MaxFileSize {
		return snapshot{}, fmt.Errorf("credfile: %s is larger than %d MiB", target, MaxFileSize>>20)
	}
	return snapshot{data: data, info: fi}, nil
}

// fileKind names a non-regular file type for error messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// sameAs reports whether the file on disk is still exactly what s read: same
// file, size, modification time and bytes. Another writer that rewrites the file
// in place (the AWS CLI's `aws configure set` does, without our lock) changes
// at least the bytes or the modification time.
func (s snapshot) sameAs(target string) (bool, error) {
	now, err := readSnapshot(target)
	if err != nil {
		return false, err
	}
	switch {
	case (s.info == nil) != (now.info == nil):
		return false, nil
	case s.info == nil:
		return true, nil
	}
	return os.SameFile(s.info, now.info) && s.info.Size() == now.info.Size() &&
		s.info.ModTime().Equal(now.info.ModTime()) && bytes.Equal(s.data, now.data), nil
}

// check refuses to replace the file s read: read-only, or holding long-term
// keys in profile name.
func (s snapshot) check(target, name string) error {
	if s.info == nil {
		return nil
	}
	if perm := s.info.Mode().Perm(); perm&0o200 == 0 {
		return fmt.Errorf("credfile: %s is read-only (mode %04o): not replacing it; make it writable (chmod 600) to allow it", target, perm)
	}
	lines, err := splitLines(s.data)
	if err != nil {
		return nil // render reports it
	}
	if holdsLongTermKeys(lines, name) {
		return fmt.Errorf("credfile: %w: profile %q in %s has aws_access_key_id without aws_session_token", ErrLongTermKeys, name, target)
	}
	return nil
}

// CheckTarget reports, without changing anything, why WriteProfile would refuse
// to write profile name into the credentials file at path: an invalid name, a
// file that is not a regular file, too large or read-only, or a profile that
// holds long-term keys (ErrLongTermKeys). A missing file is fine.
func CheckTarget(path, name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	target, err := resolve(path)
	if err != nil {
		return err
	}
	s, err := readSnapshot(target)
	if err != nil {
		return err
	}
	return s.check(target, name)
}

// holdsLongTermKeys reports whether section name has an access key ID but no
// non-empty session token, and no marker of assume-role above its keys. Key
// names are compared in any letter case, as botocore and the Go SDK read them.
func holdsLongTermKeys(lines []line, name string) bool {
	in, access, token, ours := false, false, false, false
	for i, l := range lines {
		if isComment(l.text) {
			if in && strings.HasPrefix(strings.TrimSpace(l.text), marker) {
				ours = true
			}
			continue
		}
		if hn, _, ok := headerName(l.text, i == 0); ok {
			in = hn == name
			continue
		}
		if !in || isIndented(l.text) {
			continue
		}
		switch keyName(l.text) {
		case KeyAccessKeyID:
			access = true
		case KeySessionToken, KeySecurityToken:
			if keyValue(l.text) != "" {
				token = true
			}
		}
	}
	return access && !token && !ours
}

// keyValue returns the stripped value of a key line.
func keyValue(text string) string {
	if i := strings.IndexAny(text, "=:"); i >= 0 {
		return strings.TrimSpace(text[i+1:])
	}
	return ""
}
