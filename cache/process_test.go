package cache

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Environment of the helper process started by TestGetOrFetchCrossProcess.
const (
	helperEnv        = "ASSUME_ROLE_CACHE_TEST_HELPER"
	helperDirEnv     = "ASSUME_ROLE_CACHE_TEST_DIR"
	helperCounterEnv = "ASSUME_ROLE_CACHE_TEST_COUNTER"
)

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "1":
		os.Exit(helperMain())
	case "env":
		// Report the environment as package initialisation left it.
		v, ok := os.LookupEnv("DBUS_SESSION_BUS_ADDRESS")
		fmt.Printf("%v %q\n", ok, v)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperMain is one child process: GetOrFetch on a shared key whose fetch
// appends a line to the counter file and takes 200 ms, then print the
// access key id it got.
func helperMain() int {
	c, err := Open(Options{Backend: BackendFile, Dir: os.Getenv(helperDirEnv)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	fetch := func(context.Context) (*Entry, error) {
		f, err := os.OpenFile(os.Getenv(helperCounterEnv), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		if _, err := fmt.Fprintf(f, "fetch by pid %d\n", os.Getpid()); err != nil {
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		time.Sleep(200 * time.Millisecond) // an STS call, or a user typing an MFA code
		return testEntry(fmt.Sprint("ASIAPID", os.Getpid()), time.Now().Add(time.Hour)), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, _, err := c.GetOrFetch(ctx, testKey("shared"), fetch)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	fmt.Println(e.AccessKeyID)
	return 0
}

func TestGetOrFetchCrossProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	dir, counter := filepath.Join(tmp, "cache"), filepath.Join(tmp, "counter")
	const n = 20
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	errs := make([]*bytes.Buffer, n)
	for i := range cmds {
		cmd := exec.CommandContext(t.Context(), exe)
		cmd.Env = append(os.Environ(), helperEnv+"=1", helperDirEnv+"="+dir, helperCounterEnv+"="+counter)
		outs[i], errs[i] = new(bytes.Buffer), new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outs[i], errs[i]
		cmds[i] = cmd
	}
	for i, cmd := range cmds { // start them all before waiting for any
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting child %d: %v", i, err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v; stderr: %s", i, err, errs[i])
		}
	}
	data, err := os.ReadFile(counter)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 1 {
		t.Errorf("fetch ran %d times across %d processes, want 1:\n%s", lines, n, data)
	}
	first := strings.TrimSpace(outs[0].String())
	if !strings.HasPrefix(first, "ASIAPID") {
		t.Fatalf("child 0 printed %q", first)
	}
	for i, out := range outs {
		if got := strings.TrimSpace(out.String()); got != first {
			t.Errorf("child %d got %q, child 0 got %q", i, got, first)
		}
	}
}
