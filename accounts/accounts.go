// Package accounts reads the account alias file (~/.aws/accounts): a JSON object that maps a
// short name to a 12-digit AWS account ID, as coinbase's assume-role defined it.
//
// IDs may be JSON strings or JSON numbers. Numbers are kept as their literal digits (never
// converted to floating point), so 012345678901 written as a string keeps its leading zero and a
// long number is never rounded.
package accounts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"unicode"

	"github.com/assume-role/assume-role/internal/safefile"
)

// isID is ^[0-9]{12}$ without a regular expression (compiling one cost a process start more
// than the rest of this package's work).
func isID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Accounts maps alias names to 12-digit account IDs.
type Accounts struct {
	byName map[string]string
	names  []string // sorted
}

// FormatError reports an account ID that is not 12 digits.
type FormatError struct{ Value string }

func (e *FormatError) Error() string {
	return fmt.Sprintf("account_id %q is incorrectly formatted AWS account id", e.Value)
}

// ValidateID checks that s is a 12-digit account ID.
func ValidateID(s string) error {
	if !isID(s) {
		return &FormatError{Value: s}
	}
	return nil
}

// IsID reports whether s looks like an account ID (12 digits).
func IsID(s string) bool { return isID(s) }

// MaxFileSize caps the alias file: a few thousand aliases fit in a few hundred kilobytes.
const MaxFileSize = 1 << 20

// Load reads the alias file at path, a regular file of at most MaxFileSize bytes. A missing file is not an error: it yields no aliases.
func Load(path string) (*Accounts, error) {
	data, err := safefile.Read(path, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return &Accounts{byName: map[string]string{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading account aliases: %w", err)
	}
	a, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("account aliases in %s: %w", path, err)
	}
	return a, nil
}

// MaxAliasLen is the longest alias accepted, in bytes: the alias is exported as AWS_ACCOUNT_NAME
// and shown in prompts, so an enormous one would break every later command of the shell.
const MaxAliasLen = 128

// lineOf is the 1-based line of byte offset off in data.
func lineOf(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// Parse decodes the JSON alias object. Each value must be a string or a number of digits; each
// alias at most MaxAliasLen bytes without control characters. A UTF-8 byte order mark is skipped;
// anything after the object, or a null, is refused.
func Parse(data []byte) (*Accounts, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("line %d: not a JSON object of alias to account ID: %v", lineOf(data, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("line %d: not a JSON object of alias to account ID (found a JSON %s)", lineOf(data, te.Offset), te.Value)
		}
		return nil, fmt.Errorf("not a JSON object of alias to account ID: %v", err)
	}
	if raw == nil {
		return nil, errors.New("not a JSON object of alias to account ID (found null)")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("line %d: unexpected data after the JSON object", lineOf(data, dec.InputOffset()))
	}
	a := &Accounts{byName: make(map[string]string, len(raw))}
	for name, v := range raw {
		if len(name) > MaxAliasLen {
			return nil, fmt.Errorf("alias %.40q…: longer than %d bytes", name, MaxAliasLen)
		}
		if name == "" || strings.IndexFunc(name, unicode.IsControl) >= 0 {
			return nil, fmt.Errorf("alias %q: empty or contains control characters", name)
		}
		var id string
		switch t := v.(type) {
		case string:
			id = strings.TrimSpace(t)
		case json.Number:
			id = t.String()
		default:
			return nil, fmt.Errorf("alias %q: account ID must be a string or a number", name)
		}
		a.byName[name] = id
		a.names = append(a.names, name)
	}
	sort.Strings(a.names)
	return a, nil
}

// Names returns the aliases, sorted.
func (a *Accounts) Names() []string { return append([]string(nil), a.names...) }

// Lookup returns the ID for an alias.
func (a *Accounts) Lookup(name string) (string, bool) {
	id, ok := a.byName[name]
	return id, ok
}

// NameFor returns the first alias (sorted) that maps to id, or "".
func (a *Accounts) NameFor(id string) string {
	for _, n := range a.names {
		if a.byName[n] == id {
			return n
		}
	}
	return ""
}

// Resolve turns an alias or an account ID into (id, display name). A 12-digit value that is not an
// alias is taken as an ID; anything else that is not an alias fails with the coinbase message.
func (a *Accounts) Resolve(v string) (id, name string, err error) {
	if mapped, ok := a.byName[v]; ok {
		if err := ValidateID(mapped); err != nil {
			return "", "", err
		}
		return mapped, v, nil
	}
	if err := ValidateID(v); err != nil {
		return "", "", err
	}
	if n := a.NameFor(v); n != "" {
		return v, n, nil
	}
	return v, v, nil
}
