package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/internal/cli"
	"github.com/assume-role/assume-role/internal/stsemu"
	"github.com/assume-role/assume-role/internal/stsemu/stsemutest"
	"github.com/assume-role/assume-role/shellenv"
)

// Demo identities from testdata/emulator/demo.json (emulator-only keys).
const (
	aliceKey    = "AKIAEXAMPLEALICE0001"
	aliceSecret = "aliceEMULATORsecretKEYdoNOTuse0000000001"
	prodRead    = "arn:aws:iam::222222222222:role/read"
)

// world is an in-process emulator and a throwaway home whose [default] profile holds alice's keys.
type world struct {
	srv *stsemu.Server
	env map[string]string
}

func newWorld(b *testing.B) *world {
	b.Helper()
	srv, url := stsemutest.Start(b, nil)
	home := b.TempDir()
	aws := filepath.Join(home, ".aws")
	if err := os.Mkdir(aws, 0o700); err != nil {
		b.Fatal(err)
	}
	files := map[string]string{
		"credentials": fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", aliceKey, aliceSecret),
		"config":      "[default]\nregion = us-east-1\n",
		"accounts":    `{"prod": "222222222222", "staging": "333333333333"}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(aws, name), []byte(content), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	// The engine reads the environment through Getenv (this map); the SDK reads endpoint settings
	// from the process environment, so point those at the emulator too: nothing may reach AWS.
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM"} {
		b.Setenv(k, url)
	}
	b.Setenv("AWS_ENDPOINT_URL", "")
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return &world{srv: srv, env: map[string]string{
		"HOME":                        home,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL_STS":        url,
		"AWS_ENDPOINT_URL_IAM":        url,
		"AWS_CONFIG_FILE":             filepath.Join(aws, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(aws, "credentials"),
		"ASSUME_ROLE_CACHE_DIR":       filepath.Join(home, ".cache", "assume-role"),
		"ASSUME_ROLE_CACHE_BACKEND":   cache.BackendFile,
		"ASSUME_ROLE_NO_INPUT":        "1",
	}}
}

func (w *world) getenv(k string) string { return w.env[k] }

func (w *world) environ() []string {
	out := make([]string, 0, len(w.env))
	for k, v := range w.env {
		out = append(out, k+"="+v)
	}
	return out
}

// calls counts the emulator's requests and fails on any that returned an error.
func (w *world) calls(b *testing.B) int {
	b.Helper()
	log := w.srv.Log()
	for _, e := range log {
		if e.ErrorCode != "" {
			b.Fatalf("the emulator answered %s with %s", e.Action, e.ErrorCode)
		}
	}
	return len(log)
}

func (w *world) fileCache(b *testing.B) *cache.Cache {
	b.Helper()
	c, err := cache.Open(cache.Options{Backend: cache.BackendFile, Dir: w.env["ASSUME_ROLE_CACHE_DIR"]})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCachedAssume measures Engine.Assume served from a file cache entry: resolve the source
// from the shared files, derive the key, read and check the entry. It must make no STS call.
func BenchmarkCachedAssume(b *testing.B) {
	w := newWorld(b)
	eng := engine.New(engine.Options{Getenv: w.getenv, Cache: w.fileCache(b)})
	req := engine.Request{RoleARN: prodRead}
	ctx := context.Background()
	res, err := eng.Assume(ctx, req) // populates the cache entry
	if err != nil {
		b.Fatal(err)
	}
	if res.Cached {
		b.Fatal("the first assume was served from an empty cache")
	}
	before := w.calls(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := eng.Assume(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if !res.Cached {
			b.Fatal("cache miss on the cached path")
		}
	}
	if n := w.calls(b) - before; n != 0 {
		b.Fatalf("the cached path made %d emulator call(s)", n)
	}
}

// BenchmarkUncachedAssume measures Engine.Assume without a cache against the in-process emulator:
// SDK configuration, GetCallerIdentity (for the session name) and AssumeRole over loopback HTTP.
func BenchmarkUncachedAssume(b *testing.B) {
	w := newWorld(b)
	eng := engine.New(engine.Options{Getenv: w.getenv})
	req := engine.Request{RoleARN: prodRead, NoCache: true}
	ctx := context.Background()
	before := w.calls(b)
	iterations := 0
	b.ReportAllocs()
	for b.Loop() {
		res, err := eng.Assume(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if res.Cached || res.Credentials.SessionToken == "" {
			b.Fatal("no fresh credentials")
		}
		iterations++
	}
	if n := w.calls(b) - before; n != 2*iterations {
		b.Fatalf("%d emulator calls for %d assumes, want GetCallerIdentity + AssumeRole each", n, iterations)
	}
}

// BenchmarkCLICachedSwitch measures the whole command line in process (flag parsing, accounts
// file, engine, cache hit, bash rendering): the cached switch minus process start-up.
func BenchmarkCLICachedSwitch(b *testing.B) {
	w := newWorld(b)
	var out, errb bytes.Buffer
	sio := &cli.IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: w.getenv, Environ: w.environ,
		Now: time.Now, Executable: "assume-role"}
	args := []string{"prod", "read", "-o", "bash"}
	ctx := context.Background()
	if code := cli.Main(ctx, args, sio); code != 0 { // populates the cache
		b.Fatalf("exit %d: %s", code, errb.String())
	}
	before := w.calls(b)
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if code := cli.Main(ctx, args, sio); code != 0 {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
		if !strings.Contains(out.String(), "export AWS_SESSION_TOKEN=") {
			b.Fatal("no exports on stdout")
		}
	}
	if n := w.calls(b) - before; n != 0 {
		b.Fatalf("the cached switch made %d emulator call(s)", n)
	}
}

// BenchmarkRenderBash measures shellenv.Render of a full switch's exports.
func BenchmarkRenderBash(b *testing.B) {
	token := strings.Repeat("IQoJb3JpZ2luX2VjEXAMPLEtokenNOTaSECRET+/=", 20) // typical ~800-byte token
	vars := []shellenv.Var{
		{Name: "AWS_ACCESS_KEY_ID", Value: "ASIAEXAMPLEEXAMPLE01"},
		{Name: "AWS_SECRET_ACCESS_KEY", Value: "exampleEXAMPLEexampleEXAMPLEexample00000"},
		{Name: "AWS_SESSION_TOKEN", Value: token},
		{Name: "AWS_SECURITY_TOKEN", Value: token},
		{Name: "AWS_CREDENTIAL_EXPIRATION", Value: "2026-11-20T12:00:00Z"},
		{Name: "AWS_REGION", Value: "us-east-1"},
		{Name: "AWS_DEFAULT_REGION", Value: "us-east-1"},
		{Name: "AWS_ACCOUNT_ID", Value: "222222222222"},
		{Name: "AWS_ACCOUNT_NAME", Value: "prod"},
		{Name: "AWS_ACCOUNT_ROLE", Value: "read"},
	}
	unset := []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}
	b.ReportAllocs()
	for b.Loop() {
		if err := shellenv.Render(io.Discard, shellenv.Bash, vars, unset); err != nil {
			b.Fatal(err)
		}
	}
}
