package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// sdkProcessError is what the SDK's credential_process provider returns for output out (the
// parsing and checks of processcreds.Provider.Retrieve, without running a process).
func sdkProcessError(out []byte) error {
	resp := &processcreds.CredentialProcessResponse{}
	if err := json.Unmarshal(out, resp); err != nil {
		return &processcreds.ProviderError{Err: fmt.Errorf("parse failed of process output: %s, error: %w", out, err)}
	}
	switch {
	case resp.Version != 1:
		return &processcreds.ProviderError{Err: fmt.Errorf("wrong version in process output (not 1)")}
	case resp.AccessKeyID == "":
		return &processcreds.ProviderError{Err: fmt.Errorf("missing AccessKeyId in process output")}
	case resp.SecretAccessKey == "":
		return &processcreds.ProviderError{Err: fmt.Errorf("missing SecretAccessKey in process output")}
	}
	return nil
}

// FuzzProcessOutput: whatever a credential_process prints, the error is one line that quotes
// none of it (the output usually holds a secret key).
func FuzzProcessOutput(f *testing.F) {
	for _, s := range []string{
		`{"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": "s3cr3tKEYvalue"}`,
		`{"Version": 2}`, `{"Version": 1, "SecretAccessKey": "s3cr3tKEYvalue"}`,
		`AccessKeyId=AKIA SecretAccessKey=s3cr3tKEYvalue`, ``, `{"Version": "1"}`,
		`{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s3cr3tKEYvalue", "Expiration": "tomorrow"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		err := sdkProcessError(out)
		if err == nil {
			return
		}
		p := processProblem(err, `profile "p"`)
		if p == nil {
			t.Fatalf("no problem for %v", err)
		}
		shown := p.Msg + "\n" + p.Hint
		if strings.ContainsAny(p.Msg, "\n\r") || strings.ContainsAny(p.Hint, "\n\r") {
			t.Fatalf("not one line: %q", shown)
		}
		// The output, or any long string in it, is never quoted.
		var fields map[string]any
		_ = json.Unmarshal(out, &fields)
		for _, v := range fields {
			if s, ok := v.(string); ok && len(s) >= 12 && strings.Contains(p.Msg, s) {
				t.Fatalf("quotes %q: %q", s, shown)
			}
		}
		if s := strings.TrimSpace(string(out)); len(s) >= 12 && strings.Contains(p.Msg, s) {
			t.Fatalf("quotes the output: %q", shown)
		}
	})
}

// FuzzSharedConfig: whatever the config file holds, reading it (the SDK's parser and the subset
// we read ourselves) never crashes; a file the SDK cannot parse is a configuration error naming
// the file and line.
func FuzzSharedConfig(f *testing.F) {
	for _, s := range []string{
		"[profile p]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = default\nduration_seconds = abc\n",
		"[default]\nregion = \"\n", "[profile p]\nregion = '  # comment\n", "[p\nx=1\n", "[profile p]\n  nested = 1\n\ts3 =\n  max = 2\n",
		"[sso-session s]\nsso_start_url = https://x\n[profile p]\nsso_session = s\nmfa_process = \"echo 1\"\n",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	cfg := filepath.Join(dir, "config")
	env := map[string]string{"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"), "HOME": dir}
	e := New(Options{Getenv: func(k string) string { return env[k] }})
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 4096 {
			return
		}
		if err := os.WriteFile(cfg, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		profiles, _ := e.rawProfiles("p")
		for name, p := range profiles {
			_ = checkRawDuration(p.keys["duration_seconds"], name)
		}
		_ = e.profileKey("p", "mfa_process")
		_, _, err := e.loadProfile(context.Background(), "p")
		if p := problem.As(err); p != nil && strings.Contains(p.Msg, "the AWS SDK cannot parse") {
			t.Fatalf("the SDK crashed on a file whose line we did not find: %q", p.Msg)
		}
	})
}

// FuzzDurationText: a profile's duration_seconds as written and --timeouts: accepted values are
// in range, nothing panics, errors are one printable line.
func FuzzDurationText(f *testing.F) {
	for _, s := range []string{"3600", "abc", "-5", "99999999999999999999", "connect=1s,total=2m", "first-byte=0s", "total=1h1ns", "x=\x1b[2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := checkRawDuration(s, "[profile p]"); err == nil && s != "" {
			if n, serr := strconv.Atoi(s); serr != nil || n < 900 || n > 43200 {
				t.Fatalf("accepted duration_seconds %q", s)
			}
		}
		to, err := ParseTimeouts(s)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r\x1b") {
				t.Fatalf("error %q", msg)
			}
			return
		}
		for _, d := range []time.Duration{to.Connect, to.FirstByte, to.Total} {
			if d < time.Millisecond || d > time.Hour {
				t.Fatalf("%q gave %v", s, to)
			}
		}
	})
}
