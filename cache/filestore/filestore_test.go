package filestore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const (
	testSecret = "SECRETwJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
	testToken  = "TOKENFwoGZXIvYXdzEBYaDHRlc3R0b2tlbnZhbHVl"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func testKey(role string) Key {
	return Key{Kind: KindRole, Fields: map[string]string{"RoleArn": "arn:aws:iam::222222222222:role/" + role, "Source": "alice"}}
}

func testEntry(exp time.Time) *Entry {
	return &Entry{Version: EntryVersion, AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: testSecret, SessionToken: testToken,
		Expiration: exp, Kind: KindRole, Label: "read via alice", Created: t0}
}

func skipWithoutUnixPerms(t *testing.T) {
	t.Helper()
	if !CheckPerms {
		t.Skip("file modes and owners do not protect files on " + runtime.GOOS)
	}
}

// The package exists so that a small program (the front) can read the cache without the keyring
// libraries, file locking or the AWS SDK: besides the standard library it may import only its JSON
// reader (internal/jsonobj and the parser under it), on every platform.
func TestStandardLibraryAndJSONOnly(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	allowed := map[string]bool{
		"github.com/assume-role/assume-role/cache/filestore":  true,
		"github.com/assume-role/assume-role/internal/jsonobj": true,
		"github.com/valyala/fastjson":                         true,
		"github.com/valyala/fastjson/fastfloat":               true,
	}
	for _, goos := range []string{"linux", "darwin", "windows", "freebsd"} {
		cmd := exec.Command(gobin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOOS=%s go list: %v\n%s", goos, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if !allowed[dep] {
				t.Errorf("GOOS=%s: filestore depends on %s; it may import only the standard library and its JSON reader", goos, dep)
			}
		}
	}
}

func TestEncodeGolden(t *testing.T) {
	id := testKey("read").ID()
	data, err := Encode(id, testEntry(t0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"` + testSecret + `","SessionToken":"` + testToken +
		`","Expiration":"2026-11-21T10:00:00Z","Kind":"role","Label":"read via alice","Created":"2026-11-21T09:00:00Z","KeyId":"` + id + `"}`
	if string(data) != want {
		t.Errorf("Encode =\n%s\nwant\n%s", data, want)
	}
	e, err := Decode(id, data)
	if err != nil || *e != *testEntry(t0.Add(time.Hour)) {
		t.Errorf("Decode = %v, %v", e, err)
	}
	if _, err := Decode(testKey("write").ID(), data); err == nil {
		t.Error("decoded an entry stored under another id")
	}
}

// writeEntry stores e for id in base/creds as package cache does.
func writeEntry(t *testing.T, base, id string, e *Entry) string {
	t.Helper()
	s, err := New(CredsDir(base), os.Geteuid())
	if err != nil {
		t.Fatal(err)
	}
	data, err := Encode(id, e)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(id, data); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(CredsDir(base), id+".json")
}

// withEntry makes a cache base directory holding testEntry(exp) under testKey("read").ID(); it
// returns the directory and the entry's file.
func withEntry(t *testing.T, exp time.Time) (string, string) {
	t.Helper()
	base := filepath.Join(t.TempDir(), "cache")
	return base, writeEntry(t, base, testKey("read").ID(), testEntry(exp))
}

func TestLookup(t *testing.T) {
	id := testKey("read").ID()
	exp := t0.Add(time.Hour)
	setup := func(t *testing.T) (string, string) { return withEntry(t, exp) }

	t.Run("hit", func(t *testing.T) {
		base, _ := setup(t)
		e, ok := Lookup(base, id, 5*time.Minute, t0)
		if !ok || e.AccessKeyID != "ASIAEXAMPLE" || e.SessionToken != testToken || !e.Expiration.Equal(exp) {
			t.Fatalf("Lookup = %v, %v", e, ok)
		}
	})
	t.Run("absent", func(t *testing.T) {
		base, _ := setup(t)
		if e, ok := Lookup(base, testKey("write").ID(), 0, t0); ok {
			t.Fatalf("hit %v", e)
		}
	})
	t.Run("invalid id", func(t *testing.T) {
		base, _ := setup(t)
		for _, bad := range []string{"", "../" + id[3:], strings.ToUpper(id)} {
			if e, ok := Lookup(base, bad, 0, t0); ok {
				t.Fatalf("%q: hit %v", bad, e)
			}
		}
	})
	t.Run("margin", func(t *testing.T) {
		base, _ := setup(t)
		if _, ok := Lookup(base, id, 59*time.Minute, t0); !ok {
			t.Error("miss with 60 minutes left and a 59-minute margin")
		}
		if _, ok := Lookup(base, id, time.Hour, t0); ok {
			t.Error("hit with exactly the margin left (cache's rule: left <= margin is a miss)")
		}
		if _, ok := Lookup(base, id, 5*time.Minute, t0.Add(56*time.Minute)); ok {
			t.Error("hit with 4 minutes left and a 5-minute margin")
		}
		if _, ok := Lookup(base, id, 0, exp); ok {
			t.Error("hit on an expired entry")
		}
	})
	t.Run("mode 0644", func(t *testing.T) {
		skipWithoutUnixPerms(t)
		base, path := setup(t)
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		if e, ok := Lookup(base, id, 0, t0); ok {
			t.Fatalf("hit on a 0644 file: %v", e)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("Lookup changed or removed the file: %v %v", fi, err)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		skipWithoutUnixPerms(t)
		base, path := setup(t)
		real := filepath.Join(t.TempDir(), "real.json")
		if err := os.Rename(path, real); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(real, path); err != nil {
			t.Fatal(err)
		}
		if e, ok := Lookup(base, id, 0, t0); ok {
			t.Fatalf("hit through a symbolic link: %v", e)
		}
		if _, err := os.Lstat(path); err != nil {
			t.Errorf("Lookup removed the link: %v", err)
		}
	})
	t.Run("copied under another id", func(t *testing.T) {
		base, path := setup(t)
		other := testKey("write").ID()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(CredsDir(base), other+".json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if e, ok := Lookup(base, other, 0, t0); ok {
			t.Fatalf("hit on an entry of another key: %v", e)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		base, path := setup(t)
		for name, data := range map[string][]byte{
			"garbage":   []byte("\x00not json"),
			"version 2": []byte(`{"Version":2}`),
			"too large": append([]byte(`{"Version":1,"x":"`), make([]byte, MaxEntrySize)...),
		} {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if e, ok := Lookup(base, id, 0, t0); ok {
				t.Fatalf("%s: hit %v", name, e)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: Lookup removed the entry: %v", name, err)
			}
		}
	})
	t.Run("directory other users can access", func(t *testing.T) {
		skipWithoutUnixPerms(t)
		for _, which := range []string{"base", "creds"} {
			base, _ := setup(t)
			dir := base
			if which == "creds" {
				dir = CredsDir(base)
			}
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if e, ok := Lookup(base, id, 0, t0); ok {
				t.Fatalf("%s 0755: hit %v", which, e)
			}
			if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("%s: Lookup changed the directory's mode: %v %v", which, fi.Mode(), err)
			}
		}
	})
	t.Run("symlinked directory in a shared folder", func(t *testing.T) {
		skipWithoutUnixPerms(t)
		base, _ := setup(t)
		shared := filepath.Join(t.TempDir(), "shared")
		if err := os.Mkdir(shared, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(shared, 0o1777); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(shared, "cache")
		if err := os.Symlink(base, link); err != nil {
			t.Fatal(err)
		}
		if e, ok := Lookup(link, id, 0, t0); ok {
			t.Fatalf("hit through a link in a shared folder: %v", e)
		}
	})
	t.Run("other owner", func(t *testing.T) {
		skipWithoutUnixPerms(t)
		if os.Geteuid() != 0 {
			t.Skip("needs root to give files to another user")
		}
		for _, which := range []string{"base", "creds", "file"} {
			base, path := setup(t)
			target := map[string]string{"base": base, "creds": CredsDir(base), "file": path}[which]
			if err := os.Chown(target, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			if e, ok := Lookup(base, id, 0, t0); ok {
				t.Fatalf("%s owned by another user: hit %v", which, e)
			}
		}
	})
	t.Run("creates nothing", func(t *testing.T) {
		base := t.TempDir()
		if e, ok := Lookup(base, id, 0, t0); ok {
			t.Fatalf("hit %v", e)
		}
		if _, err := os.Lstat(CredsDir(base)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Lookup created %s: %v", CredsDir(base), err)
		}
		missing := filepath.Join(base, "none", "cache")
		if _, ok := Lookup(missing, id, 0, t0); ok {
			t.Fatal("hit in a missing directory")
		}
		if _, err := os.Lstat(filepath.Join(base, "none")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Lookup created a directory: %v", err)
		}
	})
}

func TestGetOtherOwner(t *testing.T) {
	skipWithoutUnixPerms(t)
	id := testKey("read").ID()
	dir := t.TempDir()
	s := &Store{dir: dir, uid: os.Geteuid() + 1}
	data, err := Encode(id, testEntry(t0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(id); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "owned by uid") {
		t.Errorf("file of another user: err = %v, want ErrCorrupt", err)
	}
}

func TestDefaultDir(t *testing.T) {
	base, err := os.UserCacheDir()
	if err != nil {
		t.Skip(err)
	}
	if got, err := DefaultDir(); err != nil || got != filepath.Join(base, "assume-role") {
		t.Errorf("DefaultDir = %q, %v", got, err)
	}
}

func TestMetaPath(t *testing.T) {
	got := MetaPath("/c", "identity:key:AKIA1")
	want := filepath.Join("/c", "meta", MetaID("identity:key:AKIA1")+".json")
	if got != want || !ValidID(MetaID("x")) || MetaID("x") == MetaID("y") {
		t.Errorf("MetaPath = %q, want %q", got, want)
	}
}

func TestEntryRedacted(t *testing.T) {
	e := testEntry(t0)
	for _, s := range []string{e.String(), e.GoString()} {
		if strings.Contains(s, testSecret) || strings.Contains(s, testToken) || !strings.HasPrefix(s, "cache.Entry{") {
			t.Errorf("not redacted: %s", s)
		}
	}
}

// Decode reads entries field by field (jsonobj) while Encode writes them with encoding/json: every
// field of Entry must come back, so a field added to Entry and not to Decode fails here.
func TestDecodeReadsEveryField(t *testing.T) {
	var e Entry
	v := reflect.ValueOf(&e).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("value of " + v.Type().Field(i).Name + " \"quoted\" \\ \u00e9 <&> \u2028 \t")
		case reflect.Int:
			f.SetInt(int64(EntryVersion))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Struct:
			f.Set(reflect.ValueOf(t0.Add(time.Duration(i)*time.Hour + 123456789)))
		default:
			t.Fatalf("field %s of kind %s: teach this test (and Decode) about it", v.Type().Field(i).Name, f.Kind())
		}
	}
	id := testKey("read").ID()
	data, err := Encode(id, &e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(id, data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, e) {
		t.Errorf("Decode(Encode(e)) =\n%#v\nwant\n%#v", fmt.Sprintf("%+v", *got), fmt.Sprintf("%+v", e))
	}
	// Times in another zone come back as the same instants.
	e.Expiration = time.Date(2026, 12, 3, 11, 0, 0, 5, time.FixedZone("CET", 3600))
	e.Created = e.Expiration.In(time.FixedZone("", -7*3600-1800))
	if data, err = Encode(id, &e); err != nil {
		t.Fatal(err)
	}
	if got, err = Decode(id, data); err != nil {
		t.Fatal(err)
	}
	if !got.Expiration.Equal(e.Expiration) || !got.Created.Equal(e.Created) {
		t.Errorf("zoned times: Decode = %v, %v; want %v, %v", got.Expiration, got.Created, e.Expiration, e.Created)
	}
}

// Wrong types, trailing data and anything but an object are refused, and the error never quotes
// the data.
func TestDecodeRefusesMalformed(t *testing.T) {
	id := testKey("read").ID()
	good, err := Encode(id, testEntry(t0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"version as string":  strings.Replace(string(good), `"Version":1`, `"Version":"1"`, 1),
		"fractional version": strings.Replace(string(good), `"Version":1`, `"Version":1.5`, 1),
		"secret as number":   strings.Replace(string(good), `"SecretAccessKey":"`+testSecret+`"`, `"SecretAccessKey":12`, 1),
		"bad expiration":     strings.Replace(string(good), `"2026-11-21T10:00:00Z"`, `"tomorrow `+testSecret+`"`, 1),
		"trailing data":      string(good) + ` {}`,
		"array":              `[` + string(good) + `]`,
		"truncated":          string(good[:len(good)-5]),
		"no key id":          strings.Replace(string(good), `"KeyId"`, `"KeyID"`, 1),
	} {
		_, err := Decode(id, []byte(data))
		if err == nil {
			t.Errorf("%s: decoded", name)
			continue
		}
		if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: the error quotes a secret: %v", name, err)
		}
	}
}

// readAll reads to the end whatever Stat said, and never more than the limit.
func TestReadAll(t *testing.T) {
	for _, c := range []struct {
		data        string
		size, limit int64
		want        string
	}{
		{"hello", 5, 10, "hello"},
		{"hello", 0, 10, "hello"},  // the file grew since Stat
		{"hello", 2, 10, "hello"},  // grew
		{"hello", 50, 10, "hello"}, // shrank
		{"hello", 5, 3, "hel"},     // over the limit: limit bytes, the caller refuses them
		{"hello", -1, 10, "hello"}, // nonsense size
		{"", 0, 10, ""},
	} {
		for _, r := range []io.Reader{strings.NewReader(c.data), iotest.OneByteReader(strings.NewReader(c.data)), iotest.HalfReader(strings.NewReader(c.data))} {
			got, err := readAll(r, c.size, c.limit)
			if err != nil || string(got) != c.want {
				t.Errorf("readAll(%q, size %d, limit %d) = %q, %v; want %q", c.data, c.size, c.limit, got, err, c.want)
			}
		}
	}
	if _, err := readAll(iotest.ErrReader(errors.New("disk on fire")), 5, 10); err == nil {
		t.Error("a read error was not returned")
	}
}

// A View checks the base directory once and each folder in it on first use, with Lookup's rules,
// and reads each entry once.
func TestView(t *testing.T) {
	id := testKey("read").ID()
	exp := t0.Add(time.Hour)
	setup := func(t *testing.T) (string, string) { return withEntry(t, exp) }
	t.Run("reads an entry once; margins per lookup", func(t *testing.T) {
		base, path := setup(t)
		v, err := NewView(base)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := v.Lookup(id, 5*time.Minute, t0)
		if !ok || e.SessionToken != testToken {
			t.Fatalf("Lookup = %v, %v", e, ok)
		}
		e.SessionToken = "changed by the caller"
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if e, ok := v.Lookup(id, 5*time.Minute, t0); !ok || e.SessionToken != testToken {
			t.Errorf("second Lookup = %v, %v: want the entry as first read", e, ok)
		}
		if _, ok := v.Lookup(id, time.Hour, t0); ok {
			t.Error("hit with exactly the margin left")
		}
		if _, ok := Lookup(base, id, 0, t0); ok {
			t.Error("a new lookup found the removed entry")
		}
	})
	t.Run("symlinked folder of the user's own", func(t *testing.T) {
		skipWithoutUnixPerms(t)
		base, _ := setup(t)
		real := filepath.Join(t.TempDir(), "creds")
		if err := os.Rename(CredsDir(base), real); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(real, CredsDir(base)); err != nil {
			t.Fatal(err)
		}
		v, err := NewView(base)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := v.Lookup(id, 0, t0); !ok {
			t.Error("miss through the user's own link in the user's own folder (Lookup follows it)")
		}
		if err := os.Chmod(real, 0o755); err != nil {
			t.Fatal(err)
		}
		v, _ = NewView(base)
		if e, ok := v.Lookup(id, 0, t0); ok {
			t.Errorf("hit in a 0755 folder behind a link: %v", e)
		}
	})
	t.Run("folder that is not a directory", func(t *testing.T) {
		base, _ := setup(t)
		if err := os.WriteFile(filepath.Join(base, "fast"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		v, err := NewView(base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Store("fast"); err == nil {
			t.Error("a file taken for a folder")
		}
		if _, err := v.Store("fast"); err == nil {
			t.Error("a file taken for a folder on the second ask")
		}
		for _, bad := range []string{"", ".", "..", "creds/../..", "a/b"} {
			if _, err := v.Store(bad); err == nil {
				t.Errorf("Store(%q) accepted", bad)
			}
		}
		s, err := v.Store("missing")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get in a missing folder = %v, want ErrNotFound", err)
		}
	})
	t.Run("base directory made after the view", func(t *testing.T) {
		base := filepath.Join(t.TempDir(), "cache")
		v, err := NewView(base)
		if err != nil {
			t.Fatal(err)
		}
		writeEntry(t, base, id, testEntry(exp))
		if e, ok := v.Lookup(id, 0, t0); ok {
			t.Errorf("hit in a folder the view did not check: %v", e)
		}
		if _, err := v.Store("fast"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Store in a missing base = %v, want ErrNotExist", err)
		}
		if _, ok := Lookup(base, id, 0, t0); !ok {
			t.Error("a new view misses the entry")
		}
	})
	t.Run("base directory other users can access", func(t *testing.T) {
		skipWithoutUnixPerms(t)
		base, _ := setup(t)
		if err := os.Chmod(base, 0o750); err != nil {
			t.Fatal(err)
		}
		if _, err := NewView(base); err == nil {
			t.Error("NewView accepted a 0750 base directory")
		}
	})
}
