package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/assume-role/assume-role/problem"
)

// loopEngine builds an engine over a config file, an environment and a fake SelfCommand that
// recognises "self [--source-profile NAME]" lines; set collects what the engine marks.
func loopEngine(t *testing.T, cfg string, env map[string]string, set map[string]string) *Engine {
	t.Helper()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	vars := map[string]string{
		"HOME":                        dir,
		"AWS_CONFIG_FILE":             write("config", cfg),
		"AWS_SHARED_CREDENTIALS_FILE": write("credentials", "[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n"),
	}
	for k, v := range env {
		vars[k] = v
	}
	return New(Options{
		Getenv: func(k string) string { return vars[k] },
		Setenv: func(k, v string) error { set[k] = v; return nil },
		SelfCommand: func(command string) (string, bool) {
			words := strings.Fields(command)
			if len(words) == 0 || words[0] != "self" {
				return "", false
			}
			if len(words) == 3 && words[1] == "--source-profile" {
				return words[2], true
			}
			return "", true
		},
	})
}

func TestSelfLoopRefusedFromTheConfiguration(t *testing.T) {
	cfg := "[profile loop]\ncredential_process = self\n\n" +
		"[profile named]\ncredential_process = self --source-profile base\n\n" +
		"[profile a]\ncredential_process = self --source-profile b\n\n" +
		"[profile b]\ncredential_process = self --source-profile a\n\n" +
		"[profile role]\nrole_arn = arn:aws:iam::222222222222:role/read\nsource_profile = loop\n\n" +
		"[profile other]\ncredential_process = /usr/bin/some-tool\n"
	for _, tc := range []struct {
		source string
		env    map[string]string
		loop   bool
	}{
		{source: "loop", env: map[string]string{"AWS_PROFILE": "loop"}, loop: true}, // the README's line through AWS_PROFILE
		{source: "role", env: map[string]string{"AWS_PROFILE": "role"}, loop: true}, // the same under a role profile
		{source: "a", loop: true}, // a → b → a
		{source: "loop"},          // the nested run uses [default] (none here)
		{source: "loop", env: map[string]string{"AWS_PROFILE_ASSUME_ROLE": "base"}}, // the nested run's source is named
		{source: "loop", env: map[string]string{"AWS_PROFILE": "loop", "AWS_PROFILE_ASSUME_ROLE": "base"}},
		{source: "named", env: map[string]string{"AWS_PROFILE": "named"}},
		{source: "other", env: map[string]string{"AWS_PROFILE": "other"}},
	} {
		set := map[string]string{}
		e := loopEngine(t, cfg, tc.env, set)
		err := resolveSourceOf(e, tc.source)
		p := problem.As(err)
		switch {
		case tc.loop && (p == nil || p.Kind != problem.Config || !strings.Contains(p.Msg, "a loop") || !strings.Contains(p.Hint, "--source-profile")):
			t.Errorf("%s %v: want a loop error, got %v", tc.source, tc.env, err)
		case !tc.loop && err != nil:
			t.Errorf("%s %v: %v", tc.source, tc.env, err)
		case !tc.loop && set[ResolvingEnvVar] == "":
			t.Errorf("%s %v: the SDK's process was not marked", tc.source, tc.env)
		}
	}
}

func TestSelfLoopRefusedFromTheMarker(t *testing.T) {
	cfg := "[profile wrapped]\ncredential_process = /home/u/bin/creds\n"
	mine := strconv.Itoa(os.Getpid()) + ":wrapped"
	marker := func(entries ...string) map[string]string {
		b, _ := json.Marshal(entries)
		return map[string]string{ResolvingEnvVar: string(b)}
	}
	// An assume-role above us is resolving the profile: its process started us.
	set := map[string]string{}
	err := resolveSourceOf(loopEngine(t, cfg, marker("1:other", "12345678:wrapped"), set), "wrapped")
	if p := problem.As(err); p == nil || !strings.Contains(p.Msg, `profile "wrapped" runs assume-role`) {
		t.Fatalf("want a loop error, got %v", err)
	}
	// Our own entry (a refresh in the same process) and garbage are no loop.
	for _, env := range []map[string]string{marker(mine), {ResolvingEnvVar: "not json"}, nil} {
		set := map[string]string{}
		if err := resolveSourceOf(loopEngine(t, cfg, env, set), "wrapped"); err != nil {
			t.Fatalf("%v: %v", env, err)
		}
		marked, ok := set[ResolvingEnvVar]
		if !ok {
			marked = env[ResolvingEnvVar] // already there
		}
		var got []string
		if err := json.Unmarshal([]byte(marked), &got); err != nil || got[len(got)-1] != mine {
			t.Fatalf("%v: marked %q", env, set[ResolvingEnvVar])
		}
	}
	// A source without credential_process is not marked.
	set = map[string]string{}
	if err := resolveSourceOf(loopEngine(t, cfg, nil, set), "base"); err != nil || len(set) != 0 {
		t.Fatalf("base: %v, marked %v", err, set)
	}
}

// resolveSourceOf plans a role with name as the source profile (no network).
func resolveSourceOf(e *Engine, name string) error {
	_, err := e.Resolve(context.Background(), Request{RoleARN: "arn:aws:iam::222222222222:role/x", SourceProfile: name})
	return err
}
