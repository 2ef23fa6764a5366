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
