package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "url")
	logFile := filepath.Join(dir, "log.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuf
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--scenario", "../../testdata/emulator/demo.json", "--ready-file", ready, "--log", logFile}, &stderr)
	}()
	var url string
	for i := 0; i < 500 && url == ""; i++ {
		if b, err := os.ReadFile(ready); err == nil {
			url = strings.TrimSpace(string(b))
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("ready file URL %q; stderr: %s", url, stderr.String())
	}
	if !strings.Contains(stderr.String(), "STS emulator listening on "+url) {
		t.Fatalf("stderr = %q", stderr.String())
	}
	resp, err := http.Post(url+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("unsigned call status %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d; stderr: %s", code, stderr.String())
	}
	b, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(b), `"error_code":"MissingAuthenticationToken"`) {
		t.Fatalf("log file: %s %v", b, err)
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:80", "example.com:80"} {
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"--scenario", "../../testdata/emulator/demo.json", "--addr", addr}, &stderr); code != 1 ||
			!strings.Contains(stderr.String(), "loopback") {
			t.Errorf("addr %s: code %d stderr %q", addr, code, stderr.String())
		}
	}
}

func TestRunFindsDemoScenario(t *testing.T) {
	p, err := findDemo()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, filepath.Join("testdata", "emulator", "demo.json")) {
		t.Fatalf("found %s", p)
	}
}
