package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/assume-role/assume-role/internal/testidp"
)

// sendRaw types bytes on the terminal without a line ending (Ctrl-C is "\x03").
func (s *ptySession) sendRaw(b string) {
	s.t.Helper()
	if _, err := s.ptm.Write([]byte(b)); err != nil {
		s.t.Fatal(err)
	}
}

// waitStopped waits for the process to exit; one that still runs after a generous time (it went
// on waiting at the prompt) is killed and reported.
func (s *ptySession) waitStopped(what string) (string, int) {
	s.t.Helper()
	var hung atomic.Bool
	timer := time.AfterFunc(30*time.Second, func() { hung.Store(true); s.cmd.Process.Kill() })
	out, code := s.wait()
	timer.Stop()
	if hung.Load() {
		s.t.Fatalf("%s: assume-role kept waiting; screen:\n%s", what, s.Screen())
	}
	return out, code
}

// stoppedAt checks what a Ctrl-C or a signal at a prompt must do: exit with want at once, not
// ask again, print nothing on stdout and one error line on the terminal.
func stoppedAt(t *testing.T, s *ptySession, prompt string, want int, message string) {
	t.Helper()
	out, code := s.waitStopped(prompt)
	screen := s.Screen()
	if code != want {
		t.Fatalf("at %q: exit %d, want %d; screen:\n%s", prompt, code, want, screen)
	}
	if n := strings.Count(screen, prompt); n != 1 {
		t.Fatalf("at %q: the prompt was shown %d times; screen:\n%s", prompt, n, screen)
	}
	if out != "" {
		t.Fatalf("at %q: printed on stdout: %q", prompt, out)
	}
	if !strings.Contains(screen, "\nassume-role: error: "+message+"\r\n") || strings.Count(screen, "assume-role: error:") != 1 {
		t.Fatalf("at %q: want one line 'assume-role: error: %s'; screen:\n%s", prompt, message, screen)
	}
}

func ctrlCAt(t *testing.T, s *ptySession, prompt string) {
	t.Helper()
	s.expect(prompt)
	s.sendRaw("\x03")
	stoppedAt(t, s, prompt, 130, "interrupted")
}

func TestCtrlCAtMFAPromptAborts(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", mfaConfig)
	region := map[string]string{"AWS_REGION": "us-east-1"}
	ctrlCAt(t, startPTY(t, w, region, false, "prod", "admin"), "Enter MFA code for "+aliceMFA+": ")
	// After a few digits too, and through the MFA upgrade of a role that requires it.
	s := startPTY(t, w, region, false, "prod", "admin")
	s.expect("Enter MFA code for " + aliceMFA + ": ")
	s.sendRaw("123")
	ctrlCAt(t, s, "Enter MFA code for "+aliceMFA+": ")
	if w.count("GetSessionToken") != 0 || w.count("AssumeRole") != 0 {
		t.Fatalf("calls after Ctrl-C: %v", w.calls())
	}
	if entries, _ := os.ReadDir(filepath.Join(w.home, ".cache", "assume-role")); len(entries) > 0 {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") {
				t.Fatalf("a cache entry was written: %v", e.Name())
			}
		}
	}
}

// TestCtrlCAtMFAPromptOfProfileChain: the prompt for a hop the AWS SDK performs (mfa_serial in a
// source_profile of the chain) is aborted the same way.
func TestCtrlCAtMFAPromptOfProfileChain(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", "[profile hop]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\nmfa_serial = "+aliceMFA+
		"\n[profile top]\nrole_arn = arn:aws:iam::222222222222:role/chain\nsource_profile = hop\n")
	ctrlCAt(t, startPTY(t, w, map[string]string{"AWS_REGION": "us-east-1"}, false, "-p", "top"), "Enter MFA code for "+aliceMFA+": ")
	if n := w.count("AssumeRole"); n != 0 {
		t.Fatalf("calls after Ctrl-C: %v", w.calls())
	}
}

func TestSIGTERMAtMFAPrompt(t *testing.T) {
	w := newWorld(t, nil)
	w.write(".aws/config", mfaConfig)
	s := startPTY(t, w, map[string]string{"AWS_REGION": "us-east-1"}, false, "prod", "admin")
	prompt := "Enter MFA code for " + aliceMFA + ": "
	s.expect(prompt)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stoppedAt(t, s, prompt, 143, "terminated")
}

func TestCtrlCAtSAMLPrompts(t *testing.T) {
	fw := newFedWorld(t, testidp.Options{})
	fw.samlCredentials(samlUser, "")
	ctrlCAt(t, startPTY(t, fw.world, fw.saml, false, "prod", "saml-read", "-o", "bash"), "SAML password: ")
	// Typed half a password: the prompt is hidden (raw mode), Ctrl-C still aborts.
	s := startPTY(t, fw.world, fw.saml, false, "prod", "saml-read", "-o", "bash")
	s.expect("SAML password: ")
	s.sendRaw("correct horse")
	ctrlCAt(t, s, "SAML password: ")
	if strings.Contains(s.Screen(), "correct horse") {
		t.Fatalf("password echoed: %s", s.Screen())
	}
	if err := os.Remove(filepath.Join(fw.home, ".saml", "credentials")); err != nil {
		t.Fatal(err)
	}
	ctrlCAt(t, startPTY(t, fw.world, fw.saml, false, "prod", "saml-read", "-o", "bash"), "SAML username: ")
	if n := fw.idp.Requests(); n != 0 {
		t.Fatalf("the IdP was contacted %d times after Ctrl-C", n)
	}
}

func TestCtrlCAtTargetAndRegionPrompts(t *testing.T) {
	w := newWorld(t, nil)
	ctrlCAt(t, startPTY(t, w, map[string]string{"AWS_REGION": "us-east-1"}, false), "Assume Into Account [default]: ")
	s := startPTY(t, w, map[string]string{"AWS_REGION": "us-east-1"}, false)
	s.expect("Assume Into Account [default]: ")
	s.send("prod")
	ctrlCAt(t, s, "Assume Into Role [read]: ")
	ctrlCAt(t, startPTY(t, w, nil, false, "prod", "read"), "AWS region [us-east-1]: ")
	if len(w.calls()) != 0 {
		t.Fatalf("calls after Ctrl-C: %v", w.calls())
	}
}
