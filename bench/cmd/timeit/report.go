package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// comparison is one "ours vs theirs" row of the report, with the targets bench/run checks.
type comparison struct {
	Scenario    string
	Description string
	Ours        string // measurement names
	Theirs      string
	MaxMedianMS float64 // ours' median must be below (or, with Inclusive, at most) this
	Inclusive   bool
	MinSpeedup  float64 // theirs' median / ours' median must be at least this
}

// comparisons are the scenarios of bench/run that have a baseline and a target.
var comparisons = []comparison{
	{Scenario: "a", Description: "uncached assume vs aws sts assume-role", Ours: "a.ours", Theirs: "a.aws",
		MaxMedianMS: 15, MinSpeedup: 20},
	{Scenario: "b", Description: "cached switch vs coinbase-style script", Ours: "b.ours", Theirs: "b.script",
		MaxMedianMS: 10, Inclusive: true, MinSpeedup: 50},
}

// ratioTarget is a target on a paired ratio to the Go hello world (issue 13), and optionally on
// peak memory.
type ratioTarget struct {
	Name        string // measurement name
	Description string
	MaxRatio    float64 // the target
	HardRatio   float64 // the hard floor, 0 when none
	MaxRSSMiB   float64 // 0 when none
}

var ratioTargets = []ratioTarget{
	{Name: "h.switch", Description: "cached switch / Go hello world", MaxRatio: 1.5, HardRatio: 2.0, MaxRSSMiB: 12},
	{Name: "h.version", Description: "version / Go hello world", MaxRatio: 1.3},
}

// RatioRow is a ratio target's outcome.
type RatioRow struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	PairedRatio float64 `json:"paired_ratio"`
	MaxRSSKiB   int64   `json:"max_rss_kib"`
	Target      string  `json:"target"`
	Met         bool    `json:"met"`
	Hard        bool    `json:"has_hard_floor"`
	HardMet     bool    `json:"hard_floor_met"`
	RSSMet      bool    `json:"rss_met"`
}

// Report is what `timeit report` writes as JSON.
type Report struct {
	GeneratedAt  time.Time         `json:"generated_at"`
	Note         string            `json:"note"`
	Machine      map[string]string `json:"machine"`
	Tools        map[string]string `json:"tools"`
	Measurements []*Measurement    `json:"measurements"`
	Comparisons  []ComparisonRow   `json:"comparisons"`
	Ratios       []RatioRow        `json:"ratio_targets,omitempty"`
	Notes        []string          `json:"notes,omitempty"`
}

// ComparisonRow is a comparison's outcome.
type ComparisonRow struct {
	Scenario       string  `json:"scenario"`
	Description    string  `json:"description"`
	Ours           string  `json:"ours"`
	Theirs         string  `json:"theirs"`
	OursMedianMS   float64 `json:"ours_median_ms"`
	TheirsMedianMS float64 `json:"theirs_median_ms,omitempty"`
	Speedup        float64 `json:"speedup,omitempty"` // 0 when the baseline was skipped
	Target         string  `json:"target"`
	MedianMet      bool    `json:"median_target_met"`
	SpeedupMet     *bool   `json:"speedup_target_met,omitempty"` // nil when the baseline was skipped
}

// stringsFlag collects a repeated flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ", ") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func reportCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("timeit report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("json", "", "also write the report as JSON to this file")
	var meta, notes stringsFlag
	fs.Var(&meta, "meta", "machine.KEY=VALUE or tools.KEY=VALUE (repeatable)")
	fs.Var(&notes, "note", "a note for the report, e.g. what was skipped (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("report needs measurement files, in table order")
	}
	r := &Report{GeneratedAt: time.Now().UTC().Truncate(time.Second),
		Note:    "figures from one run of bench/run on one machine; not a statistical study",
		Machine: map[string]string{}, Tools: map[string]string{}, Notes: notes}
	for _, kv := range meta {
		k, v, ok := strings.Cut(kv, "=")
		group, key, ok2 := strings.Cut(k, ".")
		if !ok || !ok2 || key == "" {
			return fmt.Errorf("-meta %q: want machine.KEY=VALUE or tools.KEY=VALUE", kv)
		}
		switch group {
		case "machine":
			r.Machine[key] = v
		case "tools":
			r.Tools[key] = v
		default:
			return fmt.Errorf("-meta %q: group must be machine or tools", kv)
		}
	}
	for _, p := range fs.Args() {
		m, err := readMeasurement(p)
		if err != nil {
			return err
		}
		r.Measurements = append(r.Measurements, m)
	}
	r.Comparisons = compare(r.Measurements)
	r.Ratios = compareRatios(r.Measurements)
	if err := printReport(stdout, r); err != nil {
		return err
	}
	if *out != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(*out, append(b, '\n'), 0o644)
	}
	return nil
}

func readMeasurement(path string) (*Measurement, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Measurement
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m.Name == "" || m.Runs == 0 {
		return nil, fmt.Errorf("%s: not a timeit measurement", path)
	}
	return &m, nil
}

// compare evaluates every comparison whose "ours" side was measured.
func compare(ms []*Measurement) []ComparisonRow {
	byName := map[string]*Measurement{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	var rows []ComparisonRow
	for _, c := range comparisons {
		ours, ok := byName[c.Ours]
		if !ok {
			continue
		}
		op := "<"
		met := ours.MedianMS < c.MaxMedianMS
		if c.Inclusive {
			op = "<="
			met = ours.MedianMS <= c.MaxMedianMS
		}
		row := ComparisonRow{Scenario: c.Scenario, Description: c.Description, Ours: c.Ours, Theirs: c.Theirs,
			OursMedianMS: ours.MedianMS, MedianMet: met,
			Target: fmt.Sprintf("median %s %g ms, >= %gx faster", op, c.MaxMedianMS, c.MinSpeedup)}
		if theirs, ok := byName[c.Theirs]; ok && ours.MedianMS > 0 {
			row.TheirsMedianMS = theirs.MedianMS
			row.Speedup = theirs.MedianMS / ours.MedianMS
			sm := row.Speedup >= c.MinSpeedup
			row.SpeedupMet = &sm
		}
		rows = append(rows, row)
	}
	return rows
}

// compareRatios evaluates every ratio target whose measurement has a paired ratio.
func compareRatios(ms []*Measurement) []RatioRow {
	var rows []RatioRow
	for _, t := range ratioTargets {
		i := slices.IndexFunc(ms, func(m *Measurement) bool { return m.Name == t.Name && m.PairedRatio > 0 })
		if i < 0 {
			continue
		}
		m := ms[i]
		row := RatioRow{Name: t.Name, Description: t.Description, PairedRatio: m.PairedRatio, MaxRSSKiB: m.MaxRSSKiB,
			Met: m.PairedRatio <= t.MaxRatio, Hard: t.HardRatio > 0, HardMet: t.HardRatio == 0 || m.PairedRatio <= t.HardRatio,
			RSSMet: t.MaxRSSMiB == 0 || float64(m.MaxRSSKiB) <= t.MaxRSSMiB*1024}
		row.Target = fmt.Sprintf("<= %gx", t.MaxRatio)
		if t.HardRatio > 0 {
			row.Target += fmt.Sprintf(" (hard floor %gx)", t.HardRatio)
		}
		if t.MaxRSSMiB > 0 {
			row.Target += fmt.Sprintf(", peak memory <= %g MiB", t.MaxRSSMiB)
		}
		rows = append(rows, row)
	}
	return rows
}

func printReport(w io.Writer, r *Report) error {
	fmt.Fprintln(w)
	for _, group := range []struct {
		name string
		m    map[string]string
	}{{"machine", r.Machine}, {"tools", r.Tools}} {
		for _, k := range sortedKeys(group.m) {
			fmt.Fprintf(w, "%-8s %-12s %s\n", group.name+":", k, group.m[k])
		}
	}
	fmt.Fprintln(w)
	speedups := map[string]float64{}
	for _, c := range r.Comparisons {
		if c.Speedup > 0 {
			speedups[c.Theirs] = c.Speedup
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tmeasurement\t runs\t   median\t      p90\t      min\t     mean\t  CPU med\t  max RSS\t faults\t  instr\tours is")
	for _, m := range r.Measurements {
		scen, _, _ := strings.Cut(m.Name, ".")
		ratio := ""
		if s, ok := speedups[m.Name]; ok {
			ratio = fmt.Sprintf("%.1fx faster", s)
		}
		if m.PairedRatio > 0 {
			ratio = fmt.Sprintf("%.2fx %s (paired; %.2fx of medians)", m.PairedRatio, m.Baseline, m.RatioOfMedians)
		}
		fmt.Fprintf(tw, "%s\t%s\t%5d\t%9s\t%9s\t%9s\t%9s\t%9s\t%9s\t%7s\t%7s\t%s\n", scen, m.Label, m.Runs,
			fmtMS(m.MedianMS), fmtMS(m.P90MS), fmtMS(m.MinMS), fmtMS(m.MeanMS), fmtMS(m.CPUMedianMS),
			fmtRSS(m), fmtCount(m.MedianMinFlt), fmtMillions(m.Instructions), ratio)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, c := range r.Comparisons {
		verdict := "met"
		switch {
		case !c.MedianMet:
			verdict = "MISSED (median)"
		case c.SpeedupMet == nil:
			verdict = "median met; speedup not measured (baseline skipped)"
		case !*c.SpeedupMet:
			verdict = "MISSED (speedup)"
		}
		speed := "n/a"
		if c.Speedup > 0 {
			speed = fmt.Sprintf("%.1fx", c.Speedup)
		}
		fmt.Fprintf(w, "target %s (%s): %s; ours %s, speedup %s: %s\n",
			c.Scenario, c.Description, c.Target, fmtMS(c.OursMedianMS), speed, verdict)
	}
	for _, t := range r.Ratios {
		verdict := "met"
		switch {
		case !t.HardMet:
			verdict = "MISSED (beyond the hard floor)"
		case !t.Met && t.Hard:
			verdict = "MISSED (within the hard floor)"
		case !t.Met:
			verdict = "MISSED"
		}
		if !t.RSSMet {
			verdict += "; peak memory MISSED"
		}
		fmt.Fprintf(w, "target %s (%s): %s; measured %.2fx, peak %s: %s\n",
			t.Name, t.Description, t.Target, t.PairedRatio, fmtKiB(t.MaxRSSKiB), verdict)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fmtCount(n int64) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func fmtMillions(n int64) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2fM", float64(n)/1e6)
}

// fmtRSS is the max RSS column: "<= X" when the figure is timeit's own peak, not the child's.
func fmtRSS(m *Measurement) string {
	if m.MaxRSSKiB > 0 && m.MaxRSSKiB <= m.HarnessRSSKiB {
		return "<=" + fmtKiB(m.MaxRSSKiB)
	}
	return fmtKiB(m.MaxRSSKiB)
}
