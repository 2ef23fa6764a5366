// Command assume-role assumes AWS IAM roles and hands the temporary credentials to shells and
// programs. See the README for usage.
//
// This is the small front: it links neither the AWS SDK nor the command tree, so that it starts
// about as fast as any Go program. It prints the version, answers a repeated cache hit from its
// record (internal/fastpath), and hands everything else to the engine, assume-role-engine,
// installed next to it: exec with the same arguments, environment and file descriptors, so exit
// codes, signals, prompts and the terminal are the engine's own.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/assume-role/assume-role/internal/buildinfo"
	"github.com/assume-role/assume-role/internal/fastpath"
	"github.com/assume-role/assume-role/problem"
)

// version is set with -ldflags "-X main.version=v1.2.3" (make build sets `git describe`);
// otherwise it comes from the build information.
var version = ""

func main() {
	args := os.Args[1:]
	if len(args) == 1 && (args[0] == "version" || args[0] == "--version") {
		fmt.Printf("assume-role %s\n", buildinfo.Version(version))
		return
	}
	engine, err := enginePath()
	if err != nil {
		fail(err)
	}
	f := &fastpath.Front{
		Input:  fastpath.Input{Args: args, Environ: os.Environ(), TTY: fastpath.Terminals(), Engine: engine},
		Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now(),
	}
	if served, code := fastpath.Serve(f); served {
		os.Exit(code)
	}
	if _, err := os.Stat(engine); err != nil {
		fail(fmt.Errorf("the engine %s is missing: install assume-role-engine next to assume-role (see the README's install section)", engine))
	}
	fail(runEngine(engine, os.Args, os.Environ()))
}

// enginePath is the engine next to this executable (never one found on PATH).
func enginePath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find this executable's path: %v", err)
	}
	name := fastpath.EngineName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(exe), name), nil
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "assume-role: error: %s\n", err)
	os.Exit(problem.Config.ExitCode())
}
