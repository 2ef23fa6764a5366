// Command fanoutbench measures `assume-role fanout` at scale against the STS emulator: N accounts,
// every answer delayed by 50 ms, STS throttling beyond 100 requests/s. It prints, per N, the wall
// time next to the floor that rate implies (one STS call per account, plus one GetCallerIdentity
// to derive the session name), the failures, the emulator's throttled answers and the peak memory
// (ru_maxrss) of the assume-role process.
//
// Usage (from the repository root; nothing here contacts AWS):
//
//	go run ./bench/cmd/fanoutbench [-accounts 1000,5000] [-latency 50ms] [-rps 100] [-parallel 16] [-org]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	counts := flag.String("accounts", "1000,5000", "comma-separated account counts")
	latency := flag.Duration("latency", 50*time.Millisecond, "emulator answer delay")
	rps := flag.Float64("rps", 100, "emulator STS throttling rate, and --sts-rps")
	parallel := flag.Int("parallel", 16, "fanout --parallel (at 50 ms per call, 8 workers leave little room above 100 calls/s)")
	org := flag.Bool("org", false, "select with --org (adds the ListAccounts pages, 20 accounts each) instead of --accounts @FILE")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()
	dir, err := os.MkdirTemp("", "fanoutbench-")
	check(err)
	if !*keep {
		defer os.RemoveAll(dir)
	}
	ar, emu := filepath.Join(dir, "assume-role"), filepath.Join(dir, "sts-emulator")
	for bin, pkg := range map[string]string{ar: "./cmd/assume-role", emu: "./cmd/sts-emulator"} {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		check(cmd.Run())
	}
	fmt.Printf("fanout benchmark: emulator latency %s, STS throttled above %.0f req/s, --sts-rps %.0f, --parallel %d, command `true`\n\n",
		*latency, *rps, *rps, *parallel)
	fmt.Printf("%8s %10s %10s %8s %9s %10s %12s\n", "accounts", "wall", "floor", "over", "failures", "throttled", "peak RSS")
	for _, s := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		one(dir, ar, emu, n, *latency, *rps, *parallel, *org)
	}
}

func one(dir, ar, emu string, n int, latency time.Duration, rps float64, parallel int, org bool) {
	run := filepath.Join(dir, strconv.Itoa(n))
	home := filepath.Join(run, "home")
	check(os.MkdirAll(filepath.Join(home, ".aws"), 0o700))
	check(os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[default]\naws_access_key_id = AKIAEXAMPLEALICE0001\naws_secret_access_key = aliceEMULATORsecretKEYdoNOTuse0000000001\nregion = us-east-1\n"), 0o600))
	ready, logf := filepath.Join(run, "ready"), filepath.Join(run, "emulator.log")
	wd, _ := os.Getwd()
	e := exec.Command(emu, "--scenario", filepath.Join(wd, "testdata", "emulator", "demo.json"), "--ready-file", ready, "--log", logf,
		"--org-accounts", strconv.Itoa(n), "--org-role", "audit", "--latency", latency.String(), "--throttle-rps", fmt.Sprint(rps))
	check(e.Start())
	defer func() { e.Process.Signal(os.Interrupt); e.Wait() }()
	var url string
	for i := 0; i < 200 && url == ""; i++ {
		if b, err := os.ReadFile(ready); err == nil {
			url = strings.TrimSpace(string(b))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if url == "" {
		check(fmt.Errorf("the emulator did not start"))
	}
	args := []string{"fanout", "--role", "audit", "--sts-rps", fmt.Sprint(rps), "--org-rps", "100", "--parallel", strconv.Itoa(parallel), "--yes"}
	if org {
		args = append(args, "--org")
	} else {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%012d\n", 200000000000+i)
		}
		f := filepath.Join(run, "accounts.txt")
		check(os.WriteFile(f, []byte(b.String()), 0o600))
		args = append(args, "--accounts", "@"+f)
	}
	args = append(args, "--", "true")
	cmd := exec.Command(ar, args...)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"ASSUME_ROLE_CACHE_DIR=" + filepath.Join(home, "cache"), "AWS_ENDPOINT_URL_STS=" + url, "AWS_ENDPOINT_URL_IAM=" + url,
		"AWS_ENDPOINT_URL_ORGANIZATIONS=" + url}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		check(err)
	}
	// ru_maxrss of wait4 covers the waited-for children (`true`, a few hundred KiB) too.
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	failures := "?"
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, "fanout: ") && strings.Contains(line, " failed") {
			f := strings.Fields(line)
			for i := range f {
				if strings.HasPrefix(f[i], "failed") && i > 0 {
					failures = f[i-1]
				}
			}
		}
	}
	throttled := 0
	lf, err := os.Open(logf)
	check(err)
	sc := bufio.NewScanner(lf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"error_code":"Throttling"`) {
			throttled++
		}
	}
	lf.Close()
	floor := time.Duration(float64(n+1) / rps * float64(time.Second))
	fmt.Printf("%8d %9.2fs %9.2fs %7.1f%% %9s %10d %9.1f MiB   exit %d\n", n, wall.Seconds(), floor.Seconds(),
		100*(wall.Seconds()-floor.Seconds())/floor.Seconds(), failures, throttled, float64(rss)/1024, code)
	if code != 0 {
		fmt.Fprint(os.Stderr, lastLines(stderr.String(), 5))
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n") + "\n"
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fanoutbench:", err)
		os.Exit(1)
	}
}
