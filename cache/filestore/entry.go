package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/assume-role/assume-role/internal/jsonobj"
)

// EntryVersion is the version of the serialised [Entry]; entries of any other
// version are ignored and replaced.
const EntryVersion = 1

// Entry kinds.
const (
	KindSession = "session" // from sts:GetSessionToken
	KindRole    = "role"    // from sts:AssumeRole (or a variant)
	// KindAssertion holds a SAML assertion (Secret) until its NotOnOrAfter.
	KindAssertion = "saml-assertion"
	// KindPassword holds an identity provider password (Secret) the user asked to remember.
	KindPassword = "password"
)

// Entry is what is cached: temporary credentials and non-secret metadata.
// Its String and GoString methods redact the secrets, so printing an Entry
// with any fmt verb is safe.
type Entry struct {
	// Version is EntryVersion; Put sets it.
	Version         int       `json:"Version"`
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken"`
	Expiration      time.Time `json:"Expiration"`

	// Kind is KindSession or KindRole.
	Kind string `json:"Kind"`
	// Label describes the entry for `assume-role cache list`, e.g.
	// "arn:aws:iam::222222222222:role/read via alice".
	Label     string `json:"Label,omitempty"`
	AccountID string `json:"AccountId,omitempty"`
	Arn       string `json:"Arn,omitempty"`
	// AssumedRoleID is AROA…:session for role credentials.
	AssumedRoleID  string `json:"AssumedRoleId,omitempty"`
	SourceIdentity string `json:"SourceIdentity,omitempty"`
	// MFA tells whether the credentials were obtained with MFA.
	MFA bool `json:"MFA,omitempty"`
	// Created is when the credentials were obtained; Put defaults it to now.
	Created time.Time `json:"Created"`
	// Secret is the payload of the KindAssertion and KindPassword entries, which
	// hold no credentials.
	Secret string `json:"Secret,omitempty"`
}

// String describes the entry without its secret key and session token.
func (e Entry) String() string {
	return fmt.Sprintf("cache.Entry{Kind:%q Label:%q AccessKeyID:%q SecretAccessKey:[redacted] SessionToken:[redacted] Expiration:%s}",
		e.Kind, e.Label, e.AccessKeyID, e.Expiration.Format(time.RFC3339))
}

// GoString is String, so that %#v redacts the secrets too.
func (e Entry) GoString() string { return e.String() }

// Check reports what makes e unusable, without quoting any secret.
func Check(e *Entry) error {
	switch {
	case e == nil:
		return errors.New("no entry")
	case e.Kind == KindAssertion || e.Kind == KindPassword:
		if e.Secret == "" || e.Expiration.IsZero() {
			return errors.New("secret entry without secret or expiration")
		}
		return nil
	case e.AccessKeyID == "":
		return errors.New("entry has no access key id")
	case e.SecretAccessKey == "":
		return errors.New("entry has no secret access key")
	case e.SessionToken == "":
		return errors.New("entry has no session token (only temporary credentials are cached)")
	case e.Expiration.IsZero():
		return errors.New("entry has no expiration")
	case e.Kind == "":
		return errors.New("entry has no kind")
	}
	return nil
}

// record is the stored form of an entry: the entry plus the id it was stored
// under, so that data copied or planted under another id is not trusted.
type record struct {
	Entry
	KeyID string `json:"KeyId"`
}

// Decode parses and checks data stored for id: it must be a record of
// EntryVersion stored under id (its KeyId), passing Check. Its errors never
// quote the data.
func Decode(id string, data []byte) (*Entry, error) {
	// jsonobj rather than json.Unmarshal into record: the front (internal/fastpath) decodes
	// entries in every cached switch, and struct decoding's one-time reflection would be most of
	// its work. TestDecodeReadsEveryField keeps the two in step.
	r, err := jsonobj.Parse(data)
	if err != nil {
		return nil, errors.New("not a cache entry") // never quote the data: it holds secrets
	}
	e := Entry{
		Version: r.SmallInt("Version"), AccessKeyID: r.String("AccessKeyId"), SecretAccessKey: r.String("SecretAccessKey"),
		SessionToken: r.String("SessionToken"), Expiration: r.Time("Expiration"), Kind: r.String("Kind"),
		Label: r.String("Label"), AccountID: r.String("AccountId"), Arn: r.String("Arn"),
		AssumedRoleID: r.String("AssumedRoleId"), SourceIdentity: r.String("SourceIdentity"), MFA: r.Bool("MFA"),
		Created: r.Time("Created"), Secret: r.String("Secret"),
	}
	keyID := r.String("KeyId")
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("not a cache entry: %w", err)
	}
	if e.Version != EntryVersion {
		return nil, fmt.Errorf("entry version %d, want %d", e.Version, EntryVersion)
	}
	if keyID != id {
		return nil, errors.New("entry belongs to another key")
	}
	if err := Check(&e); err != nil {
		return nil, err
	}
	return &e, nil
}

// Encode serialises e as stored under id (the record Decode reads). It stores
// e as it is: the caller sets Version and Created, and checks e.
func Encode(id string, e *Entry) ([]byte, error) {
	data, err := json.Marshal(&record{Entry: *e, KeyID: id})
	if err != nil {
		return nil, errors.New("cache: encoding entry failed")
	}
	return data, nil
}

// Key identifies what was asked for: everything that changes the result of
// the STS call (source identity, role ARN, session name, duration, external
// id, MFA serial, policies, tags, region, endpoint, ...). Fields must not
// contain secrets nor one-time values such as MFA codes; a field with an
// empty value is the same as an absent one.
type Key struct {
	Kind   string
	Fields map[string]string
}

// keyIDVersion changes every ID when the key derivation changes.
const keyIDVersion = 1

// ID returns the key's stable identifier: the hex SHA-256 of the key's
// canonical JSON (map keys sorted, empty values dropped). It reveals nothing
// about the fields.
func (k Key) ID() string {
	fields := make(map[string]string, len(k.Fields))
	for name, v := range k.Fields {
		if v != "" {
			fields[name] = v
		}
	}
	canonical, err := json.Marshal(struct {
		V      int               `json:"v"`
		Kind   string            `json:"kind"`
		Fields map[string]string `json:"fields"`
	}{keyIDVersion, k.Kind, fields})
	if err != nil { // cannot happen: strings always marshal
		panic("cache: marshalling key: " + err.Error())
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}
