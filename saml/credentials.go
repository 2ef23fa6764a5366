package saml

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/assume-role/assume-role/internal/safefile"
	"strings"
)

// LoadCredentialsFile reads coinbase assume-role's ~/.saml/credentials file:
// lines "username = NAME" and "password = SECRET" (spaces around "=" are
// optional, keys are case-insensitive, a later line wins). Blank lines, lines
// starting with "#" or ";" and "[section]" lines are ignored, as are unknown
// keys. A value is the rest of the line with surrounding whitespace removed;
// "#" inside a value is kept, since passwords may contain it. A missing key
// yields "".
//
// path must already be resolved (no "~"). warn is non-empty when the file is
// readable by group or others, and tells how to fix it. Errors name the file
// and line number, never a value.
// maxCredentialsFile caps the SAML credentials file (a user name and a password).
const maxCredentialsFile = 64 << 10

func LoadCredentialsFile(path string) (user, password string, warn string, err error) {
	f, info, err := safefile.Open(path, maxCredentialsFile)
	if err != nil {
		return "", "", "", err
	}
	defer f.Close()
	if perm := info.Mode().Perm(); perm&0o044 != 0 {
		warn = fmt.Sprintf("%s holds a password but is readable by other users (mode %04o): run chmod 600 %s", path, perm, path)
	}

	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		text := strings.TrimSpace(string(line))
		if text == "" || text[0] == '#' || text[0] == ';' || text[0] == '[' {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return "", "", warn, fmt.Errorf("%s line %d: expected \"key = value\"", path, n)
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "username":
			user = strings.TrimSpace(value)
		case "password":
			password = strings.TrimSpace(value)
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", warn, fmt.Errorf("reading %s: %w", path, err)
	}
	return user, password, warn, nil
}
