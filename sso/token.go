package sso

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/assume-role/assume-role/internal/atomicfile"
)

// Token is the AWS CLI's token file (botocore and the Go SDK read the same fields).
type Token struct {
	StartURL              string `json:"startUrl,omitempty"`
	Region                string `json:"region,omitempty"`
	AccessToken           string `json:"accessToken"`
	ExpiresAt             string `json:"expiresAt"`
	ClientID              string `json:"clientId,omitempty"`
	ClientSecret          string `json:"clientSecret,omitempty"`
	RegistrationExpiresAt string `json:"registrationExpiresAt,omitempty"`
	RefreshToken          string `json:"refreshToken,omitempty"`
}

// String never shows secrets.
func (t Token) String() string {
	return "sso.Token{StartURL:" + t.StartURL + ", ExpiresAt:" + t.ExpiresAt + "}"
}

// GoString never shows secrets.
func (t Token) GoString() string { return t.String() }

// Expires parses ExpiresAt (RFC 3339; the AWS CLI also wrote "…UTC" once).
func (t *Token) Expires() time.Time { return parseTime(t.ExpiresAt) }

func parseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05Z0700"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v
		}
	}
	return time.Time{}
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// canRefresh tells whether the token holds a refresh token of a client registration that is
// still valid.
func (t *Token) canRefresh(now time.Time) bool {
	return t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" && parseTime(t.RegistrationExpiresAt).After(now)
}

// ReadToken reads a token file; (nil, nil) when there is none.
func ReadToken(path string) (*Token, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var t Token
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s is not a token file", path)
	}
	return &t, nil
}

// WriteToken writes a token file atomically, 0600 in a 0700 directory.
func WriteToken(path string, t *Token) error {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(data, '\n'))
}

// writeAtomic replaces path with data: a 0600 temporary file in the same directory, fsync,
// rename.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(path, data)
}
