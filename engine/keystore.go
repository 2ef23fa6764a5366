package engine

import (
	"context"
	"fmt"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// KeyStore holds IAM users' long-term access keys outside the plaintext credentials file, by
// profile (assume-role add keeps them in the OS keyring). A profile with stored keys has them as
// its source keys, ahead of any keys in the shared files. The profile must still exist in the
// shared config with a credential setting when a role profile names it as source_profile (the
// SDK refuses one without); assume-role add writes a credential_process line for it, which the
// engine never runs.
type KeyStore interface {
	// Stored tells, without reading a secret (no keyring access, no prompt), whether keys are
	// stored for profile, and their access key ID.
	Stored(profile string) (accessKeyID string, ok bool)
	// Keys reads a profile's keys (this may open the keyring and ask for its passphrase).
	Keys(ctx context.Context, profile string) (aws.Credentials, error)
}

// storedSource is the source of a profile whose keys are in the key store.
func (e *Engine) storedSource(profile, from string) (Source, bool) {
	if e.keys == nil {
		return Source{}, false
	}
	id, ok := e.keys.Stored(profile)
	if !ok {
		return Source{}, false
	}
	return Source{Kind: SourceKeys, Profile: profile, Origin: from, File: "keyring", AccessKeyID: id, LongTerm: true,
		Label: fmt.Sprintf("keys %s of profile %q in the keyring", id, profile), descriptor: "key:" + id, stored: true}, true
}

// sourceKeys returns the keys of a SourceKeys: in hand, or read from the key store.
func (e *Engine) sourceKeys(ctx context.Context, src *Source) (aws.Credentials, error) {
	if !src.stored {
		return *src.static, nil
	}
	c, err := e.keys.Keys(ctx, src.Profile)
	if err != nil {
		if problem.As(err) != nil {
			return aws.Credentials{}, err
		}
		return aws.Credentials{}, problem.Wrap(problem.NoCredentials, err, "cannot read the keys of profile %q from the keyring: %s", src.Profile, oneLine(err)).
			WithHint("check the keyring (assume-role list), or store the keys again with: assume-role add %s", src.Profile)
	}
	return c, nil
}
