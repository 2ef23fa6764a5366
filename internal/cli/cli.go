// Package cli implements the assume-role command line: it parses flags, calls the engine and
// renders results. Every side effect (streams, environment, clock, terminal, HTTP, process
// execution) comes in through IO, so each command runs in tests without globals.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/internal/fastpath"
	"github.com/assume-role/assume-role/internal/tty"
	"github.com/assume-role/assume-role/problem"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// IO is everything a command touches outside the process.
type IO struct {
	In          io.Reader
	Out, Err    io.Writer
	Getenv      func(string) string
	Environ     func() []string
	Setenv      func(key, value string) error // nil: the process environment is left alone
	Now         func() time.Time
	StdoutIsTTY bool
	Prompter    engine.Prompter
	HTTPClient  aws.HTTPClient // nil: the engine default
	// Executable is the path of the running binary (for shell-init and credential_process lines).
	Executable string
	// ShellCodeFile is where the shell function of shell-init wants the shell code it evaluates
	// (ASSUME_ROLE_SHELL_CODE_FILE); empty when not called by the function.
	ShellCodeFile string
	// fast records a plain cache hit for the front executable (nil: not recorded).
	fast *fastRecorder
}

// System returns the IO of the real process.
func System() *IO {
	exe, _ := os.Executable()
	fast := newFastRecorder(os.Environ()) // before the shell function's file is taken out
	sio := &IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		Getenv: os.Getenv, Environ: os.Environ, Setenv: os.Setenv, Now: time.Now,
		StdoutIsTTY: term.IsTerminal(int(os.Stdout.Fd())),
		Prompter:    &tty.Prompter{Disabled: os.Getenv("ASSUME_ROLE_NO_INPUT") != ""},
		Executable:  frontExecutable(exe),
		// Taken out of the environment: no program this process runs inherits it.
		ShellCodeFile: takeShellCodeFile(),
		fast:          fast,
	}
	if fast != nil {
		sio.Getenv = fast.getenv(sio.Getenv)
		sio.Err = stderrWriter{sio.Err, fast}
	}
	return sio
}

// frontExecutable is the path that shell-init and credential_process lines name: the front
// executable next to the engine (exe) when there is one, else exe itself.
func frontExecutable(exe string) string {
	base := strings.TrimSuffix(filepath.Base(exe), ".exe")
	if base != fastpath.EngineName {
		return exe
	}
	front := filepath.Join(filepath.Dir(exe), strings.Replace(filepath.Base(exe), fastpath.EngineName, fastpath.FrontName, 1))
	if fi, err := os.Stat(front); err == nil && fi.Mode().IsRegular() {
		return front
	}
	return exe
}

// Version is set by main from build information or -ldflags.
var Version = "dev"

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, sio *IO) (code int) {
	defer func() {
		// A panic is a bug; its value may hold request data, so it is not printed unless asked.
		if r := recover(); r != nil {
			fmt.Fprintf(sio.Err, "assume-role: error: internal error (%T); please report this bug\n", r)
			if sio.Getenv("ASSUME_ROLE_TRACEBACK") != "" {
				fmt.Fprintf(sio.Err, "%v\n%s", r, debug.Stack())
			} else {
				fmt.Fprintln(sio.Err, "assume-role: hint: set ASSUME_ROLE_TRACEBACK=1 to print the details (they may include secrets)")
			}
			code = 1
		}
	}()
	sio = withPrompts(ctx, sio)
	if sio.fast != nil && sio.Prompter != nil {
		c := *sio
		c.Prompter = recordingPrompter{sio.Prompter, sio.fast}
		sio = &c
	}
	root := newRootCmd(sio, args)
	root.SetArgs(args)
	root.SetIn(sio.In)
	root.SetOut(sio.Out)
	root.SetErr(sio.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var child *exitError
	if errors.As(err, &child) {
		return child.code // exec: the command's own exit code, nothing to print
	}
	if p, code, ok := interruption(ctx, err); ok {
		printError(sio.Err, p)
		return code
	}
	p := toProblem(err)
	printError(sio.Err, p)
	return p.Kind.ExitCode()
}

// toProblem gives every error a kind: cobra's own flag and argument errors are usage errors.
func toProblem(err error) *problem.Problem {
	if p := problem.As(err); p != nil {
		return p
	}
	if looksLikeUsage(err) {
		return &problem.Problem{Kind: problem.Usage, Msg: err.Error(), Hint: "see assume-role --help", Err: err}
	}
	return &problem.Problem{Kind: problem.Internal, Msg: err.Error(), Err: err}
}

// printError writes `assume-role: error: …` and, if any, `assume-role: hint: …`.
func printError(w io.Writer, p *problem.Problem) {
	fmt.Fprintf(w, "assume-role: error: %s\n", firstLine(p.Msg))
	if p.Hint != "" {
		fmt.Fprintf(w, "assume-role: hint: %s\n", firstLine(p.Hint))
	}
}

// usageError marks cobra's errors so ExitCode maps them to 2.
func usageError(err error) error {
	if err == nil || problem.As(err) != nil {
		return err
	}
	return &problem.Problem{Kind: problem.Usage, Msg: err.Error(), Hint: "see assume-role --help", Err: err}
}

func looksLikeUsage(err error) bool {
	s := err.Error()
	for _, m := range []string{"unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "unknown command", "accepts", "requires", "arg(s)"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// NewRootCmd builds the command tree.
func NewRootCmd(sio *IO) *cobra.Command { return newRootCmd(sio, nil) }

// subcommands are the children of the root command that a run can be limited to, by name.
type subcommand struct {
	name string
	make func(sio *IO, opts *rootOptions) *cobra.Command
}

// subcommands lists the commands (a function, not a variable: building them refers back to the tree).
func subcommands() []subcommand {
	return []subcommand{
		{"cache", func(sio *IO, o *rootOptions) *cobra.Command { return newCacheCmd(sio, &o.target) }},
		{"version", func(sio *IO, _ *rootOptions) *cobra.Command { return newVersionCmd(sio) }},
		{"whoami", func(sio *IO, _ *rootOptions) *cobra.Command { return newWhoamiCmd(sio) }},
		{"doctor", func(sio *IO, _ *rootOptions) *cobra.Command { return newDoctorCmd(sio) }},
		{"policy", func(sio *IO, _ *rootOptions) *cobra.Command { return newPolicyCmd(sio) }},
		{"credential-process", func(sio *IO, _ *rootOptions) *cobra.Command { return newCredentialProcessCmd(sio) }},
		{"prompt", func(sio *IO, _ *rootOptions) *cobra.Command { return newPromptCmd(sio) }},
		{"exec", func(sio *IO, _ *rootOptions) *cobra.Command { return newExecCmd(sio) }},
		{"serve", func(sio *IO, _ *rootOptions) *cobra.Command { return newServeCmd(sio) }},
		{"fanout", func(sio *IO, _ *rootOptions) *cobra.Command { return newFanoutCmd(sio) }},
		{"console", func(sio *IO, _ *rootOptions) *cobra.Command { return newConsoleCmd(sio) }},
		{"sso", func(sio *IO, _ *rootOptions) *cobra.Command { return newSSOCmd(sio) }},
		{"add", func(sio *IO, _ *rootOptions) *cobra.Command { return newKeyCmds(sio)[0] }},
		{"remove", func(sio *IO, _ *rootOptions) *cobra.Command { return newKeyCmds(sio)[1] }},
		{"list", func(sio *IO, _ *rootOptions) *cobra.Command { return newKeyCmds(sio)[2] }},
		{"rotate", func(sio *IO, _ *rootOptions) *cobra.Command { return newKeyCmds(sio)[3] }},
	}
}

// partialTree tells whether a run with these arguments needs only part of the command tree, and
// which subcommand: "" for the main job (the first argument is a target), else the one the first
// argument names. Building every command with every flag costs a measurable part of a process
// start, and a cached switch needs none of them. Anything that may look at the whole tree (help,
// completion, shell-init's passthrough list, a flag before the subcommand) gets all of it.
func partialTree(args []string) (only string, ok bool) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", false
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-h") || strings.HasPrefix(a, "--h") {
			return "", false // help (-h, --help) shows the subcommands
		}
	}
	switch args[0] {
	case "help", "completion", "shell-init", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return "", false
	}
	for _, sc := range subcommands() {
		if sc.name == args[0] {
			return sc.name, true
		}
	}
	return "", true
}

// newRootCmd builds the command tree for args (nil: all of it).
func newRootCmd(sio *IO, args []string) *cobra.Command {
	only, partial := partialTree(args)
	opts := &rootOptions{io: sio}
	cmd := &cobra.Command{
		Use:   "assume-role [ACCOUNT] [ROLE] [MFA_TOKEN] [REGION]",
		Short: "Assume AWS IAM roles and hand the temporary credentials to your shell and programs",
		Long: `assume-role gets temporary AWS credentials by assuming an IAM role and prints them for your shell:

  eval "$(assume-role prod read)"                # account alias from ~/.aws/accounts + role name
  eval "$(assume-role 123456789012 read 123456)" # with an MFA code
  eval "$(assume-role -R arn:aws:iam::123456789012:role/read -T 3600 -I ext-id)"
  eval "$(assume-role -p my-profile)"            # a profile of ~/.aws/config with role_arn

Source credentials come from the AWS SDK's default chain, or --source-profile / AWS_PROFILE_ASSUME_ROLE.`,
		Args:          cobra.MaximumNArgs(4),
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       Version,
		RunE: func(c *cobra.Command, args []string) error {
			return opts.run(c.Context(), c, args)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	cmd.SetVersionTemplate("assume-role {{.Version}}\n")
	opts.target.register(cmd.Flags())
	opts.out.register(cmd.Flags())
	cmd.Flags().BoolVar(&opts.unset, "unset", false, "print statements that clear the variables a previous switch set")
	cmd.Flags().StringVar(&opts.write, "write-profile", "", "write the credentials into the shared credentials file as this profile")
	cmd.PersistentFlags().BoolVar(&opts.target.debug, "debug", false, "trace AWS calls on stderr (secrets redacted)")
	for _, sc := range subcommands() {
		if !partial || sc.name == only {
			cmd.AddCommand(sc.make(sio, opts))
		}
	}
	if partial {
		return cmd // no help, completion or shell-init in this run
	}
	cmd.AddCommand(newShellInitCmd(sio))
	cmd.ValidArgsFunction = completeTargets(sio)
	registerCompletions(cmd, sio)
	return cmd
}

func newVersionCmd(sio *IO) *cobra.Command {
	return &cobra.Command{
		Use: "version", Short: "Print the version", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(sio.Out, "assume-role %s\n", Version)
			return nil
		},
	}
}
