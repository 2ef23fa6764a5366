package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/engine"
	"github.com/spf13/cobra"
)

// Runs the front could not replay exactly are never recorded.
func TestFastRecorderRefuses(t *testing.T) {
	dir := t.TempDir()
	c, err := cache.Open(cache.Options{Backend: cache.BackendFile, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	engineFile := filepath.Join(dir, "engine")
	if err := os.WriteFile(engineFile, []byte("engine"), 0o700); err != nil {
		t.Fatal(err)
	}
	plain := func() (*fastRecorder, fastRun) {
		var tf targetFlags
		cmd := &cobra.Command{Use: "x"}
		tf.register(cmd.Flags())
		cmd.Flags().Bool("debug", false, "")
		r := &fastRecorder{files: map[string]fileState{}}
		r.input.Environ = []string{"ASSUME_ROLE_CACHE_DIR=" + dir}
		r.input.Engine = engineFile
		return r, fastRun{cmd: cmd, format: "bash", tg: &target{}, cache: c, margin: time.Minute,
			res: &engine.Result{SourceKind: engine.SourceKeys, Cached: true, CacheID: strings.Repeat("a", 64)}}
	}
	for want, edit := range map[string]func(*fastRecorder, *fastRun){
		"--debug is given":      func(_ *fastRecorder, run *fastRun) { run.cmd.Flags().Set("debug", "true") },
		"--refresh is given":    func(_ *fastRecorder, run *fastRun) { run.cmd.Flags().Set("refresh", "true") },
		"--policy is given":     func(_ *fastRecorder, run *fastRun) { run.cmd.Flags().Set("policy", "@p.json") },
		"an MFA code is given":  func(_ *fastRecorder, run *fastRun) { run.tg.req.TokenCode = "123456" },
		"not access keys":       func(_ *fastRecorder, run *fastRun) { run.res.SourceKind = engine.SourceSDKProfile },
		"did not come from the": func(_ *fastRecorder, run *fastRun) { run.res.Cached = false },
		"asked a question":      func(r *fastRecorder, _ *fastRun) { r.prompted = true },
		"printed a message":     func(r *fastRecorder, _ *fastRun) { r.stderr = 10 },
		"wrote to the cache":    func(r *fastRecorder, _ *fastRun) { r.wrote = true },
		"read LANG":             func(r *fastRecorder, _ *fastRun) { r.uncovered = []string{"LANG"} },
		"not the environment's": func(r *fastRecorder, _ *fastRun) { r.input.Environ = []string{"ASSUME_ROLE_CACHE_DIR=/elsewhere"} },
		"dependencies changed":  func(*fastRecorder, *fastRun) {}, // the entry is not in the cache
	} {
		r, run := plain()
		edit(r, &run)
		var errb bytes.Buffer
		r.explain = true
		r.done(&IO{Err: &errb, Now: time.Now}, run)
		if !strings.Contains(errb.String(), "not recorded") || !strings.Contains(errb.String(), want) {
			t.Errorf("%s: %q", want, errb.String())
		}
	}
}
