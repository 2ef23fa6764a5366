package stsemu

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

func decodeBase32(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(s, "="))
}

// TOTP returns the RFC 6238 code (SHA-1, 30-second step, 6 digits) of a
// base32 secret at time t. Tests use it to drive devices that have a
// totp_secret.
func TOTP(secret string, t time.Time) (string, error) {
	key, err := decodeBase32(secret)
	if err != nil {
		return "", fmt.Errorf("totp: secret is not base32")
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(t.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", n%1000000), nil
}

// totpValid accepts the code of the current step and of one step either side.
func totpValid(secret, code string, now time.Time) bool {
	for _, d := range []time.Duration{0, -30 * time.Second, 30 * time.Second} {
		if c, err := TOTP(secret, now.Add(d)); err == nil && equalConst(c, code) {
			return true
		}
	}
	return false
}
