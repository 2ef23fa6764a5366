package shellenv

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// requireShell returns the path of the named shell, skipping the test when it
// is not installed, except in CI (CI=true), where a missing shell is a failure.
func requireShell(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; CI must run the real-shell tests", name)
		}
		t.Skipf("%s is not installed: skipping the real-shell test", name)
	}
	return p
}

// dialect is what the tests need to write small scripts for one shell.
type dialect struct {
	sh   Shell
	exe  string
	args []string // before the script
}

var dialects = []dialect{
	{Bash, "bash", []string{"--norc", "--noprofile", "-c"}},
	{Zsh, "zsh", []string{"-f", "-c"}},
	{Fish, "fish", []string{"--no-config", "-c"}},
}

// source evaluates the file named by the environment variable envName the way
// users evaluate assume-role's output.
func (d dialect) source(envName string) string {
	if d.sh == Fish {
		return fmt.Sprintf("cat $%s | source\n", envName)
	}
	return fmt.Sprintf("set -u\neval \"$(cat \"$%s\")\"\n", envName)
}

// status prints the last command's exit status as one record.
func (d dialect) status() string {
	if d.sh == Fish {
		return "printf 'status=%s\\0' $status\n"
	}
	return "printf 'status=%s\\0' \"$?\"\n"
}

// printVar prints "set:<value>" or "unset" as one record, using the shell's
// own expansion of the variable.
func (d dialect) printVar(name string) string {
	if d.sh == Fish {
		return fmt.Sprintf("if set -q %[1]s; if test (count $%[1]s) -eq 1; printf 'set:%%s\\0' $%[1]s; else; printf 'list\\0'; end; else; printf 'unset\\0'; end\n", name)
	}
	return fmt.Sprintf("if [ -n \"${%[1]s+x}\" ]; then printf 'set:%%s\\0' \"$%[1]s\"; else printf 'unset\\0'; fi\n", name)
}

// run runs script in the shell with a minimal environment rooted at dir.
func (d dialect) run(t *testing.T, dir, locale, script string, env ...string) (records []string, stderr string) {
	t.Helper()
	exe := requireShell(t, d.exe)
	cmd := exec.Command(exe, append(d.args, script)...)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"LC_ALL=" + locale,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, ".cache"),
	}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s failed: %v\nstderr:\n%s", d.exe, err, errb.String())
	}
	recs := strings.Split(out.String(), "\x00")
	if recs[len(recs)-1] != "" {
		t.Fatalf("output does not end with a record separator: %q", recs[len(recs)-1])
	}
	return recs[:len(recs)-1], errb.String()
}

// realValues are the hostile values plus bytes that are not UTF-8.
func realValues(dir string) []string {
	return append(hostileValues(dir), "\xff\xfe", "a\xc3")
}

func valueVars(values []string) []Var {
	vars := make([]Var, len(values))
	for i, v := range values {
		vars[i] = Var{Name: fmt.Sprintf("AR_V%d", i), Value: v}
	}
	return vars
}

func writeFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

func renderString(t *testing.T, sh Shell, set []Var, unset []string) string {
	t.Helper()
	var b strings.Builder
	if err := Render(&b, sh, set, unset); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// compareRecords reports the first difference between two record lists.
func compareRecords(t *testing.T, got, want []string) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || got[i] != want[i] {
			g, w := "<missing>", "<missing>"
			if i < len(got) {
				g = fmt.Sprintf("%q", truncate(got[i]))
			}
			if i < len(want) {
				w = fmt.Sprintf("%q", truncate(want[i]))
			}
			t.Fatalf("record %d: got %s, want %s (%d records, want %d)", i, g, w, len(got), len(want))
		}
	}
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// assertNotPwned fails when any hostile value managed to create a file.
func assertNotPwned(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil && filepath.Base(p) == "PWNED" {
			t.Errorf("a value ran code: %s exists", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRenderInRealShells evaluates Render's output in bash, zsh and fish and
// checks with the shell's own printing that every variable holds exactly its
// value, is exported, and that unset names are gone.
func TestRenderInRealShells(t *testing.T) {
	for _, d := range dialects {
		for _, locale := range []string{"C.UTF-8", "C"} {
			t.Run(d.exe+"/"+locale, func(t *testing.T) {
				requireShell(t, d.exe)
				dir := t.TempDir()
				values := realValues(dir)
				set := valueVars(values)
				unset := []string{"AR_PRESET", "AR_NEVER_SET"}
				rendered := filepath.Join(dir, "rendered")
				writeFile(t, rendered, renderString(t, d.sh, set, unset), 0o600)

				var script strings.Builder
				script.WriteString(d.source("AR_RENDERED"))
				script.WriteString(d.status())
				want := []string{"status=0"}
				for _, v := range set {
					script.WriteString(d.printVar(v.Name))
					want = append(want, "set:"+v.Value)
				}
				for _, name := range unset {
					script.WriteString(d.printVar(name))
					want = append(want, "unset")
				}
				script.WriteString("printf 'ENV\\0'\nenv -0\n")
				want = append(want, "ENV")

				recs, stderr := d.run(t, dir, locale, script.String(),
					"AR_RENDERED="+rendered, "AR_PRESET=preset", "AR_V0=overwritten")
				if stderr != "" {
					t.Errorf("stderr: %q", stderr)
				}
				if len(recs) < len(want) {
					compareRecords(t, recs, want)
				}
				compareRecords(t, recs[:len(want)], want)

				exported := map[string]string{}
				for _, kv := range recs[len(want):] {
					k, v, _ := strings.Cut(kv, "=")
					exported[k] = v
				}
				for _, v := range set {
					if got, ok := exported[v.Name]; !ok || got != v.Value {
						t.Errorf("%s not exported to child processes with its value (got %q, present %v)", v.Name, truncate(got), ok)
					}
				}
				for _, name := range unset {
					if _, ok := exported[name]; ok {
						t.Errorf("%s still exported after unset", name)
					}
				}
				assertNotPwned(t, dir)
			})
		}
	}
}

// fakeBinary stands in for assume-role: it logs how it was called, checks that
// the function gave it an empty private code file, and writes shell code into
// it, fails, or prints something that must never be evaluated.
const fakeBinary = `#!/bin/sh
printf '%s\0' "${ASSUME_ROLE_SHELL-<unset>}" "$#" "$@" >> "$AR_FAKE_DIR/log"
code=${ASSUME_ROLE_SHELL_CODE_FILE-}
if [ -z "$code" ] || [ ! -f "$code" ] || [ -s "$code" ] || [ -z "$(find "$code" -perm 0600)" ]; then
	echo "fake: no empty private code file: $code" >&2; exit 98
fi
case "${1-}" in
fail) echo 'fake: failing on purpose' >&2; echo 'export AR_LEAK=1'; cat "$AR_FAKE_DIR/leak.$ASSUME_ROLE_SHELL" > "$code"; exit 3 ;;
whoami) echo 'export AR_LEAK=1'; exit 5 ;;
--unset) exec cat "$AR_FAKE_DIR/unset.$ASSUME_ROLE_SHELL" > "$code" ;;
prod)
	if [ "${2-}" = --help ]; then echo 'export AR_LEAK=1'; exit 0; fi
	exec cat "$AR_FAKE_DIR/set.$ASSUME_ROLE_SHELL" > "$code" ;;
esac
echo "fake: unexpected arguments: $*" >&2
exit 99
`

// TestShellInitInRealShells loads ShellInit's function into bash, zsh and fish
// and drives it against a fake binary.
func TestShellInitInRealShells(t *testing.T) {
	for _, d := range dialects {
		for _, variant := range []string{"on PATH", "by path"} {
			t.Run(d.exe+"/"+variant, func(t *testing.T) {
				requireShell(t, d.exe)
				testShellInit(t, d, variant == "by path")
			})
		}
	}
}

func testShellInit(t *testing.T, d dialect, byPath bool) {
	dir := t.TempDir()
	binDir := filepath.Join(dir, "bin")
	opts := InitOptions{}
	if byPath {
		binDir = filepath.Join(dir, "it's a $(dir)")
		opts.Binary = filepath.Join(binDir, "assume-role")
	}
	writeFile(t, filepath.Join(binDir, "assume-role"), fakeBinary, 0o755)
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}

	init, err := ShellInit(d.sh, opts)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "init"), init, 0o600)
	set := valueVars(realValues(dir))
	writeFile(t, filepath.Join(dir, "set."+string(d.sh)), renderString(t, d.sh, set, []string{"AR_PRESET"}), 0o600)
	writeFile(t, filepath.Join(dir, "leak."+string(d.sh)), renderString(t, d.sh, []Var{{Name: "AR_LEAK", Value: "1"}}, nil), 0o600)
	var names []string
	for _, v := range set {
		names = append(names, v.Name)
	}
	writeFile(t, filepath.Join(dir, "unset."+string(d.sh)), renderString(t, d.sh, nil, names), 0o600)

	var s strings.Builder
	var want []string
	call := func(redirect string, args ...string) {
		s.WriteString("assume-role")
		for _, a := range args {
			s.WriteString(" " + Quote(d.sh, a))
		}
		s.WriteString(redirect + "\n" + d.status())
	}
	expectVar := func(name, value string, isSet bool) {
		s.WriteString(d.printVar(name))
		if isSet {
			want = append(want, "set:"+value)
		} else {
			want = append(want, "unset")
		}
	}
	s.WriteString(d.source("AR_INIT"))

	// A switch: the code written into the file lands in the calling shell.
	call("", "prod", "two words", "it's", "")
	want = append(want, "status=0")
	for _, v := range set {
		expectVar(v.Name, v.Value, true)
	}
	expectVar("AR_PRESET", "", false)
	expectVar(ShellEnvVar, "", false)
	expectVar(CodeFileEnvVar, "", false)

	// Failure: nothing is evaluated, not even code written into the file; the status propagates.
	call(` > "$AR_FAKE_DIR/fail.out"`, "fail")
	want = append(want, "status=3")
	expectVar("AR_LEAK", "", false)
	expectVar("AR_KEEP", "keep", true)

	// Standard output is printed as is, never evaluated, and the status propagates.
	call(` > "$AR_FAKE_DIR/whoami.out"`, "whoami")
	want = append(want, "status=5")
	expectVar("AR_LEAK", "", false)
	call(` > "$AR_FAKE_DIR/help.out"`, "prod", "--help")
	want = append(want, "status=0")
	expectVar("AR_LEAK", "", false)

	// --unset writes its statements into the file too.
	call("", "--unset")
	want = append(want, "status=0")
	expectVar("AR_V0", "", false)
	expectVar(set[len(set)-1].Name, "", false)

	recs, stderr := d.run(t, dir, "C.UTF-8", s.String(),
		"PATH="+filepath.Join(dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AR_INIT="+filepath.Join(dir, "init"), "AR_FAKE_DIR="+dir, "TMPDIR="+tmp,
		"AR_PRESET=preset", "AR_KEEP=keep")
	compareRecords(t, recs, want)
	if stderr != "fake: failing on purpose\n" {
		t.Errorf("stderr = %q, want only the binary's own message", stderr)
	}
	for _, f := range []string{"fail.out", "whoami.out", "help.out"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || string(b) != "export AR_LEAK=1\n" {
			t.Errorf("%s = %q, %v; want the output printed as is", f, b, err)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the function left %d temporary files in TMPDIR", len(left))
	}

	sh := string(d.sh)
	wantLog := [][]string{
		{sh, "4", "prod", "two words", "it's", ""},
		{sh, "1", "fail"},
		{sh, "1", "whoami"},
		{sh, "2", "prod", "--help"},
		{sh, "1", "--unset"},
	}
	var wantRecs []string
	for _, l := range wantLog {
		wantRecs = append(wantRecs, l...)
	}
	b, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	gotRecs := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	if !slices.Equal(gotRecs, wantRecs) {
		t.Errorf("binary calls (shell, argc, args…):\n got %q\nwant %q", gotRecs, wantRecs)
	}
	assertNotPwned(t, dir)
}
