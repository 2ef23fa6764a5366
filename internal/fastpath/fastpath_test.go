package fastpath

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/cache/filestore"
	"github.com/assume-role/assume-role/internal/credout"
	"github.com/assume-role/assume-role/shellenv"
)

var t0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

const secret = "SECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"

// fixture is one recorded run: a cache with an entry, an engine file, the shared files.
type fixture struct {
	t        *testing.T
	home     string
	cacheDir string
	in       Input
	rec      *Record
	printed  []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	home := t.TempDir()
	f := &fixture{t: t, home: home, cacheDir: filepath.Join(home, "cache")}
	engine := filepath.Join(home, EngineName)
	write(t, engine, "engine v1")
	config := filepath.Join(home, "config")
	write(t, config, "[default]\nregion = us-east-1\n")
	f.in = Input{Args: []string{"prod", "read", "-o", "bash"}, Engine: engine, Environ: []string{
		"HOME=" + home, "PATH=/usr/bin", "AWS_CONFIG_FILE=" + config, "ASSUME_ROLE_CACHE_DIR=" + f.cacheDir, "TERM=xterm",
	}}
	id := filestore.Key{Kind: filestore.KindRole, Fields: map[string]string{"role": "prod/read"}}.ID()
	miss := filestore.Key{Kind: filestore.KindSession, Fields: map[string]string{"source": "alice"}}.ID()
	f.putEntry(id, t0.Add(time.Hour))
	f.rec = &Record{Entry: id, Margin: 5 * time.Minute, Format: "bash",
		Files:   []FileDep{{Path: config, SHA256: mustHash(t, config)}, {Path: filepath.Join(home, "accounts")}},
		Lookups: []Lookup{{ID: miss, Margin: 5 * time.Minute}, {ID: id, Margin: 5 * time.Minute, Hit: true}},
		Facts:   Facts{AccountID: "222222222222", RoleName: "read", Region: "us-east-1", Ambient: "profile:default", AccountLabel: "prod", RoleLabel: "read"}}
	var b bytes.Buffer
	e, _ := filestore.Lookup(f.cacheDir, id, 0, t0)
	if err := credout.Render(&b, "bash", &credout.Result{
		Credentials: credout.Credentials{AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey, SessionToken: e.SessionToken,
			CanExpire: true, Expires: e.Expiration, AccountID: e.AccountID},
		AssumedRoleARN: e.Arn, AssumedRoleID: e.AssumedRoleID, AccountID: "222222222222", RoleName: "read",
		Region: "us-east-1", Ambient: "profile:default"}, "prod", "read"); err != nil {
		t.Fatal(err)
	}
	f.printed = b.Bytes()
	if err := Save(f.cacheDir, &f.in, f.rec, f.printed, t0); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return f
}

func (f *fixture) putEntry(id string, exp time.Time) {
	f.t.Helper()
	s, err := filestore.New(filestore.CredsDir(f.cacheDir), os.Geteuid())
	if err != nil {
		f.t.Fatal(err)
	}
	data, err := filestore.Encode(id, &filestore.Entry{Version: filestore.EntryVersion, AccessKeyID: "ASIAEXAMPLEPROD", SecretAccessKey: secret,
		SessionToken: "TOKEN" + secret, Expiration: exp, Kind: filestore.KindRole, AccountID: "222222222222",
		Arn: "arn:aws:sts::222222222222:assumed-role/read/alice", AssumedRoleID: "AROAEXAMPLE:alice", Created: t0})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := s.Put(id, data); err != nil {
		f.t.Fatal(err)
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustHash(t *testing.T, path string) string {
	t.Helper()
	s, err := HashFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serve runs the front on in at now; it returns stdout, stderr (explained) and whether it served.
func (f *fixture) serve(in Input, now time.Time) (string, string, bool) {
	var out, errb bytes.Buffer
	in.Environ = append(append([]string(nil), in.Environ...), EnvMode+"="+ModeExplain)
	served, code := Serve(&Front{Input: in, Stdout: &out, Stderr: &errb, Now: now})
	if served && code != 0 {
		f.t.Fatalf("served with exit %d: %s", code, errb.String())
	}
	if !served && out.Len() > 0 {
		f.t.Fatalf("not served but wrote %q", out.String())
	}
	if strings.Contains(errb.String(), secret) {
		f.t.Fatal("a secret on stderr")
	}
	return out.String(), errb.String(), served
}

func TestServesTheRecordedBytes(t *testing.T) {
	f := newFixture(t)
	out, msg, ok := f.serve(f.in, t0.Add(time.Minute))
	if !ok || out != string(f.printed) {
		t.Fatalf("served=%v %q\nwant %q (%s)", ok, out, f.printed, msg)
	}
	// Variables the digest does not cover, and the value of the shell function's file, do not matter.
	in := f.in
	in.Environ = append(append([]string(nil), in.Environ...), "LANG=C", "EDITOR=vi")
	if _, msg, ok := f.serve(in, t0); !ok {
		t.Fatalf("an uncovered variable changed the digest: %s", msg)
	}
}

func TestEveryInputIsChecked(t *testing.T) {
	f := newFixture(t)
	with := func(edit func(*Input)) Input {
		in := f.in
		in.Args = append([]string(nil), f.in.Args...)
		in.Environ = append([]string(nil), f.in.Environ...)
		edit(&in)
		return in
	}
	cases := map[string]Input{
		"another argument":        with(func(in *Input) { in.Args[1] = "admin" }),
		"arguments reordered":     with(func(in *Input) { in.Args = []string{"-o", "bash", "prod", "read"} }),
		"an argument split":       with(func(in *Input) { in.Args = []string{"prod", "read", "-o", "ba", "sh"} }),
		"a covered variable":      with(func(in *Input) { in.Environ = append(in.Environ, "AWS_PROFILE=other") }),
		"a covered value":         with(func(in *Input) { in.Environ[0] = "HOME=/elsewhere" }),
		"our own variable":        with(func(in *Input) { in.Environ = append(in.Environ, "ASSUME_ROLE_SOURCE=env") }),
		"the shell function file": with(func(in *Input) { in.Environ = append(in.Environ, shellenv.CodeFileEnvVar+"=/tmp/x") }),
		"stdout is a terminal":    with(func(in *Input) { in.TTY[1] = true }),
		"a duplicated variable":   with(func(in *Input) { in.Environ = append(in.Environ, in.Environ[0]) }),
	}
	for name, in := range cases {
		if _, msg, ok := f.serve(in, t0); ok {
			t.Errorf("%s: served (%s)", name, msg)
		}
	}
	if _, _, ok := f.serve(f.in, t0); !ok {
		t.Fatal("the unchanged input is not served")
	}
}

func TestDependenciesAreChecked(t *testing.T) {
	for name, change := range map[string]func(f *fixture) time.Time{
		"config changed": func(f *fixture) time.Time {
			write(f.t, f.rec.Files[0].Path, "[default]\nregion = eu-west-1\n")
			return t0
		},
		"config removed":      func(f *fixture) time.Time { os.Remove(f.rec.Files[0].Path); return t0 },
		"accounts appeared":   func(f *fixture) time.Time { write(f.t, f.rec.Files[1].Path, "{}"); return t0 },
		"a miss became a hit": func(f *fixture) time.Time { f.putEntry(f.rec.Lookups[0].ID, t0.Add(time.Hour)); return t0 },
		"inside the margin":   func(f *fixture) time.Time { return t0.Add(56 * time.Minute) },
		"entry gone": func(f *fixture) time.Time {
			os.Remove(filepath.Join(filestore.CredsDir(f.cacheDir), f.rec.Entry+".json"))
			return t0
		},
		"engine replaced": func(f *fixture) time.Time { write(f.t, f.in.Engine, "engine v2, longer"); return t0 },
		"engine removed":  func(f *fixture) time.Time { os.Remove(f.in.Engine); return t0 },
		"key removed":     func(f *fixture) time.Time { os.Remove(filepath.Join(Dir(f.cacheDir), keyID+".json")); return t0 },
		"records folder open to others": func(f *fixture) time.Time {
			if !filestore.CheckPerms {
				f.t.Skip("no Unix permissions")
			}
			os.Chmod(Dir(f.cacheDir), 0o755)
			return t0
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			now := change(f)
			if _, msg, ok := f.serve(f.in, now); ok {
				t.Fatalf("served after %s (%s)", name, msg)
			}
		})
	}
}

// A record planted under another digest, or edited, is not used.
func TestForeignRecordsAreIgnored(t *testing.T) {
	f := newFixture(t)
	s, _ := store(f.cacheDir)
	key, _ := readKey(s)
	digest, _ := f.in.Digest(key)
	other := f.in
	other.Args = []string{"prod", "admin", "-o", "bash"}
	otherDigest, _ := other.Digest(key)
	data, err := s.Get(digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(otherDigest, data); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := f.serve(other, t0); ok {
		t.Fatal("a record copied under another digest was served")
	}
	if err := s.Put(digest, []byte(strings.Replace(string(data), `"v":1`, `"v":2`, 1))); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := f.serve(f.in, t0); ok {
		t.Fatal("a record of another version was served")
	}
}

func TestSaveChecksTheRendering(t *testing.T) {
	f := newFixture(t)
	rec := *f.rec
	rec.Facts.Region = "eu-west-1" // what the front would print differs from what was printed
	if err := Save(f.cacheDir, &f.in, &rec, f.printed, t0); err == nil {
		t.Fatal("Save kept a record that renders other bytes")
	}
	rec = *f.rec
	if err := Save(f.cacheDir, &f.in, &rec, f.printed, t0.Add(56*time.Minute)); err == nil {
		t.Fatal("Save kept a record whose entry is inside the margin")
	}
}

func TestModeOffAndCodeFile(t *testing.T) {
	f := newFixture(t)
	in := f.in
	in.Environ = append(append([]string(nil), in.Environ...), EnvMode+"=off")
	var out bytes.Buffer
	if served, _ := Serve(&Front{Input: in, Stdout: &out, Stderr: &out, Now: t0}); served || out.Len() > 0 {
		t.Fatal("served with the fast path off")
	}
	// A record of output to the shell function's file writes that file, not stdout.
	code := filepath.Join(f.home, "code")
	write(t, code, "")
	in = f.in
	in.Environ = append(append([]string(nil), in.Environ...), shellenv.CodeFileEnvVar+"="+code, shellenv.ShellEnvVar+"=bash")
	rec := *f.rec
	rec.CodeFile = true
	if err := Save(f.cacheDir, &in, &rec, f.printed, t0); err != nil {
		t.Fatal(err)
	}
	got, _, ok := f.serve(in, t0)
	data, _ := os.ReadFile(code)
	if !ok || got != "" || !bytes.Equal(data, f.printed) {
		t.Fatalf("served=%v stdout=%q file=%q", ok, got, data)
	}
}

func TestPruneKeepsTheNewest(t *testing.T) {
	f := newFixture(t)
	for i := range maxRecords + 20 {
		in := f.in
		in.Args = []string{"prod", "read", "-o", "bash", "--region", "r" + string(rune('a'+i%26)) + strings.Repeat("x", i)}
		rec := *f.rec
		rec.Lookups = nil
		if err := Save(f.cacheDir, &in, &rec, f.printed, t0); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := store(f.cacheDir)
	ids, _ := s.IDs()
	if len(ids) > maxRecords+1 { // the records and the key
		t.Fatalf("%d files in the records' folder", len(ids))
	}
	if _, err := readKey(s); err != nil {
		t.Fatal("pruning removed the key")
	}
}

// decodeRecord reads field by field what json.Marshal wrote: every field of a Record (and of the
// structs in it) must come back, so a field added to Record and not to decodeRecord fails here.
func TestRecordRoundTrip(t *testing.T) {
	var r Record
	fill(t, reflect.ValueOf(&r).Elem())
	data, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &r) {
		t.Errorf("decodeRecord(json.Marshal(r)) =\n%+v\nwant\n%+v", got, &r)
	}
	for _, empty := range []string{`{"files":null,"lookups":[]}`, `{"files":[],"lookups":null,"facts":null}`, `{}`} {
		if r, err := decodeRecord([]byte(empty)); err != nil || len(r.Files) != 0 || len(r.Lookups) != 0 {
			t.Errorf("decodeRecord(%s) = %+v, %v", empty, r, err)
		}
	}
	for _, bad := range []string{`{"v":"1"}`, `{"files":[1]}`, `{"lookups":{}}`, `{"margin":1e3}`, `{"facts":[]}`, `{} {}`} {
		if _, err := decodeRecord([]byte(bad)); err == nil {
			t.Errorf("decodeRecord(%s) succeeded", bad)
		}
	}
}

// fill sets every field under v to a distinct non-zero value (slices get two elements).
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString(name + " \"value\" \u00e9 <&> \u2028 \\")
		case reflect.Int:
			f.SetInt(int64(i + 1))
		case reflect.Int64: // durations
			f.SetInt(int64(1e15) + int64(i))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Struct:
			fill(t, f)
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 2, 2))
			for j := 0; j < 2; j++ {
				fill(t, f.Index(j))
			}
		default:
			t.Fatalf("field %s of kind %s: teach this test (and decodeRecord) about it", name, f.Kind())
		}
	}
}

// HashFile streams: the hash of a file larger than its buffer, of an empty file, of a missing one;
// a folder is an error, and so is a file over the limit (a FIFO: fastpath_unix_test.go).
func TestHashFile(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160 kB: several buffers
	for name, data := range map[string][]byte{"big": big, "empty": nil, "small": []byte("[default]\n")} {
		p := filepath.Join(dir, name)
		write(t, p, string(data))
		sum := sha256.Sum256(data)
		if got, err := HashFile(p); err != nil || got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: HashFile = %q, %v", name, got, err)
		}
	}
	if got, err := HashFile(filepath.Join(dir, "missing")); got != "" || err != nil {
		t.Errorf("missing: HashFile = %q, %v; want \"\", nil", got, err)
	}
	if _, err := HashFile(dir); err == nil {
		t.Error("a folder was hashed")
	}
	huge := filepath.Join(dir, "huge")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, maxDependency+1); err != nil {
		t.Fatal(err)
	}
	if _, err := HashFile(huge); err == nil {
		t.Error("a file over the limit was hashed")
	}
}
