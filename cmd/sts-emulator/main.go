// Command sts-emulator serves the stsemu STS + IAM emulator on a loopback
// address for end-to-end tests, benchmarks and demos.
//
// Usage:
//
//	sts-emulator [--scenario FILE] [--addr 127.0.0.1:0] [--log FILE] [--ready-file FILE]
//	             [--org-accounts N --org-role NAME] [--latency 50ms] [--throttle-rps R] [--org-throttle-rps R]
//
// --org-accounts adds a generated organization of N member accounts in nested OUs (management
// account 111111111111), each with the role --org-role trusting it; clients list it through
// AWS_ENDPOINT_URL_ORGANIZATIONS. --latency delays every answer; --throttle-rps and
// --org-throttle-rps answer Throttling / TooManyRequestsException beyond that rate.
//
// Without --scenario it loads testdata/emulator/demo.json, searched for in
// the current directory and its parents. Point clients at it with
// AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_IAM (or AWS_ENDPOINT_URL).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/assume-role/assume-role/internal/stsemu"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

// knobs are the scenario adjustments given on the command line.
var knobs struct {
	orgAccounts           int
	orgRole               string
	latency               time.Duration
	throttle, orgThrottle float64
}

const demoRel = "testdata/emulator/demo.json"

// run parses flags, serves until ctx is done and returns the exit code.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("sts-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "", "scenario JSON file (default: "+demoRel+" in the current directory or a parent)")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	logPath := fs.String("log", "", "append the request log to FILE as JSON lines")
	ready := fs.String("ready-file", "", "write the base URL to FILE once listening")
	fs.IntVar(&knobs.orgAccounts, "org-accounts", 0, "add a generated organization with N member accounts")
	fs.StringVar(&knobs.orgRole, "org-role", "", "role created in every generated member account")
	fs.DurationVar(&knobs.latency, "latency", 0, "delay every API answer by this much")
	fs.Float64Var(&knobs.throttle, "throttle-rps", 0, "answer STS requests beyond this rate with Throttling")
	fs.Float64Var(&knobs.orgThrottle, "org-throttle-rps", 0, "answer Organizations requests beyond this rate with TooManyRequestsException")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sts-emulator: error: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := serve(ctx, *scenario, *addr, *logPath, *ready, stderr); err != nil {
		fmt.Fprintf(stderr, "sts-emulator: error: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, scenarioPath, addr, logPath, readyPath string, stderr io.Writer) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	if scenarioPath == "" {
		p, err := findDemo()
		if err != nil {
			return err
		}
		scenarioPath = p
	}
	sc, err := stsemu.LoadScenario(scenarioPath)
	if err != nil {
		return err
	}
	if knobs.orgAccounts > 0 {
		stsemu.GenerateOrg(sc, stsemu.OrgSpec{Accounts: knobs.orgAccounts, Role: knobs.orgRole})
	}
	sc.LatencyMillis = int(knobs.latency / time.Millisecond)
	sc.ThrottleRPS, sc.OrgThrottleRPS = knobs.throttle, knobs.orgThrottle
	if err := sc.Validate(); err != nil {
		return err
	}
	var opts []stsemu.Option
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open log: %w", err)
		}
		defer f.Close()
		opts = append(opts, stsemu.WithLogger(f))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: stsemu.New(sc, opts...), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "STS emulator listening on %s\n", url)
	if readyPath != "" {
		if err := writeAtomic(readyPath, url+"\n"); err != nil {
			_ = srv.Close()
			return fmt.Errorf("write ready file: %w", err)
		}
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// checkLoopback refuses to listen anywhere but on a loopback address.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid --addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q is not a loopback address; the emulator only listens on 127.0.0.1, ::1 or localhost", addr)
	}
	return nil
}

// findDemo looks for the demo scenario in the working directory and its parents.
func findDemo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, demoRel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no --scenario given and %s not found in the current directory or its parents", demoRel)
		}
		dir = parent
	}
}

func writeAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
