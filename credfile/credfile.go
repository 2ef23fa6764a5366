// Package credfile writes one profile's temporary credentials into an AWS shared
// credentials file (~/.aws/credentials) without disturbing anything else in it.
//
// The file is edited as text, line by line: only the lines of the target
// profile that carry credentials are replaced, and every other byte (other
// profiles, comments, blank lines, spacing, CRLF line endings, a missing final
// newline) is kept. The result is checked to parse and to read back before it
// atomically replaces the file, under a lock shared with other writers.
package credfile

import (
	"errors"
	"fmt"
	"time"
)

// Profile is the content written into a profile's section.
type Profile struct {
	// AccessKeyID and SecretAccessKey are required.
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is written as aws_session_token; when empty, any session
	// token the section had is removed.
	SessionToken string
	// Expiration, when set, is recorded in a "# written by assume-role, expires
	// <RFC3339>" comment and in x_security_token_expires (a key the SDKs ignore
	// but other tools read).
	Expiration time.Time
	// Region, when set, replaces the section's region key; when empty the
	// section's region (if any) is kept.
	Region string
}

// Keys WriteProfile owns inside the target section. Existing lines with these
// keys (in any letter case, with their continuation lines) are replaced; all
// other keys of the section, such as region or output, are kept in place.
const (
	KeyAccessKeyID     = "aws_access_key_id"
	KeySecretAccessKey = "aws_secret_access_key"
	KeySessionToken    = "aws_session_token"
	KeySecurityToken   = "aws_security_token" // legacy alias of aws_session_token; always removed
	KeyExpires         = "x_security_token_expires"
	KeyRegion          = "region" // owned only when Profile.Region is set
)

// marker starts the comment line WriteProfile puts above the credentials.
const marker = "# written by assume-role"

// ErrInvalid is wrapped by errors about an invalid profile name or value, which
// WriteProfile reports before touching the file system.
var ErrInvalid = errors.New("invalid profile")

// validate checks name and values before anything touches the file. Errors
// name the offending field, never its value.
func validate(name string, p Profile) error {
	if err := ValidName(name); err != nil {
		return err
	}
	fields := []struct {
		field, value string
		required     bool
	}{
		{"access key ID", p.AccessKeyID, true},
		{"secret access key", p.SecretAccessKey, true},
		{"session token", p.SessionToken, false},
		{"region", p.Region, false},
	}
	for _, f := range fields {
		if f.required && f.value == "" {
			return fmt.Errorf("credfile: %w: empty %s", ErrInvalid, f.field)
		}
		for i := 0; i < len(f.value); i++ {
			if c := f.value[i]; c <= ' ' || c == 0x7f {
				return fmt.Errorf("credfile: %w: %s contains whitespace or a control character", ErrInvalid, f.field)
			}
		}
	}
	return nil
}

// entries returns the key/value pairs written for p, in file order.
func entries(p Profile) [][2]string {
	kv := [][2]string{
		{KeyAccessKeyID, p.AccessKeyID},
		{KeySecretAccessKey, p.SecretAccessKey},
	}
	if p.SessionToken != "" {
		kv = append(kv, [2]string{KeySessionToken, p.SessionToken})
	}
	if !p.Expiration.IsZero() {
		kv = append(kv, [2]string{KeyExpires, formatTime(p.Expiration)})
	}
	if p.Region != "" {
		kv = append(kv, [2]string{KeyRegion, p.Region})
	}
	return kv
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
