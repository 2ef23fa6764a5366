package e2e

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
)

const mfaConfig = "[default]\nmfa_serial = " + aliceMFA + "\n"

// codeScript writes an mfa_process script printing the demo device's codes in turn (each code
// works once) and counting its runs in a file next to it.
func codeScript(w *world) (script, counter string) {
	counter = filepath.Join(w.home, "mfa-runs")
	script = w.write("next-code.sh", fmt.Sprintf(`#!/bin/sh
n=$(cat %[1]q 2>/dev/null || echo 0)
n=$((n+1))
echo "$n" > %[1]q
echo $((123460 + n))
`, counter))
	os.Chmod(script, 0o700)
	return script, counter
}

func runs(t *testing.T, counter string) int {
	b, err := os.ReadFile(counter)
	if err != nil {
		return 0
	}
	var n int
	fmt.Sscan(string(b), &n)
	return n
}

func TestMFAPromptOncePerDay(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", mfaConfig)
	region := map[string]string{"AWS_REGION": "us-east-1"}
	// First call: prompted on the terminal while stdout goes to eval.
	s := startPTY(t, w, region, false, "prod", "admin")
	s.expect("Enter MFA code for " + aliceMFA + ": ")
	s.send("123456")
	out, code := s.wait()
	if code != 0 || !strings.Contains(out, "export AWS_SESSION_TOKEN=") || strings.Contains(out, "Enter MFA") {
		t.Fatalf("exit %d stdout %q screen %q", code, out, s.Screen())
	}
	if w.count("GetSessionToken") != 1 || w.count("AssumeRole") != 1 {
		t.Fatalf("calls: %v", w.calls())
	}
	// A second terminal, another role: no prompt, the cached MFA session signs AssumeRole.
	s = startPTY(t, w, region, false, "staging", "admin")
	out, code = s.wait()
	if code != 0 || strings.Contains(s.Screen(), "Enter MFA") || !strings.Contains(out, "AWS_ACCOUNT_ID='333333333333'") {
		t.Fatalf("second call: exit %d screen %q", code, s.Screen())
	}
	if w.count("GetSessionToken") != 1 || w.count("AssumeRole") != 2 {
		t.Fatalf("calls: %v", w.calls())
	}
	// The same role again: served from the cache, no STS call at all.
	before := len(w.calls())
	w.runEnv(region, "prod", "admin", "-o", "bash")
	if len(w.calls()) != before {
		t.Fatalf("cached switch called STS: %v", w.calls()[before:])
	}
}

func TestMFADiscoveryAndChoice(t *testing.T) {
	w := newWorld(t, func(s *stsemu.Scenario) {
		s.Users[0].MFADevices = append(s.Users[0].MFADevices, &stsemu.MFADevice{Serial: "arn:aws:iam::111111111111:mfa/alice-yubikey", Codes: []string{"654321"}})
	})
	bastion := map[string]string{"AWS_ASSUME_ROLE_AUTH_SCHEME": "bastion", "AWS_REGION": "us-east-1"}
	r := w.failEnv(bastion, 6, "IAM user alice has 2 MFA devices: "+aliceMFA+", arn:aws:iam::111111111111:mfa/alice-yubikey", "prod", "admin")
	if !strings.Contains(r.stderr, "--serial-number") {
		t.Fatalf("no hint: %s", r.stderr)
	}
	s := startPTY(t, w, bastion, false, "prod", "admin")
	s.expect("Which MFA device?")
	s.expect("Choice [1-2]: ")
	s.send("2")
	s.expect("Enter MFA code for arn:aws:iam::111111111111:mfa/alice-yubikey: ")
	s.send("654321")
	if _, code := s.wait(); code != 0 {
		t.Fatalf("exit %d: %s", code, s.Screen())
	}
	if got := w.lastCall("GetSessionToken").Params["SerialNumber"]; got != "arn:aws:iam::111111111111:mfa/alice-yubikey" {
		t.Fatalf("serial %q", got)
	}
	if w.count("GetUser") != 2 || w.count("ListMFADevices") != 2 {
		t.Fatalf("discovery calls: %v", w.calls())
	}
}

func TestRoleRequiringMFAUpgradesOnTerminal(t *testing.T) {
	w := newWorld(t, nil)
	region := map[string]string{"AWS_REGION": "us-east-1"}
	s := startPTY(t, w, region, false, "prod", "admin")
	s.expect("Enter MFA code for " + aliceMFA)
	s.send("123456")
	if _, code := s.wait(); code != 0 {
		t.Fatalf("exit %d: %s", code, s.Screen())
	}
	want := []string{"GetCallerIdentity", "AssumeRole:AccessDenied", "GetCallerIdentity", "GetUser", "ListMFADevices", "GetSessionToken", "AssumeRole"}
	if got := strings.Join(w.calls(), " "); got != strings.Join(want, " ") {
		t.Fatalf("calls %s, want %s", got, strings.Join(want, " "))
	}
}

func TestProwlerMFAFlag(t *testing.T) {
	w := newWorld(t, nil)
	s := startPTY(t, w, map[string]string{"AWS_REGION": "us-east-1"}, false, "-R", "arn:aws:iam::222222222222:role/admin", "--mfa")
	s.expect("MFA device ARN: ")
	s.send(aliceMFA)
	s.expect("Enter MFA code for " + aliceMFA)
	s.send("123456")
	if _, code := s.wait(); code != 0 {
		t.Fatalf("exit %d: %s", code, s.Screen())
	}
	w.fail(6, "--mfa needs a terminal", "-R", "arn:aws:iam::222222222222:role/admin", "--mfa", "--no-cache")
}

func TestParallelSwitchesShareOneCall(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", mfaConfig)
	script, counter := codeScript(w)
	w.write(".aws/config", mfaConfig+"mfa_process = "+script+"\n")
	const n = 20
	var wg sync.WaitGroup
	keys := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(binary, "prod", "admin", "-o", "env")
			cmd.Env = w.environ(map[string]string{"AWS_REGION": "us-east-1"})
			out, err := cmd.Output()
			errs[i] = err
			for _, l := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(l, "AWS_ACCESS_KEY_ID=") {
					keys[i] = l
				}
			}
		}(i)
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil || keys[i] == "" || keys[i] != keys[0] {
			t.Fatalf("process %d: err %v key %q (first %q)", i, errs[i], keys[i], keys[0])
		}
	}
	if w.count("GetSessionToken") != 1 || w.count("AssumeRole") != 1 || runs(t, counter) != 1 {
		t.Fatalf("%d processes made %v with %d MFA codes", n, w.calls(), runs(t, counter))
	}
}

func TestExpiryMarginAndRevokedSession(t *testing.T) {
	w := newWorld(t, func(s *stsemu.Scenario) { s.CredentialLifetimeSeconds = 4 })
	// One endpoint URL (part of the cache keys) in front of two emulators: the second one, which
	// knows none of the first one's sessions, plays STS after a revocation.
	var backend atomic.Pointer[stsemu.Server]
	backend.Store(w.srv)
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { backend.Load().ServeHTTP(rw, r) }))
	t.Cleanup(front.Close)
	w.env["AWS_ENDPOINT_URL_STS"], w.env["AWS_ENDPOINT_URL_IAM"] = front.URL, front.URL
	script, counter := codeScript(w)
	w.write(".aws/config", mfaConfig+"mfa_process = "+script+"\n")
	margin := map[string]string{"ASSUME_ROLE_CACHE_MARGIN": "2s", "AWS_REGION": "us-east-1"}
	first := w.runEnv(margin, "prod", "admin", "-o", "env")
	again := w.runEnv(margin, "prod", "admin", "-o", "env")
	if first.code != 0 || first.stdout != again.stdout {
		t.Fatalf("not reused within the margin: %s / %s", first, again)
	}
	time.Sleep(2500 * time.Millisecond) // less than 2 s left now: inside the margin
	third := w.runEnv(margin, "prod", "admin", "-o", "env")
	if third.code != 0 || third.stdout == first.stdout || runs(t, counter) != 2 {
		t.Fatalf("not refreshed inside the margin (codes used %d): %s", runs(t, counter), third)
	}

	// A cached session that STS no longer knows (revoked) is dropped and a new one made.
	w2 := newWorld(t, nil)
	w2.home, w2.env["HOME"] = w.home, w.home
	for _, k := range []string{"ASSUME_ROLE_CACHE_DIR", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		w2.env[k] = w.env[k]
	}
	w2.write(".aws/config", mfaConfig+"mfa_process = "+script+"\n")
	w2.env["AWS_ENDPOINT_URL_STS"], w2.env["AWS_ENDPOINT_URL_IAM"] = front.URL, front.URL
	backend.Store(w2.srv)
	r := w2.runEnv(map[string]string{"AWS_REGION": "us-east-1", "ASSUME_ROLE_CACHE_MARGIN": "1s"}, "prod", "admin", "-o", "env", "--refresh")
	if r.code != 0 || !strings.Contains(r.stderr, "cached MFA session was rejected") {
		t.Fatalf("revoked session: %s", r)
	}
	if got := strings.Join(w2.calls(), " "); got != "AssumeRole:InvalidClientTokenId GetCallerIdentity GetSessionToken AssumeRole" {
		t.Fatalf("calls: %s", got)
	}
}

func TestBastionDurations(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", mfaConfig)
	r := w.ok("prod", "read", "123456", "-T", "7200", "-o", "bash")
	if !strings.Contains(r.stderr, "at most 1 hour") || w.lastCall("AssumeRole").Params["DurationSeconds"] != "3600" {
		t.Fatalf("no clamp: %s", r)
	}
	if got := w.lastCall("GetSessionToken").Params["DurationSeconds"]; got != "43200" {
		t.Fatalf("MFA session duration %q", got)
	}
	// --mfa-on-assume: the code goes with AssumeRole, so the session may last the role's maximum.
	w.srv.ResetLog()
	r = w.ok("prod", "read", "123457", "-T", "7200", "--mfa-on-assume", "-o", "bash")
	c := w.lastCall("AssumeRole")
	if c.Params["DurationSeconds"] != "7200" || c.Params["SerialNumber"] != aliceMFA || w.count("GetSessionToken") != 0 {
		t.Fatalf("mfa-on-assume: %v %v", c.Params, w.calls())
	}
	w.fail(2, "--mfa-session-duration", "prod", "read", "--mfa-session-duration", "200000")
}

func TestCacheFilesAndCommands(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", mfaConfig)
	r := w.ok("prod", "admin", "123456", "-o", "bash")
	env := exportsOf(t, w, r.stdout)
	dir := w.env["ASSUME_ROLE_CACHE_DIR"]
	var files int
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, _ := d.Info()
		switch {
		case d.IsDir() && info.Mode().Perm() != 0o700:
			t.Errorf("%s has mode %v", p, info.Mode().Perm())
		case !d.IsDir() && info.Mode().Perm() != 0o600:
			t.Errorf("%s has mode %v", p, info.Mode().Perm())
		case !d.IsDir() && strings.Contains(p, "creds"):
			files++
		}
		return nil
	})
	if files != 2 {
		t.Errorf("%d credential files, want 2 (session + role)", files)
	}
	list := w.ok("cache", "list")
	for _, secret := range []string{env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"], aliceSecret} {
		if strings.Contains(list.stdout+list.stderr+r.stderr, secret) {
			t.Fatal("a secret reached cache list or stderr")
		}
	}
	if !strings.Contains(list.stdout, "role/admin") || !strings.Contains(list.stdout, "MFA session of "+aliceARN) {
		t.Fatalf("cache list:\n%s", list.stdout)
	}
	if c := w.ok("cache", "clear"); !strings.Contains(c.stderr, "removed 2") {
		t.Fatalf("cache clear: %s", c)
	}
	if l := w.ok("cache", "list"); strings.Contains(l.stdout, "role/") {
		t.Fatalf("not cleared:\n%s", l.stdout)
	}
	w.fail(6, "an MFA code is needed", "prod", "admin") // the session is gone: MFA again
	// --no-cache neither reads nor writes.
	w.ok("prod", "read", "123457", "--no-cache", "-o", "bash")
	if l := w.ok("cache", "list"); strings.Contains(l.stdout, "role/") {
		t.Fatalf("--no-cache wrote the cache:\n%s", l.stdout)
	}
}

func TestCorruptCacheEntryIsReplaced(t *testing.T) {
	w := newWorld(t, nil)
	w.ok("prod", "read", "-o", "bash")
	matches, _ := filepath.Glob(filepath.Join(w.env["ASSUME_ROLE_CACHE_DIR"], "creds", "*.json"))
	if len(matches) != 1 {
		t.Fatalf("cache files: %v", matches)
	}
	os.WriteFile(matches[0], []byte(`{"Version":1,"AccessKeyId":"ASIA`), 0o600)
	r := w.ok("prod", "read", "-o", "bash")
	if w.count("AssumeRole") != 2 || !strings.Contains(r.stdout, "AWS_ACCESS_KEY_ID") {
		t.Fatalf("corrupt entry trusted: %v", w.calls())
	}
}

func TestProfileWithMFASerialSharesTheSession(t *testing.T) {
	w := newWorld(t, nil)
	script, counter := codeScript(w)
	w.write(".aws/config", fmt.Sprintf(`[profile prod-admin]
role_arn = arn:aws:iam::222222222222:role/admin
mfa_serial = %[1]s
mfa_process = %[2]s
source_profile = default
region = eu-west-1

[profile staging-admin]
role_arn = arn:aws:iam::333333333333:role/admin
mfa_serial = %[1]s
mfa_process = %[2]s
source_profile = default
`, aliceMFA, script))
	w.ok("-p", "prod-admin", "-o", "bash")
	w.ok("-p", "staging-admin", "-o", "bash")
	w.ok("-p", "prod-admin", "-o", "bash")
	if runs(t, counter) != 1 || w.count("GetSessionToken") != 1 || w.count("AssumeRole") != 2 {
		t.Fatalf("codes used %d, calls %v", runs(t, counter), w.calls())
	}
}
