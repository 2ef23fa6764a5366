package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentSwitchesAndProfileWrites: 32 processes switching and 32 writing profiles into
// the same credentials file at once: every process succeeds, no cache entry is corrupt, no
// profile is lost (the user's own [default] included), and each cache key costs one STS call.
func TestConcurrentSwitchesAndProfileWrites(t *testing.T) {
	w := newWorld(t, nil)
	const n = 32
	type job struct {
		args []string
		res  result
	}
	var jobs []*job
	for i := range n {
		acct := []string{"prod", "staging"}[i%2]
		jobs = append(jobs, &job{args: []string{"-o", "env", acct, "read"}})
		jobs = append(jobs, &job{args: []string{"prod", "read", "--write-profile", fmt.Sprintf("job-%02d", i)}})
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			j.res = runProcess(t, w.environ(map[string]string{"AWS_REGION": "us-east-1"}), w.home, "", binary, j.args...)
		}()
	}
	close(start)
	wg.Wait()
	for _, j := range jobs {
		if j.res.code != 0 {
			t.Fatalf("%v: %s", j.args, j.res)
		}
		if j.args[0] == "-o" && !strings.Contains(j.res.stdout, "AWS_SESSION_TOKEN=") {
			t.Fatalf("%v printed no credentials: %s", j.args, j.res)
		}
	}

	// No profile lost, none corrupt.
	data, err := os.ReadFile(filepath.Join(w.home, ".aws", "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, "[default]\naws_access_key_id = "+aliceKey+"\naws_secret_access_key = "+aliceSecret+"\n") {
		t.Fatalf("[default] changed:\n%s", text)
	}
	for i := range n {
		sec := fmt.Sprintf("[job-%02d]", i)
		if strings.Count(text, sec) != 1 {
			t.Fatalf("%s appears %d times:\n%s", sec, strings.Count(text, sec), text)
		}
		body := text[strings.Index(text, sec):]
		if next := strings.Index(body[1:], "\n["); next >= 0 {
			body = body[:next+1]
		}
		for _, k := range []string{"aws_access_key_id = ASIA", "aws_secret_access_key = ", "aws_session_token = ", "region = us-east-1"} {
			if !strings.Contains(body, k) {
				t.Fatalf("%s lacks %q:\n%s", sec, k, body)
			}
		}
	}
	if strings.Count(text, "[") != n+1 {
		t.Fatalf("%d sections, want %d:\n%s", strings.Count(text, "["), n+1, text)
	}

	// Every cache entry is whole JSON; one STS call per key (two roles).
	entries, _ := filepath.Glob(filepath.Join(w.env["ASSUME_ROLE_CACHE_DIR"], "*", "*.json"))
	if len(entries) == 0 {
		t.Fatal("no cache entries")
	}
	for _, e := range entries {
		b, err := os.ReadFile(e)
		if err != nil || !json.Valid(b) {
			t.Fatalf("corrupt cache entry %s: %v %q", e, err, b)
		}
	}
	if got := w.count("AssumeRole"); got != 2 {
		t.Fatalf("%d AssumeRole calls for 2 roles", got)
	}
	list := w.ok("cache", "list")
	if strings.Contains(list.stderr, "corrupt") || strings.Contains(list.stderr, "error") {
		t.Fatalf("cache list: %s", list)
	}
}
