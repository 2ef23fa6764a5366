package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/shellenv"
	"github.com/spf13/cobra"
)

type rootOptions struct {
	io     *IO
	target targetFlags
	out    outputFlags
	unset  bool
	write  string // --write-profile NAME
}

// run is the main job: assume the role and print what a shell (or program) needs.
func (o *rootOptions) run(ctx context.Context, cmd *cobra.Command, args []string) error {
	sio := o.io
	format, explicit, err := o.out.resolveFormat(sio.Getenv)
	if err != nil {
		return err
	}
	if o.unset {
		if len(args) > 0 || o.target.role != "" || o.target.profile != "" {
			return problem.New(problem.Usage, "--unset takes no target")
		}
		if format == formatJSON || format == formatCredentialProcess {
			return problem.New(problem.Usage, "--unset prints shell code: use -o bash, zsh, fish or powershell")
		}
		return emitShellCode(sio, format, func(w io.Writer) error {
			return shellenv.Render(w, shellenv.Shell(format), nil, append(append([]string(nil), ourVars...), shadowingVars...))
		})
	}
	if o.write != "" {
		if err := checkProfileName(sio.Getenv, o.write); err != nil {
			return err
		}
	}
	tg, _, res, err := o.target.assume(ctx, sio, args)
	if err != nil {
		return err
	}
	if o.write != "" {
		if err := context.Cause(ctx); err != nil {
			return err // interrupted after the credentials came: write nothing (Main says so, 130/143)
		}
		if err := writeProfile(sio, o.write, res); err != nil {
			return err
		}
		if o.out.format == "" {
			return nil // the profile was what was asked for; -o prints the credentials too
		}
	}
	if sio.StdoutIsTTY && !explicit && !forShellFunction(sio, format) {
		// Never dump secrets on a screen by accident.
		fmt.Fprintf(sio.Err, "assume-role: %s\n", describe(res, tg.accountName, tg.roleName))
		fmt.Fprintf(sio.Err, "assume-role: hint: to use them in this shell run: eval \"$(assume-role %s)\" (or set up `assume-role shell-init`; -o %s prints them here)\n",
			shellQuoteArgs(commandLine(cmd)), format)
		return nil
	}
	var printed bytes.Buffer
	if err := emitShellCode(sio, format, func(w io.Writer) error {
		return renderCredentials(io.MultiWriter(w, &printed), format, res, tg.accountName, tg.roleName)
	}); err != nil {
		return err
	}
	sio.fast.done(sio, o.target.fastRun(cmd, format, tg, res, printed.Bytes(), forShellFunction(sio, format)))
	return nil
}
