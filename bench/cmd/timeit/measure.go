package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// Measurement is the result of one `timeit run`, as stored in its JSON file.
type Measurement struct {
	Name    string   `json:"name"`    // "<scenario>.<who>", e.g. "a.ours"
	Label   string   `json:"label"`   // what was measured, for the table
	Command []string `json:"command"` // argv; bench/run passes secrets only through the environment
	Runs    int      `json:"runs"`
	Warmup  int      `json:"warmup"`

	MedianMS float64 `json:"median_ms"`
	P90MS    float64 `json:"p90_ms"`
	MinMS    float64 `json:"min_ms"`
	MaxMS    float64 `json:"max_ms"`
	MeanMS   float64 `json:"mean_ms"`
	// CPUMedianMS is the median user+system CPU time of the child (and its waited-for children).
	CPUMedianMS float64 `json:"cpu_median_ms"`
	// MaxRSSKiB is the largest peak resident set size over the timed runs; MedianRSSKiB the median.
	MaxRSSKiB    int64 `json:"max_rss_kib"`
	MedianRSSKiB int64 `json:"median_rss_kib"`
	// HarnessRSSKiB is timeit's own peak RSS: a child's figure at or below it is only an upper
	// bound (see selfMaxRSSKiB).
	HarnessRSSKiB int64 `json:"harness_rss_kib,omitempty"`
	// MedianMinFlt is the median count of minor page faults (ru_minflt) of a run.
	MedianMinFlt int64 `json:"median_minflt"`

	// Set by `timeit pair`: the baseline measured in the same rounds, and this command's wall
	// time divided by the baseline's, per round (median) and of the medians.
	Baseline       string  `json:"baseline,omitempty"`
	PairedRatio    float64 `json:"paired_ratio,omitempty"`
	RatioOfMedians float64 `json:"ratio_of_medians,omitempty"`
	// Instructions is the instruction count of one run under callgrind, when bench/run measured it.
	Instructions int64 `json:"instructions,omitempty"`
}

// sample is one timed run.
type sample struct {
	wall, cpu time.Duration
	rssKiB    int64
	minflt    int64
}

func runCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("timeit run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "measurement name, SCENARIO.WHO (required)")
	label := fs.String("label", "", "description for the report table (default: the command)")
	n := fs.Int("n", 200, "timed runs")
	warmup := fs.Int("warmup", 3, "untimed runs before the timed ones")
	expect := fs.String("expect", "", "fail unless every run's stdout contains this text")
	out := fs.String("out", "", "write the measurement as JSON to this file (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	argv := fs.Args()
	switch {
	case *name == "" || *out == "":
		return errors.New("run needs -name and -out")
	case len(argv) == 0:
		return errors.New("run needs a command after --")
	case *n < 1 || *warmup < 0:
		return errors.New("-n must be at least 1 and -warmup at least 0")
	}
	m, err := measure(*name, argv, *n, *warmup, *expect)
	if err != nil {
		return err
	}
	if *label != "" {
		m.Label = *label
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-28s %4d runs  median %8s  p90 %8s  min %8s  max RSS %s\n",
		m.Name, m.Runs, fmtMS(m.MedianMS), fmtMS(m.P90MS), fmtMS(m.MinMS), fmtKiB(m.MaxRSSKiB))
	return nil
}

// measure runs argv warmup+n times and summarises the n timed runs.
func measure(name string, argv []string, n, warmup int, expect string) (*Measurement, error) {
	outF, err := os.CreateTemp("", "timeit-out-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(outF.Name())
	defer outF.Close()
	errF, err := os.CreateTemp("", "timeit-err-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(errF.Name())
	defer errF.Close()

	samples := make([]sample, 0, n)
	for i := 0; i < warmup+n; i++ {
		s, err := once(argv, outF, errF, expect)
		if err != nil {
			return nil, fmt.Errorf("%s, run %d of %d: %w", name, i+1, warmup+n, err)
		}
		if i >= warmup {
			samples = append(samples, s)
		}
	}
	m := summarise(samples)
	m.Name, m.Label, m.Command, m.Warmup = name, strings.Join(argv, " "), argv, warmup
	m.HarnessRSSKiB = selfMaxRSSKiB()
	return m, nil
}

// once runs the command one time; only Start..Wait is timed.
func once(argv []string, outF, errF *os.File, expect string) (sample, error) {
	for _, f := range []*os.File{outF, errF} {
		if err := f.Truncate(0); err != nil {
			return sample{}, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return sample{}, err
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = outF, errF // *os.File: no copying goroutines

	start := time.Now()
	err := cmd.Start()
	if err == nil {
		err = cmd.Wait()
	}
	wall := time.Since(start)

	if err != nil {
		return sample{}, fmt.Errorf("%w; stderr: %s", err, tail(errF))
	}
	if expect != "" {
		got, err := os.ReadFile(outF.Name())
		if err != nil {
			return sample{}, err
		}
		if !bytes.Contains(got, []byte(expect)) {
			return sample{}, fmt.Errorf("stdout (%d bytes) lacks %q; stderr: %s", len(got), expect, tail(errF))
		}
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return sample{wall: wall, cpu: cpu, rssKiB: maxRSSKiB(cmd.ProcessState), minflt: minorFaults(cmd.ProcessState)}, nil
}

// tail returns the last line or so of a run's stderr, for error messages. The commands bench/run
// measures print no secrets on stderr.
func tail(f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return "(unreadable)"
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 400 {
		s = "…" + s[len(s)-400:]
	}
	if s == "" {
		return "(empty)"
	}
	return s
}

// summarise computes the statistics of the timed runs.
func summarise(samples []sample) *Measurement {
	walls := make([]float64, len(samples))
	cpus := make([]float64, len(samples))
	rss := make([]int64, len(samples))
	flt := make([]int64, len(samples))
	sum := 0.0
	for i, s := range samples {
		walls[i] = ms(s.wall)
		cpus[i] = ms(s.cpu)
		rss[i] = s.rssKiB
		flt[i] = s.minflt
		sum += walls[i]
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	slices.Sort(rss)
	slices.Sort(flt)
	m := &Measurement{Runs: len(samples)}
	if len(samples) == 0 {
		return m
	}
	m.MedianMS = median(walls)
	m.P90MS = percentile(walls, 90)
	m.MinMS, m.MaxMS = walls[0], walls[len(walls)-1]
	m.MeanMS = sum / float64(len(walls))
	m.CPUMedianMS = median(cpus)
	m.MaxRSSKiB = rss[len(rss)-1]
	m.MedianRSSKiB = rss[(len(rss)-1)/2]
	m.MedianMinFlt = flt[(len(flt)-1)/2]
	return m
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// median of sorted values: the mean of the two middle ones for an even count.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// percentile of sorted values by the nearest-rank method.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func fmtMS(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.2f ms", v)
	}
}

func fmtKiB(k int64) string {
	if k <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(k)/1024)
}
