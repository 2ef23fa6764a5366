package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/internal/stsemu/stsemutest"
	"github.com/aws/aws-sdk-go-v2/aws"
)

type fakeKeys struct{ reads int }

func (f *fakeKeys) Stored(profile string) (string, bool) { return aliceKey, profile == "vault" }

func (f *fakeKeys) Keys(context.Context, string) (aws.Credentials, error) {
	f.reads++
	return aws.Credentials{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}, nil
}

// TestStoredKeysAreTheSource: a profile whose keys are in the key store plans them as its source
// keys without reading the secret (nor running the credential_process line add wrote for other
// tools), and reads it only when it signs.
func TestStoredKeysAreTheSource(t *testing.T) {
	srv, url := stsemutest.Start(t, nil)
	getenv := injected(t, url, nil)
	cfg := filepath.Join(getenv("HOME"), ".aws", "config")
	if err := os.WriteFile(cfg, []byte("[profile vault]\ncredential_process = /nonexistent/assume-role credential-process -p vault\n\n[profile r]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = vault\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(getenv("HOME"), ".aws", "credentials"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	keys := &fakeKeys{}
	eng := engine.New(engine.Options{Getenv: getenv, Keys: keys})
	p, err := eng.Resolve(context.Background(), engine.Request{Profile: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Source.Kind != engine.SourceKeys || !p.Source.LongTerm || p.Source.AccessKeyID != aliceKey || p.Source.File != "keyring" || keys.reads != 0 {
		t.Fatalf("source %+v, %d reads", p.Source, keys.reads)
	}
	if _, err := eng.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if keys.reads != 1 {
		t.Fatalf("%d reads", keys.reads)
	}
	log := srv.Log()
	if last := log[len(log)-1]; last.Action != "AssumeRole" || last.AccessKeyID != aliceKey {
		t.Fatalf("%+v", last)
	}
}
