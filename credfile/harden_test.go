package credfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// Defect 1: long-term keys are detected in any letter case, and an empty
// aws_session_token line does not make them temporary.
func TestNeverOverwritesLongTermKeys(t *testing.T) {
	tests := []struct{ name, content string }{
		{"lower case", "[work]\naws_access_key_id = AKIALONG\naws_secret_access_key = longsecret\n"},
		{"upper case", "[work]\nAWS_ACCESS_KEY_ID = AKIALONG\nAWS_SECRET_ACCESS_KEY = longsecret\n"},
		{"mixed case", "[work]\nAws_Access_Key_Id=AKIALONG\naws_secret_access_key=longsecret\n"},
		{"empty session token", "[work]\naws_access_key_id = AKIALONG\naws_secret_access_key = longsecret\naws_session_token =\n"},
		{"blank session token", "[work]\naws_access_key_id = AKIALONG\naws_secret_access_key = longsecret\nAWS_SESSION_TOKEN =   \n"},
		{"colon delimiter", "[work]\naws_access_key_id: AKIALONG\naws_secret_access_key: longsecret\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "credentials")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := CheckTarget(path, "work")
			if !errors.Is(err, ErrLongTermKeys) {
				t.Errorf("CheckTarget = %v, want ErrLongTermKeys", err)
			}
			err = WriteProfile(path, "work", written)
			if !errors.Is(err, ErrLongTermKeys) {
				t.Errorf("WriteProfile = %v, want ErrLongTermKeys", err)
			}
			if err != nil {
				checkNoSecrets(t, err)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.content {
				t.Errorf("file changed to %q", got)
			}
			checkNoLeftovers(t, dir)
		})
	}
	// Temporary keys, and keys assume-role wrote itself, are replaced.
	for _, content := range []string{
		"[work]\nAWS_ACCESS_KEY_ID = ASIAOLD\naws_secret_access_key = s\nAWS_SESSION_TOKEN = tok\n",
		"[work]\naws_access_key_id = ASIAOLD\naws_secret_access_key = s\naws_security_token = tok\n",
		"[work]\n" + marker + "\naws_access_key_id = AKIAOURS\naws_secret_access_key = s\n",
		"[work]\nregion = eu-west-1\n",
		"[other]\naws_access_key_id = AKIALONG\naws_secret_access_key = s\n",
	} {
		path := filepath.Join(t.TempDir(), "credentials")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := CheckTarget(path, "work"); err != nil {
			t.Errorf("CheckTarget(%q) = %v", content, err)
		}
		if err := WriteProfile(path, "work", written); err != nil {
			t.Errorf("WriteProfile over %q = %v", content, err)
		}
	}
}

// Defect 3: names the SDKs read differently are refused.
func TestRefusesAmbiguousProfileNames(t *testing.T) {
	for _, name := range []string{"a;b", "a#b", "#a", ";a", "a[b", "a]b", "my profile", "a\tb", "profile work", "a\u00a0b", "a\"b", "a'b", "a\\b", "a=b", "", "DEFAULT"} {
		if err := ValidName(name); !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidName(%q) = %v, want ErrInvalid", name, err)
		}
		path := filepath.Join(t.TempDir(), "credentials")
		if err := WriteProfile(path, name, written); !errors.Is(err, ErrInvalid) {
			t.Errorf("WriteProfile(%q) = %v, want ErrInvalid", name, err)
		}
	}
	// Every accepted character reads back identically in the Go SDK (botocore:
	// TestBotocoreReadsNames).
	for _, name := range acceptedNames {
		if err := ValidName(name); err != nil {
			t.Errorf("ValidName(%q) = %v", name, err)
			continue
		}
		path := filepath.Join(t.TempDir(), "credentials")
		if err := os.WriteFile(path, []byte("[before]\nregion = x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := WriteProfile(path, name, written); err != nil {
			t.Fatalf("WriteProfile(%q) = %v", name, err)
		}
		got := readProfileGo(t, path, name)
		if got.AccessKeyID != written.AccessKeyID || got.SessionToken != written.SessionToken {
			t.Errorf("Go SDK read %q as %+v", name, got)
		}
		if _, err := config.LoadSharedConfigProfile(t.Context(), "before", func(o *config.LoadSharedConfigOptions) {
			o.CredentialsFiles = []string{path}
			o.ConfigFiles = []string{}
		}); err != nil {
			t.Errorf("%q: profile before: %v", name, err)
		}
	}
}

var acceptedNames = []string{"work", "Default", "a.b-c_d@e", "org/team:role", "a+b,c", "x%y", "ÄÖ-ü", "123"}

// Defect 3: a read-only file is refused, not replaced.
func TestRefusesReadOnlyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	content := "[default]\nregion = x\n"
	if err := os.WriteFile(path, []byte(content), 0o400); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{CheckTarget(path, "work"), WriteProfile(path, "work", written)} {
		if err == nil || !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), "0400") {
			t.Errorf("err = %v, want a read-only refusal naming the mode", err)
		}
	}
	fi, _ := os.Stat(path)
	if got, _ := os.ReadFile(path); string(got) != content || fi.Mode().Perm() != 0o400 {
		t.Errorf("file changed: %q %v", got, fi.Mode())
	}
	checkNoLeftovers(t, dir)
}

// Defect 2: another writer rewrote the file in place between our read and our
// rename (as `aws configure set` does, without our lock). The stale snapshot is
// detected, nothing is renamed, and the retry starts from the new content.
func TestDetectsConcurrentInPlaceRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	if err := os.WriteFile(path, []byte("[a]\nregion = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	snap, err := readSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	// Same size, same modification time: only the content tells.
	fi, _ := os.Stat(path)
	rewritten := "[b]\nregion = y\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(rewritten); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	retry, err := attempt(path, snap, "work", written)
	if err != nil || !retry {
		t.Fatalf("attempt on a stale snapshot = %v, %v; want a retry", retry, err)
	}
	if got, _ := os.ReadFile(path); string(got) != rewritten {
		t.Fatalf("stale write went through: %q", got)
	}
	checkNoLeftovers(t, dir)

	// A file truncated by a writer that has not written yet, then completed.
	snap, _ = readSnapshot(path)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if retry, err := attempt(path, snap, "work", written); err != nil || !retry {
		t.Fatalf("attempt after truncation = %v, %v; want a retry", retry, err)
	}
	if err := os.WriteFile(path, []byte(rewritten+"[c]\nregion = z\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The retry loop starts from the content on disk: nothing is lost.
	if err := WriteProfile(path, "work", written); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.HasPrefix(got, []byte(rewritten+"[c]\nregion = z\n\n[work]\n")) {
		t.Fatalf("result lost bytes: %q", got)
	}
	// Unchanged: the attempt renames.
	snap, _ = readSnapshot(path)
	if retry, err := attempt(path, snap, "w2", written); err != nil || retry {
		t.Fatalf("attempt on a fresh snapshot = %v, %v", retry, err)
	}
}

// TestBotocoreReadsNames has botocore read a profile under every accepted name.
func TestBotocoreReadsNames(t *testing.T) {
	out, err := exec.Command("python3", "-c", "import sys, botocore.session; print(sys.executable)").Output()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with botocore is required when CI=true: %v", err)
		}
		t.Skipf("python3 with botocore not available: %v", err)
	}
	var query [][2]string
	for _, name := range acceptedNames {
		path := filepath.Join(t.TempDir(), "credentials")
		if err := os.WriteFile(path, []byte("[before]\nregion = x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := WriteProfile(path, name, written); err != nil {
			t.Fatal(err)
		}
		query = append(query, [2]string{path, name})
	}
	arg, _ := json.Marshal(query)
	home := t.TempDir()
	cmd := exec.Command(strings.TrimSpace(string(out)), "-c", botocoreScript, string(arg))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"), "AWS_EC2_METADATA_DISABLED=true"}
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var got [][]string
	if err := json.Unmarshal(res, &got); err != nil || len(got) != len(query) {
		t.Fatalf("botocore printed %q: %v", res, err)
	}
	for i, g := range got {
		if g == nil || g[1] != written.AccessKeyID || g[3] != written.SessionToken {
			t.Errorf("botocore read profile %q as %q", query[i][1], g)
		}
	}
}

// A large file is updated without parsing all of it (ini.v1 needs minutes for tens of MB); the
// result still reads back in the Go SDK and keeps every other byte.
func TestLargeFile(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 2*verifyWholeAbove; i++ {
		fmt.Fprintf(&b, "[p%d]\naws_access_key_id = AKIA%016d\naws_secret_access_key = secret\n\n", i, i)
	}
	b.WriteString("[work]\nregion = eu-west-1\n\n[last]\nregion = x\n")
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteProfile(path, "work", written); err != nil {
		t.Fatal(err)
	}
	got := readProfileGo(t, path, "work")
	if got.AccessKeyID != written.AccessKeyID || got.SessionToken != written.SessionToken {
		t.Fatalf("read back %+v", got)
	}
	out, _ := os.ReadFile(path)
	checkUntouched(t, []byte(b.String()), out, "work")
	// A long-term profile deep in a large file is still protected.
	if err := WriteProfile(path, "p1234", written); !errors.Is(err, ErrLongTermKeys) {
		t.Fatalf("p1234: %v", err)
	}
}
