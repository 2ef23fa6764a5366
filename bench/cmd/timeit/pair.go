package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// pairSpec is one command of `timeit pair`.
type pairSpec struct {
	name, label, expect string
	argv                []string
}

// parsePairSpecs splits NAME LABEL EXPECT CMD [ARG...] groups separated by "---".
func parsePairSpecs(args []string) ([]pairSpec, error) {
	var specs []pairSpec
	for len(args) > 0 {
		group := args
		if i := slices.Index(args, "---"); i >= 0 {
			group, args = args[:i], args[i+1:]
		} else {
			args = nil
		}
		if len(group) < 4 {
			return nil, fmt.Errorf("want NAME LABEL EXPECT CMD [ARG...], got %q", group)
		}
		specs = append(specs, pairSpec{name: group[0], label: group[1], expect: group[2], argv: group[3:]})
	}
	return specs, nil
}

func pairCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("timeit pair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baseline := fs.String("baseline", "", "name of the command the others are divided by (required)")
	n := fs.Int("n", 200, "rounds (timed runs of each command)")
	warmup := fs.Int("warmup", 3, "untimed rounds first")
	dir := fs.String("dir", "", "write NAME.json for each command into this directory (required)")
	callgrind := fs.String("callgrind", "", "path of valgrind: also count each command's instructions in one run under callgrind")
	if err := fs.Parse(args); err != nil {
		return err
	}
	specs, err := parsePairSpecs(fs.Args())
	switch {
	case err != nil:
		return err
	case *dir == "" || *baseline == "":
		return errors.New("pair needs -baseline and -dir")
	case len(specs) < 2:
		return errors.New("pair needs at least two commands")
	case *n < 1 || *warmup < 0:
		return errors.New("-n must be at least 1 and -warmup at least 0")
	}
	base := slices.IndexFunc(specs, func(s pairSpec) bool { return s.name == *baseline })
	if base < 0 {
		return fmt.Errorf("no command named %q", *baseline)
	}
	ms, err := measurePaired(specs, base, *n, *warmup)
	if err != nil {
		return err
	}
	if *callgrind != "" {
		for i, sp := range specs {
			if ms[i].Instructions, err = countInstructions(*callgrind, sp); err != nil {
				return err
			}
		}
	}
	for _, m := range ms {
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*dir, m.Name+".json"), append(b, '\n'), 0o600); err != nil {
			return err
		}
		ratio := ""
		if m.Baseline != "" {
			ratio = fmt.Sprintf("  %.2fx %s (paired)", m.PairedRatio, m.Baseline)
		}
		fmt.Fprintf(stdout, "%-28s %4d runs  median %8s  min %8s  max RSS %s  faults %d%s\n",
			m.Name, m.Runs, fmtMS(m.MedianMS), fmtMS(m.MinMS), fmtRSS(m), m.MedianMinFlt, ratio)
	}
	return nil
}

// measurePaired runs warmup+n rounds; round r starts with command r mod len(specs).
func measurePaired(specs []pairSpec, base, n, warmup int) ([]*Measurement, error) {
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

	k := len(specs)
	samples := make([][]sample, k)
	for r := 0; r < warmup+n; r++ {
		for j := range k {
			i := (r + j) % k
			s, err := once(specs[i].argv, outF, errF, specs[i].expect)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d of %d: %w", specs[i].name, r+1, warmup+n, err)
			}
			if r >= warmup {
				samples[i] = append(samples[i], s)
			}
		}
	}
	out := make([]*Measurement, k)
	for i, sp := range specs {
		m := summarise(samples[i])
		m.Name, m.Label, m.Command, m.Warmup = sp.name, sp.label, sp.argv, warmup
		m.HarnessRSSKiB = selfMaxRSSKiB()
		if sp.label == "" {
			m.Label = strings.Join(sp.argv, " ")
		}
		out[i] = m
	}
	for i := range specs {
		if i == base {
			continue
		}
		ratios := make([]float64, n)
		for r := range n {
			ratios[r] = float64(samples[i][r].wall) / float64(samples[base][r].wall)
		}
		slices.Sort(ratios)
		out[i].Baseline = specs[base].name
		out[i].PairedRatio = median(ratios)
		if out[base].MedianMS > 0 {
			out[i].RatioOfMedians = out[i].MedianMS / out[base].MedianMS
		}
	}
	return out, nil
}

var collected = regexp.MustCompile(`Collected : ([0-9]+)`)

// countInstructions runs the command once under callgrind and returns the instructions it
// executed (user space, all threads). Go programs need GODEBUG=asyncpreemptoff=1 there: callgrind
// does not survive the runtime's preemption signals. That setting itself costs a binary that
// links internal/godebug some instructions, the same for every such binary.
func countInstructions(valgrind string, sp pairSpec) (int64, error) {
	// --trace-children: the front execs the engine on a miss; valgrind then counts the new image
	// (the instructions before an exec are not reported, which undercounts by the front's share).
	args := append([]string{"--tool=callgrind", "--trace-children=yes", "--callgrind-out-file=/dev/null", "--"}, sp.argv...)
	cmd := exec.Command(valgrind, args...)
	env := []string{"GODEBUG=asyncpreemptoff=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GODEBUG=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s under callgrind: %w: %s", sp.name, err, lastLine(errb.String()))
	}
	ms := collected.FindAllStringSubmatch(errb.String(), -1)
	if ms == nil {
		return 0, fmt.Errorf("%s under callgrind: no instruction count: %s", sp.name, lastLine(errb.String()))
	}
	var total int64
	for _, m := range ms {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
