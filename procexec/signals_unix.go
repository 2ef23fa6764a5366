//go:build unix

package procexec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ForwardedSignals are the signals Run relays to the child while it runs. The
// parent does not act on them itself during Run.
//
// A terminal sends SIGINT, SIGQUIT and SIGWINCH to the whole foreground process
// group, so a child started from an interactive shell receives those both from
// the terminal and from Run.
var ForwardedSignals = []os.Signal{
	syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH,
}

// exitCode reports the child's status as a shell does: 128+N when signal N
// killed it.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// terminate asks the child to stop.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// lookPath resolves file like a shell would, but with the PATH from env.
func lookPath(file string, env []string) (string, error) {
	if file == "" {
		return "", fmt.Errorf("%w: %q", ErrNotFound, "")
	}
	if strings.Contains(file, "/") {
		if err := executable(file); err != nil {
			if os.IsNotExist(err) {
				return "", fmt.Errorf("%w: %s", ErrNotFound, file)
			}
			return "", fmt.Errorf("%s: %w", file, err)
		}
		return file, nil
	}
	for _, dir := range filepath.SplitList(getenv(env, "PATH", false)) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, file)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNotFound, file)
}

func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return syscall.EISDIR
	}
	if fi.Mode()&0o111 == 0 {
		return os.ErrPermission
	}
	return nil
}

// terminalSignal reports whether a terminal sends s to its whole foreground process group.
func terminalSignal(s os.Signal) bool {
	return s == syscall.SIGINT || s == syscall.SIGQUIT || s == syscall.SIGWINCH
}

// inForegroundGroup reports whether this process belongs to its controlling terminal's foreground
// process group (then the child, which shares the group, receives terminal signals directly).
func inForegroundGroup() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == syscall.Getpgrp()
}
