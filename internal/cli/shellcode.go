package cli

import (
	"bytes"
	"io"
	"os"

	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/shellenv"
)

// takeShellCodeFile returns the file the shell function of shell-init wants its code in, and
// removes it from this process's environment: no program this process starts (exec's command,
// credential_process, mfa_process, another assume-role) may write code into the user's shell.
func takeShellCodeFile() string {
	path := os.Getenv(shellenv.CodeFileEnvVar)
	os.Unsetenv(shellenv.CodeFileEnvVar)
	return path
}

// forShellFunction reports whether output in format is the shell code that the shell function
// asked for: then it goes to the function's file, which the function evaluates, and never to
// stdout, which stays the terminal's.
func forShellFunction(sio *IO, format string) bool {
	if sio.ShellCodeFile == "" {
		return false
	}
	sh, err := shellenv.ParseShell(sio.Getenv(shellenv.ShellEnvVar))
	return err == nil && sh != shellenv.Env && string(sh) == format
}

// emitShellCode writes what render produces to the shell function's file when it asked for
// format, else to stdout.
func emitShellCode(sio *IO, format string, render func(io.Writer) error) error {
	if !forShellFunction(sio, format) {
		return render(sio.Out)
	}
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	if err := shellenv.WriteCodeFile(sio.ShellCodeFile, b.Bytes()); err != nil {
		return problem.Wrap(problem.Internal, err, "cannot hand the shell code to the shell function: %s", err.Error()).
			WithHint("load the function again (assume-role shell-init %s), or run eval \"$(command assume-role …)\"", format)
	}
	return nil
}
