package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLockWaitSaysWhyAndStops: a second terminal switching to the same role while the first sits
// at its MFA prompt says what it waits for instead of waiting silently, and Ctrl-C or SIGTERM
// stops it at once (130, 143) with nothing cached.
func TestLockWaitSaysWhyAndStops(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", mfaConfig)
	region := map[string]string{"AWS_REGION": "us-east-1"}
	prompt := "Enter MFA code for " + aliceMFA + ": "
	first := startPTY(t, w, region, false, "prod", "admin")
	first.expect(prompt)

	for _, tc := range []struct {
		stop func(*ptySession)
		code int
		msg  string
	}{
		{func(s *ptySession) { s.sendRaw("\x03") }, 130, "interrupted"},
		{func(s *ptySession) { s.cmd.Process.Signal(syscall.SIGTERM) }, 143, "terminated"},
	} {
		second := startPTY(t, w, region, false, "prod", "admin")
		second.expect("assume-role: waiting for another assume-role (pid ")
		second.expect(" to finish its MFA prompt… (Ctrl-C to stop)")
		tc.stop(second)
		out, code := second.waitStopped("lock wait")
		screen := second.Screen()
		if code != tc.code || out != "" || !strings.Contains(screen, "assume-role: error: "+tc.msg) {
			t.Fatalf("exit %d (want %d), stdout %q; screen:\n%s", code, tc.code, out, screen)
		}
		if strings.Contains(screen, prompt) {
			t.Fatalf("the waiting process prompted too:\n%s", screen)
		}
	}
	first.sendRaw("\x03")
	stoppedAt(t, first, prompt, 130, "interrupted")
	if w.count("GetSessionToken") != 0 || w.count("AssumeRole") != 0 {
		t.Fatalf("calls sent: %v", w.calls())
	}
	entries, _ := filepath.Glob(filepath.Join(w.env["ASSUME_ROLE_CACHE_DIR"], "*", "*"))
	for _, e := range entries {
		if fi, err := os.Stat(e); err == nil && !fi.IsDir() && !strings.HasSuffix(e, ".lock") {
			t.Fatalf("left in the cache: %s", e)
		}
	}
}

// TestInterruptedWriteProfileWritesNothing: Ctrl-C or SIGTERM while --write-profile waits for
// its MFA code leaves the credentials file as it was, with no temporary file beside it.
func TestInterruptedWriteProfileWritesNothing(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", mfaConfig)
	credPath := filepath.Join(w.home, ".aws", "credentials")
	before, err := os.ReadFile(credPath)
	if err != nil {
		t.Fatal(err)
	}
	prompt := "Enter MFA code for " + aliceMFA + ": "
	region := map[string]string{"AWS_REGION": "us-east-1"}
	ctrlCAt(t, startPTY(t, w, region, false, "prod", "admin", "--write-profile", "admin"), prompt)
	s := startPTY(t, w, region, false, "prod", "admin", "--write-profile", "admin")
	s.expect(prompt)
	s.cmd.Process.Signal(syscall.SIGTERM)
	stoppedAt(t, s, prompt, 143, "terminated")
	after, _ := os.ReadFile(credPath)
	if string(after) != string(before) {
		t.Fatalf("credentials file changed:\n%s", after)
	}
	files, _ := os.ReadDir(filepath.Dir(credPath))
	for _, f := range files {
		if n := f.Name(); n != "credentials" && n != "config" && n != "accounts" && n != "credentials.lock" {
			t.Fatalf("left beside the credentials file: %s", n)
		}
	}
}
