package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/internal/stsemu/stsemutest"
)

const (
	aliceKey    = "AKIAEXAMPLEALICE0001"
	aliceSecret = "aliceEMULATORsecretKEYdoNOTuse0000000001"
	aliceMFA    = "arn:aws:iam::111111111111:mfa/alice"
)

// injected is a program's own environment and files: nothing comes from the process environment.
func injected(t *testing.T, url string, extra map[string]string) func(string) string {
	home := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(home, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(".aws/credentials", fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", aliceKey, aliceSecret))
	write(".aws/config", "[default]\nregion = eu-west-1\n")
	write(".aws/accounts", `{"prod": "222222222222"}`)
	env := map[string]string{"HOME": home, "AWS_ENDPOINT_URL_STS": url, "AWS_ENDPOINT_URL_IAM": url}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// TestLibraryResolvesFromInjectedEnvironment: a Go program resolves and assumes `prod read` with only
// the files and environment it gives the engine.
func TestLibraryResolvesFromInjectedEnvironment(t *testing.T) {
	// Poison the process environment: none of it may be used.
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_PROFILE", "nonexistent")
	t.Setenv("AWS_REGION", "ap-south-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAPROCESSENV000000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "processEnvSecret")
	srv, url := stsemutest.Start(t, nil)
	eng := engine.New(engine.Options{Getenv: injected(t, url, nil)})
	p, err := eng.Resolve(context.Background(), engine.Request{Account: "prod", Role: "read"})
	if err != nil {
		t.Fatal(err)
	}
	if p.RoleARN != "arn:aws:iam::222222222222:role/read" || p.AccountName != "prod" || p.Region != "eu-west-1" ||
		p.Source.Kind != engine.SourceKeys || p.Source.AccessKeyID != aliceKey || p.Source.Profile != "default" {
		t.Fatalf("plan: %+v", p)
	}
	if n := len(srv.Log()); n != 0 {
		t.Fatalf("resolving made %d calls", n)
	}
	res, err := eng.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.AssumedRoleARN != "arn:aws:sts::222222222222:assumed-role/read/alice" {
		t.Fatalf("assumed %s", res.AssumedRoleARN)
	}
}

// TestCodeIsSentOnce: a refreshing provider started with the MFA code that made the session never
// sends it again (STS accepts a code once); later refreshes use the cached MFA session.
func TestCodeIsSentOnce(t *testing.T) {
	srv, url := stsemutest.Start(t, func(sc *stsemu.Scenario) {})
	getenv := injected(t, url, nil)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c, err := cache.Open(cache.Options{Backend: "file", Dir: filepath.Join(getenv("HOME"), "cache"), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(engine.Options{Getenv: getenv, Now: clock, Cache: c})
	req := engine.Request{RoleARN: "arn:aws:iam::222222222222:role/read", SerialNumber: aliceMFA, TokenCode: "123456"}
	if _, err := eng.Assume(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	prov := eng.Provider(req, 5*time.Minute)
	if _, err := prov.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The role's hour is over; the 12-hour MFA session is not.
	mu.Lock()
	now = now.Add(58 * time.Minute)
	mu.Unlock()
	if _, err := prov.Retrieve(context.Background()); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	codes := 0
	for _, l := range srv.Log() {
		if l.Params["TokenCode"] != "" {
			codes++
		}
		if l.ErrorCode != "" {
			t.Errorf("%s failed: %s", l.Action, l.ErrorCode)
		}
	}
	if codes != 1 {
		t.Fatalf("the MFA code was sent %d times", codes)
	}
}
