package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as the measured command: TIMEIT_HELPER selects a behaviour.
func TestMain(m *testing.M) {
	switch os.Getenv("TIMEIT_HELPER") {
	case "":
		os.Exit(m.Run())
	case "ok":
		fmt.Println("export AWS_SESSION_TOKEN='x'")
		os.Exit(0)
	case "fail":
		fmt.Fprintln(os.Stderr, "helper: error: denied")
		os.Exit(3)
	case "count":
		// Appends a line per run so the test can count runs.
		f, err := os.OpenFile(os.Getenv("TIMEIT_COUNT_FILE"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			os.Exit(4)
		}
		fmt.Fprintln(f, "run")
		f.Close()
		fmt.Println("counted")
		os.Exit(0)
	}
	os.Exit(5)
}

func helper(t *testing.T, mode string) []string {
	t.Helper()
	t.Setenv("TIMEIT_HELPER", mode)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{exe}
}

func TestSummarise(t *testing.T) {
	var samples []sample
	for _, v := range []int{5, 1, 4, 2, 3, 10, 9, 8, 7, 6} { // milliseconds, unsorted
		samples = append(samples, sample{wall: time.Duration(v) * time.Millisecond,
			cpu: time.Duration(v) * time.Millisecond / 2, rssKiB: int64(v * 100)})
	}
	m := summarise(samples)
	want := Measurement{Runs: 10, MedianMS: 5.5, P90MS: 9, MinMS: 1, MaxMS: 10, MeanMS: 5.5,
		CPUMedianMS: 2.75, MaxRSSKiB: 1000, MedianRSSKiB: 500}
	if !reflect.DeepEqual(*m, want) {
		t.Fatalf("summarise = %+v\nwant        %+v", *m, want)
	}
}

func TestMedianPercentile(t *testing.T) {
	cases := []struct {
		in       []float64
		med, p90 float64
	}{
		{[]float64{7}, 7, 7},
		{[]float64{1, 2, 3}, 2, 3},
		{[]float64{1, 2, 3, 4}, 2.5, 4},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6, 10},
	}
	for _, c := range cases {
		if got := median(c.in); got != c.med {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.med)
		}
		if got := percentile(c.in, 90); got != c.p90 {
			t.Errorf("percentile(%v, 90) = %v, want %v", c.in, got, c.p90)
		}
	}
}

func TestRunWritesMeasurement(t *testing.T) {
	dir := t.TempDir()
	countFile := filepath.Join(dir, "count")
	t.Setenv("TIMEIT_COUNT_FILE", countFile)
	out := filepath.Join(dir, "m.json")
	args := append([]string{"run", "-name", "a.ours", "-label", "ours", "-n", "4", "-warmup", "2",
		"-expect", "counted", "-out", out, "--"}, helper(t, "count")...)
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	b, err := os.ReadFile(countFile)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "run\n"); n != 6 {
		t.Fatalf("command ran %d times, want 6 (2 warmup + 4)", n)
	}
	m, err := readMeasurement(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "a.ours" || m.Label != "ours" || m.Runs != 4 || m.Warmup != 2 {
		t.Fatalf("measurement %+v", m)
	}
	if m.MinMS <= 0 || m.MedianMS < m.MinMS || m.P90MS < m.MedianMS || m.MaxMS < m.P90MS {
		t.Fatalf("inconsistent statistics %+v", m)
	}
	if !strings.Contains(stdout.String(), "a.ours") {
		t.Fatalf("no summary line: %q", stdout.String())
	}
}

func TestRunFailures(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, mode, expect, want string
	}{
		{"non-zero exit", "fail", "", "helper: error: denied"},
		{"missing output", "ok", "AWS_ACCESS_KEY_ID", `lacks "AWS_ACCESS_KEY_ID"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.mode+".json")
			args := append([]string{"run", "-name", "x.ours", "-n", "3", "-warmup", "0", "-expect", c.expect,
				"-out", out, "--"}, helper(t, c.mode)...)
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 1 {
				t.Fatalf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), c.want) || !strings.Contains(stderr.String(), "run 1 of 3") {
				t.Fatalf("stderr %q lacks %q", stderr.String(), c.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("a failed measurement was written (%v)", err)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"bogus"},
		{"run", "-name", "x", "--", "true"},
		{"run", "-name", "x", "-out", "f"},
		{"run", "-name", "x", "-out", "f", "-n", "0", "--", "true"},
		{"report"},
		{"report", "-meta", "cpu=x", "f"},
		{"report", "-meta", "other.cpu=x", "f"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code == 0 {
			t.Errorf("%q: exit 0, want an error", args)
		}
	}
}

func writeMeasurement(t *testing.T, dir string, m Measurement) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, m.Name+".json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		writeMeasurement(t, dir, Measurement{Name: "a.ours", Label: "ours uncached", Runs: 200, MedianMS: 8, MaxRSSKiB: 20480}),
		writeMeasurement(t, dir, Measurement{Name: "a.aws", Label: "aws cli", Runs: 30, MedianMS: 400}),
		writeMeasurement(t, dir, Measurement{Name: "b.ours", Label: "ours cached", Runs: 200, MedianMS: 10}),
		writeMeasurement(t, dir, Measurement{Name: "b.script", Label: "script", Runs: 30, MedianMS: 400}),
		writeMeasurement(t, dir, Measurement{Name: "c.hit", Label: "mfa hit", Runs: 200, MedianMS: 3}),
	}
	out := filepath.Join(dir, "results", "latest.json")
	args := append([]string{"report", "-json", out, "-meta", "machine.nproc=2", "-meta", "tools.aws=aws-cli/2.9",
		"-note", "hyperfine not used"}, files...)
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var r Report
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Measurements) != 5 || r.Machine["nproc"] != "2" || r.Tools["aws"] != "aws-cli/2.9" || len(r.Notes) != 1 {
		t.Fatalf("report %+v", r)
	}
	if len(r.Comparisons) != 2 {
		t.Fatalf("comparisons %+v", r.Comparisons)
	}
	a, bb := r.Comparisons[0], r.Comparisons[1]
	// a: 8 ms < 15 ms and 50x >= 20x; b: 10 ms <= 10 ms but 40x < 50x.
	if a.Speedup != 50 || !a.MedianMet || a.SpeedupMet == nil || !*a.SpeedupMet {
		t.Errorf("a = %+v", a)
	}
	if bb.Speedup != 40 || !bb.MedianMet || bb.SpeedupMet == nil || *bb.SpeedupMet {
		t.Errorf("b = %+v", bb)
	}
	text := stdout.String()
	for _, want := range []string{"50.0x faster", "40.0x faster", "MISSED (speedup)", "20.0 MiB", "note: hyperfine not used", "ours cached"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
}

func TestReportWithoutBaseline(t *testing.T) {
	dir := t.TempDir()
	f := writeMeasurement(t, dir, Measurement{Name: "a.ours", Runs: 10, MedianMS: 16})
	var stdout, stderr bytes.Buffer
	if code := run([]string{"report", f}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "MISSED (median)") {
		t.Fatalf("a 16 ms median passed the < 15 ms target:\n%s", stdout.String())
	}
	rows := compare([]*Measurement{{Name: "a.ours", Runs: 1, MedianMS: 5}})
	if len(rows) != 1 || rows[0].SpeedupMet != nil || rows[0].Speedup != 0 || !rows[0].MedianMet {
		t.Fatalf("rows %+v", rows)
	}
}

func TestPair(t *testing.T) {
	exe := helper(t, "count")
	count := filepath.Join(t.TempDir(), "count")
	t.Setenv("TIMEIT_COUNT_FILE", count)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"pair", "-baseline", "hello", "-n", "5", "-warmup", "1", "-dir", dir, "--",
		"hello", "the baseline", "counted", exe[0], "---",
		"h.switch", "", "counted", exe[0], "extra-arg"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(count)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), "run"); got != 12 {
		t.Errorf("%d runs, want 2 commands x (5 + 1 warmup) = 12", got)
	}
	var h, s Measurement
	for name, m := range map[string]*Measurement{"hello": &h, "h.switch": &s} {
		data, err := os.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, m); err != nil {
			t.Fatal(err)
		}
	}
	if h.Runs != 5 || h.Baseline != "" || h.PairedRatio != 0 || h.Label != "the baseline" {
		t.Errorf("baseline %+v", h)
	}
	if s.Runs != 5 || s.Baseline != "hello" || s.PairedRatio <= 0 || s.RatioOfMedians <= 0 || !strings.HasSuffix(s.Label, "extra-arg") {
		t.Errorf("paired %+v", s)
	}
	if s.MedianMinFlt <= 0 {
		t.Errorf("no page faults recorded: %+v", s)
	}
}

func TestPairUsageErrors(t *testing.T) {
	exe := helper(t, "ok")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"pair", "-dir", dir, "--", "a", "", "", exe[0], "---", "b", "", "", exe[0]},                       // no baseline
		{"pair", "-baseline", "c", "-dir", dir, "--", "a", "", "", exe[0], "---", "b", "", "", exe[0]},     // unknown baseline
		{"pair", "-baseline", "a", "-dir", dir, "--", "a", "", "", exe[0]},                                 // one command
		{"pair", "-baseline", "a", "-dir", dir, "--", "a", "", "", exe[0], "---", "b", ""},                 // short group
		{"pair", "-baseline", "a", "-dir", dir, "--", "a", "", "nope", exe[0], "---", "b", "", "", exe[0]}, // expectation fails
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code == 0 {
			t.Errorf("%q: exit 0", args)
		}
	}
}

func TestReportRatioTargets(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		writeMeasurement(t, dir, Measurement{Name: "h.hello", Runs: 9, MedianMS: 1}),
		writeMeasurement(t, dir, Measurement{Name: "h.switch", Runs: 9, MedianMS: 1.8, Baseline: "h.hello", PairedRatio: 1.8, RatioOfMedians: 1.8, MaxRSSKiB: 13 * 1024}),
		writeMeasurement(t, dir, Measurement{Name: "h.version", Runs: 9, MedianMS: 1.2, Baseline: "h.hello", PairedRatio: 1.2, RatioOfMedians: 1.2, Instructions: 2_500_000}),
	}
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"report"}, files...), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	text := stdout.String()
	for _, want := range []string{
		"target h.switch (cached switch / Go hello world): <= 1.5x (hard floor 2x), peak memory <= 12 MiB; measured 1.80x, peak 13.0 MiB: MISSED (within the hard floor); peak memory MISSED",
		"target h.version (version / Go hello world): <= 1.3x; measured 1.20x, peak n/a: met",
		"2.50M", "1.80x h.hello (paired",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestReportRatioWithoutHardFloor(t *testing.T) {
	rows := compareRatios([]*Measurement{{Name: "h.version", PairedRatio: 3}})
	if len(rows) != 1 || rows[0].Met || rows[0].Hard || !rows[0].HardMet {
		t.Fatalf("rows %+v", rows)
	}
	var b bytes.Buffer
	if err := printReport(&b, &Report{Ratios: rows}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "measured 3.00x, peak n/a: MISSED\n") {
		t.Fatalf("report:\n%s", b.String())
	}
}
