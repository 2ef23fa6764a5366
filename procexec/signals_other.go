//go:build !unix

package procexec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ForwardedSignals are the signals Run relays to the child while it runs. On
// this platform only an interrupt is caught; the console delivers it to the
// child as well.
var ForwardedSignals = []os.Signal{os.Interrupt}

// exitCode reports the child's exit code.
func exitCode(ps *os.ProcessState) int { return ps.ExitCode() }

// terminate stops the child; there is no polite signal on this platform.
func terminate(p *os.Process) error { return p.Kill() }

// lookPath resolves file using the Path and PATHEXT from env.
func lookPath(file string, env []string) (string, error) {
	if file == "" {
		return "", fmt.Errorf("%w: %q", ErrNotFound, "")
	}
	exts := []string{""}
	if filepath.Ext(file) == "" {
		pathext := getenv(env, "PATHEXT", true)
		if pathext == "" {
			pathext = ".com;.exe;.bat;.cmd"
		}
		for _, e := range filepath.SplitList(strings.ToLower(pathext)) {
			if e != "" {
				exts = append(exts, e)
			}
		}
	}
	find := func(base string) (string, bool) {
		for _, e := range exts {
			if fi, err := os.Stat(base + e); err == nil && !fi.IsDir() {
				return base + e, true
			}
		}
		return "", false
	}
	if strings.ContainsAny(file, `/\:`) {
		if p, ok := find(file); ok {
			return p, nil
		}
		return "", fmt.Errorf("%w: %s", ErrNotFound, file)
	}
	for _, dir := range filepath.SplitList(getenv(env, "PATH", true)) {
		if !filepath.IsAbs(dir) {
			continue
		}
		if p, ok := find(filepath.Join(dir, file)); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNotFound, file)
}

func terminalSignal(os.Signal) bool { return false }

func inForegroundGroup() bool { return false }
