package credfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"gopkg.in/ini.v1"
)

var update = flag.Bool("update", false, "rewrite testdata/*.want from the current output (review the diff!)")

var written = Profile{
	AccessKeyID:     "ASIAWRITTEN0000001",
	SecretAccessKey: "written/secret+key",
	SessionToken:    "FwoGZXIvYXdzEXAMPLE//token==",
	Expiration:      time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)),
}

type goldenCase struct {
	file string // testdata/<file>.in and .want
	name string
	p    Profile
}

func goldenCases() []goldenCase {
	withRegion := written
	withRegion.Region = "eu-west-1"
	noToken := Profile{AccessKeyID: "AKIALONGTERM000001", SecretAccessKey: "longtermsecret"}
	return []goldenCase{
		{"comments", "work", written},
		{"append", "work", written},
		{"append_no_blank", "work", written},
		{"crlf_replace", "work", written},
		{"crlf_append", "work", written},
		{"nofinal_replace", "work", written},
		{"nofinal_append", "work", written},
		{"nofinal_middle", "work", written},
		{"header_only", "work", written},
		{"keys_kept_no_creds", "work", written},
		{"empty", "work", written},
		{"similar_names", "work", written},
		{"region_replace", "work", withRegion},
		{"notoken_removes", "work", noToken},
	}
}

// writeFixture copies testdata/<file>.in to a fresh credentials file.
func writeFixture(t *testing.T, file string, mode os.FileMode) (path string, in []byte) {
	t.Helper()
	in, err := os.ReadFile(filepath.Join("testdata", file+".in"))
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, in, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path, in
}

// sectionSpan finds the byte range of [name]'s header line and body in data,
// independently of the code under test: from the header line to the next line
// that starts with '[' (or the end).
func sectionSpan(data []byte, name string) (start, end int, ok bool) {
	re := regexp.MustCompile(`(?m)^\[` + regexp.QuoteMeta(name) + `\][^\n]*(\n|$)`)
	loc := re.FindIndex(data)
	if loc == nil {
		return 0, 0, false
	}
	next := regexp.MustCompile(`(?m)^\[`).FindIndex(data[loc[1]:])
	if next == nil {
		return loc[0], len(data), true
	}
	return loc[0], loc[1] + next[0], true
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.file, func(t *testing.T) {
			path, in := writeFixture(t, tc.file, 0o644)
			if err := WriteProfile(path, tc.name, tc.p); err != nil {
				t.Fatalf("WriteProfile: %v", err)
			}
			out, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wantFile := filepath.Join("testdata", tc.file+".want")
			if *update {
				if err := os.WriteFile(wantFile, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("output differs from %s\n--- got ---\n%q\n--- want ---\n%q", wantFile, out, want)
			}
			checkUntouched(t, in, out, tc.name)

			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("mode = %v (%v), want 0600", fi.Mode(), err)
			}
			// Writing the same profile again changes nothing.
			if err := WriteProfile(path, tc.name, tc.p); err != nil {
				t.Fatalf("second WriteProfile: %v", err)
			}
			if again, _ := os.ReadFile(path); !bytes.Equal(again, out) {
				t.Errorf("second write changed the file:\n%q\nthen\n%q", out, again)
			}
			checkNoLeftovers(t, filepath.Dir(path))
		})
	}
}

// checkUntouched asserts that everything outside the target section is kept
// byte for byte.
func checkUntouched(t *testing.T, in, out []byte, name string) {
	t.Helper()
	start, end, ok := sectionSpan(in, name)
	if !ok {
		// Appended: the old content is a prefix (plus a line break when it
		// had no final newline).
		if !bytes.HasPrefix(out, in) {
			t.Errorf("old content is not a prefix of the new file")
		}
		return
	}
	if !bytes.HasPrefix(out, in[:start]) {
		t.Errorf("bytes before [%s] changed", name)
	}
	headerLine := in[start:end]
	if i := bytes.IndexByte(headerLine, '\n'); i >= 0 {
		headerLine = headerLine[:i+1]
	}
	if !bytes.HasPrefix(out[start:], headerLine) {
		t.Errorf("header line %q changed", headerLine)
	}
	if !bytes.HasSuffix(out, in[end:]) {
		t.Errorf("bytes after the [%s] section changed", name)
	}
}

func checkNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); n != "credentials" && n != "credentials.lock" && n != "link" {
			t.Errorf("left behind %s", n)
		}
	}
}

func TestCreatesFileAndDirectory(t *testing.T) {
	base := t.TempDir()
	path := filepath.Join(base, "home", ".aws", "credentials")
	if err := WriteProfile(path, "work", written); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(base, "home"), filepath.Join(base, "home", ".aws")} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v (%v), want 0700", d, fi.Mode(), err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v), want 0600", fi.Mode(), err)
	}
	got, _ := os.ReadFile(path)
	want, _ := os.ReadFile(filepath.Join("testdata", "empty.want"))
	if !bytes.Equal(got, want) {
		t.Errorf("new file =\n%s\nwant\n%s", got, want)
	}
}

func TestRefusesAndLeavesFileUntouched(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error
	}{
		{"duplicate sections", "[work]\naws_access_key_id = A\naws_session_token = T\n[x]\nregion = y\n[work]\nregion = z\n",
			[]string{`profile "work" appears more than once (lines 1, 6)`}},
		{"duplicate with trailing text", "[work]\nregion = y\n\n[work] # again\nregion = z\n",
			[]string{"lines 1, 4"}},
		{"inner spaces", "[ work ]\naws_access_key_id = A\n", []string{"line 1", `"[ work ]"`}},
		{"indented header", "[a]\nregion = x\n  [work]\nregion = y\n", []string{"line 3", "indented"}},
		{"indented header after section", "[work]\nregion = x\n  [b]\nregion = y\n", []string{"line 3", "indented"}},
		{"stray indented line after header", "[work]\n 0\n", []string{"line 2", "indented"}},
		{"indented line would continue new value", "[work]\naws_access_key_id = A\naws_session_token = T\n# c\n\n  stray\n", []string{"line 6", "indented"}},
		{"post-condition catches a parser disagreement", "[a]\ny = \"\"\"\n[work]\nregion = x\n", []string{"left unchanged"}},
		{"bare carriage return", "[a]\rregion = x\n", []string{"line 1", "carriage return"}},
		{"does not parse", "[a]\nthis line has no delimiter\n", []string{"existing file does not parse", "left unchanged"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "credentials")
			if err := os.WriteFile(path, []byte(tt.content), 0o640); err != nil {
				t.Fatal(err)
			}
			err := WriteProfile(path, "work", written)
			if err == nil {
				t.Fatal("WriteProfile succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			checkNoSecrets(t, err)
			got, _ := os.ReadFile(path)
			if string(got) != tt.content {
				t.Errorf("file changed to %q", got)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
				t.Errorf("mode changed to %v", fi.Mode())
			}
			checkNoLeftovers(t, dir)
		})
	}
}

func checkNoSecrets(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{written.SecretAccessKey, written.SessionToken, "defaultsecret", "oldsecret"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains secret %q", err, s)
		}
	}
}

func TestValidatesBeforeTouchingAnything(t *testing.T) {
	with := func(f func(p *Profile)) Profile {
		p := written
		f(&p)
		return p
	}
	tests := []struct {
		test string
		name string
		p    Profile
	}{
		{"empty name", "", written},
		{"open bracket", "a[b", written},
		{"close bracket", "a]b", written},
		{"newline in name", "a\nb", written},
		{"carriage return in name", "a\rb", written},
		{"leading space", " work", written},
		{"trailing space", "work ", written},
		{"inner space", "my profile", written},
		{"semicolon", "a;b", written},
		{"DEFAULT", "DEFAULT", written},
		{"empty key id", "work", with(func(p *Profile) { p.AccessKeyID = "" })},
		{"empty secret", "work", with(func(p *Profile) { p.SecretAccessKey = "" })},
		{"newline in secret", "work", with(func(p *Profile) { p.SecretAccessKey = "written/secret\n+key" })},
		{"newline in token", "work", with(func(p *Profile) { p.SessionToken = "FwoGZXIvYXdzEXAMPLE\n//token==" })},
		{"space in token", "work", with(func(p *Profile) { p.SessionToken = "FwoGZXIvYXdzEXAMPLE //token==" })},
		{"newline in key id", "work", with(func(p *Profile) { p.AccessKeyID = "ASIA\n[default]" })},
		{"newline in region", "work", with(func(p *Profile) { p.Region = "us-east-1\nx = y" })},
	}
	for _, tt := range tests {
		t.Run(tt.test, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "missing-dir")
			path := filepath.Join(dir, "credentials")
			err := WriteProfile(path, tt.name, tt.p)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			checkNoSecrets(t, err)
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("directory was created before validation failed (%v)", err)
			}
		})
	}
	for _, name := range []string{"default", "a.b-c_d@e", "Default"} {
		if err := validate(name, written); err != nil {
			t.Errorf("validate(%q) = %v", name, err)
		}
	}
}

func TestPathIsDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteProfile(path, "work", written); err == nil {
		t.Fatal("WriteProfile on a directory succeeded")
	}
}

func TestFollowsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on windows")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles-credentials")
	if err := os.WriteFile(real, []byte("[default]\nregion = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteProfile(link, "work", written); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link replaced by a regular file (%v)", err)
	}
	got, _ := os.ReadFile(real)
	if !bytes.HasPrefix(got, []byte("[default]\nregion = x\n\n[work]\n")) || !bytes.Contains(got, []byte(written.SessionToken)) {
		t.Errorf("target = %q", got)
	}
}

func TestConcurrentWritersKeepEveryProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("# shared file\n[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const writers = 12
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 2 {
				p := Profile{
					AccessKeyID:     fmt.Sprintf("ASIAWRITER%02dR%d", i, round),
					SecretAccessKey: fmt.Sprintf("secret-%d-%d", i, round),
					SessionToken:    fmt.Sprintf("token-%d-%d", i, round),
				}
				errs <- WriteProfile(path, fmt.Sprintf("p%02d", i), p)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("# shared file\n[default]\nregion = us-east-1\n")) {
		t.Errorf("head of the file changed: %q", data)
	}
	for i := range writers {
		name := fmt.Sprintf("p%02d", i)
		p := readProfileGo(t, path, name)
		if p.AccessKeyID != fmt.Sprintf("ASIAWRITER%02dR1", i) || p.SessionToken != fmt.Sprintf("token-%d-1", i) {
			t.Errorf("profile %s = %+v", name, p)
		}
		if n := bytes.Count(data, []byte("["+name+"]")); n != 1 {
			t.Errorf("profile %s appears %d times", name, n)
		}
	}
	checkNoLeftovers(t, filepath.Dir(path))
}

// readProfileGo reads a profile with the Go SDK's shared-config loader.
func readProfileGo(t *testing.T, path, name string) Profile {
	t.Helper()
	sc, err := config.LoadSharedConfigProfile(context.Background(), name, func(o *config.LoadSharedConfigOptions) {
		o.CredentialsFiles = []string{path}
		o.ConfigFiles = []string{}
	})
	if err != nil {
		t.Fatalf("Go SDK reading profile %q: %v", name, err)
	}
	return Profile{
		AccessKeyID:     sc.Credentials.AccessKeyID,
		SecretAccessKey: sc.Credentials.SecretAccessKey,
		SessionToken:    sc.Credentials.SessionToken,
		Region:          sc.Region,
	}
}

// readers lists, per fixture, profiles that must read back after the write
// (the written one and untouched neighbours).
var readers = map[string]map[string][3]string{
	"comments": {
		"work":    {written.AccessKeyID, written.SecretAccessKey, written.SessionToken},
		"default": {"AKIADEFAULT0000000", "defaultsecret", ""},
		"other":   {"AKIAOTHER000000000", "othersecret", ""},
	},
	"append": {
		"work":     {written.AccessKeyID, written.SecretAccessKey, written.SessionToken},
		"work-old": {"AKIAWORKOLD0000000", "workoldsecret", ""},
	},
	"crlf_replace": {
		"work":  {written.AccessKeyID, written.SecretAccessKey, written.SessionToken},
		"after": {"AKIAAFTER000000000", "aftersecret", ""},
	},
	"crlf_append": {
		"work":    {written.AccessKeyID, written.SecretAccessKey, written.SessionToken},
		"default": {"AKIADEFAULT0000000", "defaultsecret", ""},
	},
	"nofinal_replace": {"work": {written.AccessKeyID, written.SecretAccessKey, written.SessionToken}},
	"nofinal_append": {
		"work":    {written.AccessKeyID, written.SecretAccessKey, written.SessionToken},
		"default": {"AKIADEFAULT0000000", "defaultsecret", ""},
	},
	"nofinal_middle": {
		"work": {written.AccessKeyID, written.SecretAccessKey, written.SessionToken},
		"last": {"AKIALAST0000000000", "lastsecret", ""},
	},
	"header_only": {"work": {written.AccessKeyID, written.SecretAccessKey, written.SessionToken}},
	"similar_names": {
		"work":         {written.AccessKeyID, written.SecretAccessKey, written.SessionToken},
		"Work":         {"AKIAUPPER000000000", "uppersecret", ""},
		"profile work": {"AKIAPROFILE0000000", "profilesecret", ""},
	},
	"notoken_removes": {"work": {"AKIALONGTERM000001", "longtermsecret", ""}},
}

// writtenFixtures writes every golden case into its own file and returns
// fixture name → path.
func writtenFixtures(t *testing.T) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, tc := range goldenCases() {
		path, _ := writeFixture(t, tc.file, 0o600)
		if err := WriteProfile(path, tc.name, tc.p); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		paths[tc.file] = path
	}
	return paths
}

func TestGoSDKReadsResult(t *testing.T) {
	paths := writtenFixtures(t)
	for file, profiles := range readers {
		for name, want := range profiles {
			if strings.HasPrefix(name, "profile ") {
				continue // the Go SDK ignores such sections in credentials files; botocore reads them
			}
			got := readProfileGo(t, paths[file], name)
			if [3]string{got.AccessKeyID, got.SecretAccessKey, got.SessionToken} != want {
				t.Errorf("%s [%s]: Go SDK read %+v, want %q", file, name, got, want)
			}
		}
	}
}

const botocoreScript = `
import json, os, sys
import botocore.session
out = []
for path, profile in json.loads(sys.argv[1]):
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = path
    c = botocore.session.Session(profile=profile).get_credentials()
    out.append(None if c is None else [c.method, c.access_key, c.secret_key, c.token or ""])
print(json.dumps(out))
`

// TestBotocoreReadsResult has the AWS CLI v1's botocore read every written
// fixture: the written profile and its untouched neighbours.
func TestBotocoreReadsResult(t *testing.T) {
	out, err := exec.Command("python3", "-c", "import sys, botocore.session; print(sys.executable)").Output()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with botocore is required when CI=true: %v", err)
		}
		t.Skipf("python3 with botocore not available: %v", err)
	}
	python := strings.TrimSpace(string(out))

	paths := writtenFixtures(t)
	var query [][2]string
	var want [][3]string
	files := make([]string, 0, len(readers))
	for f := range readers {
		files = append(files, f)
	}
	slices.Sort(files)
	for _, f := range files {
		names := make([]string, 0, len(readers[f]))
		for n := range readers[f] {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			query = append(query, [2]string{paths[f], n})
			want = append(want, readers[f][n])
		}
	}
	arg, _ := json.Marshal(query)
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", botocoreScript, string(arg))
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore: %v\n%s", err, stderr.String())
	}
	var got [][]string
	if err := json.Unmarshal(res, &got); err != nil {
		t.Fatalf("botocore printed %q: %v", res, err)
	}
	if len(got) != len(want) {
		t.Fatalf("botocore returned %d results, want %d", len(got), len(want))
	}
	for i := range want {
		g := got[i]
		if g == nil || g[0] != "shared-credentials-file" || [3]string{g[1], g[2], g[3]} != want[i] {
			t.Errorf("%s [%s]: botocore read %q, want %q", filepath.Base(filepath.Dir(query[i][0])), query[i][1], g, want[i])
		}
	}
}

func FuzzRender(f *testing.F) {
	ins, _ := filepath.Glob(filepath.Join("testdata", "*.in"))
	for _, in := range ins {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[work]\r\n  [work]\n\ufeff[work]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := render(data, "work", written)
		if err != nil {
			return
		}
		if !bytes.Contains(out, []byte("aws_session_token = "+written.SessionToken)) {
			t.Fatalf("credentials missing from output %q", out)
		}
		// When ini.v1 accepts the input, the output must pass the post-condition.
		// Left out: ini.v1's quoted multi-line values, which botocore does not
		// know, and continuation lines, which ini.v1 (as configured) reads as
		// keys; WriteProfile refuses such files rather than guess.
		if _, err := ini.LoadSources(loadOptions, data); err == nil && !bytes.ContainsAny(data, "\"`") && !hasContinuation(data) {
			if err := verify(out, data, "work", written); err != nil {
				t.Fatalf("input parses, output does not verify: %v\n%q\n%q", err, data, out)
			}
		}
		again, err := render(out, "work", written)
		if err != nil {
			t.Fatalf("second render failed: %v\n%q", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("render is not idempotent:\n%q\n%q", out, again)
		}
	})
}

// hasContinuation reports an indented line that is neither blank nor a comment.
func hasContinuation(data []byte) bool {
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSuffix(l, "\r")
		if isIndented(l) && strings.TrimSpace(l) != "" && !isComment(l) {
			return true
		}
	}
	return false
}
