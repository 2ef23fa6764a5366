package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/credserver"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/procexec"
	"github.com/assume-role/assume-role/shellenv"
	"github.com/spf13/cobra"
)

// credentialEnvVars are removed from a child's environment before ours are added, so no stale
// credentials or profile can shadow them.
var credentialEnvVars = append(append(append([]string{
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_SESSION_EXPIRATION", "ASSUME_ROLE_SHELL",
	engine.ResolvingEnvVar, // the program is not part of a credential_process resolution
}, ourVars...), shadowingVars...), foreignCredentialVars...)

// childEnv returns environ without our, shadowing and foreign credential variables, and without
// those of vars, plus vars.
func childEnv(environ []string, vars []shellenv.Var) []string {
	drop := map[string]bool{}
	for _, n := range credentialEnvVars {
		drop[n] = true
	}
	for _, v := range vars {
		drop[v.Name] = true
	}
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	for _, v := range vars {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

// splitAtDash separates target arguments from the command after "--".
func splitAtDash(cmd *cobra.Command, args []string) (target, command []string, err error) {
	dash := cmd.ArgsLenAtDash()
	if dash < 0 {
		return nil, nil, problem.New(problem.Usage, "no command to run").
			WithHint("put the command after --: assume-role exec prod read -- aws s3 ls")
	}
	target, command = args[:dash], args[dash:]
	if len(command) == 0 {
		return nil, nil, problem.New(problem.Usage, "no command after --")
	}
	if len(target) > 4 {
		return nil, nil, problem.New(problem.Usage, "too many target arguments before --")
	}
	return target, command, nil
}

func newExecCmd(sio *IO) *cobra.Command {
	var t targetFlags
	var server bool
	cmd := &cobra.Command{
		Use:   "exec [ACCOUNT] [ROLE] [MFA_TOKEN] [REGION] [flags] -- COMMAND [ARGS...]",
		Short: "Run a command with the role's credentials in its environment",
		Long: `Runs COMMAND with the credentials as environment variables (the same ones the exports set).
Its exit code and signals pass through; stdin, stdout and stderr are the command's.

With --server the command gets a local credentials endpoint instead of fixed keys
(AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN): the role is re-assumed before the
credentials expire, so a command that runs longer than any session (even a chained role capped at one hour)
keeps working, with no new MFA prompt while the cached MFA session lasts. So that the endpoint is the only
credential source its SDK finds, the command also gets AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and
BOTO_CONFIG set to /dev/null: settings of ~/.aws/config other than the region (exported as AWS_REGION) must
then come from environment variables (AWS_DEFAULT_OUTPUT, AWS_CA_BUNDLE, AWS_ENDPOINT_URL, …).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			t.debug, _ = c.Flags().GetBool("debug")
			targetArgs, command, err := splitAtDash(c, args)
			if err != nil {
				return err
			}
			tg, eng, res, err := t.assume(c.Context(), sio, targetArgs)
			if err != nil {
				return err
			}
			vars := credentialVars(res, tg.accountName, tg.roleName)
			if server {
				srv, err := startServer(sio, eng, tg.req, t.margin(sio), false)
				if err != nil {
					return err
				}
				defer srv.Close()
				vars = serverVars(vars, srv)
			}
			// The child gets the terminal's signals itself; ours must not end it early.
			defer childRunning()()
			code, err := procexec.Run(context.WithoutCancel(c.Context()), procexec.Options{
				Args: command, Env: childEnv(sio.Environ(), vars), Stdin: sio.In, Stdout: sio.Out, Stderr: sio.Err,
			})
			if err != nil {
				// Not found (127) or not executable (126): the shells' exit codes, so scripts
				// and `exec`-style callers can tell it from the command's own failure.
				printError(sio.Err, problem.Wrap(problem.Usage, err, "%s", err.Error()).
					WithHint("check the command name and PATH (exit %d, as a shell would)", code))
				return &exitError{code: code}
			}
			if code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().BoolVar(&server, "server", false, "serve auto-refreshing credentials to the command from a local endpoint")
	registerCompletions(cmd, sio)
	return cmd
}

// serverVars replaces the fixed keys with the server's endpoint, keeping region and account vars.
func serverVars(vars []shellenv.Var, srv *credserver.Server) []shellenv.Var {
	var out []shellenv.Var
	for _, v := range vars {
		switch v.Name {
		case "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION":
			continue
		}
		out = append(out, v)
	}
	out = append(out,
		shellenv.Var{Name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Value: srv.URL()},
		shellenv.Var{Name: "AWS_CONTAINER_AUTHORIZATION_TOKEN", Value: srv.Token()})
	// SDKs read the shared files (and botocore ~/.boto) before the container endpoint: hide them,
	// or the child would silently act as [default] instead of the role.
	return append(out, endpointOnlyVars()...)
}

// startServer serves req's credentials on loopback, re-assuming the role within margin of expiry.
func startServer(sio *IO, eng *engine.Engine, req engine.Request, margin time.Duration, logRequests bool) (*credserver.Server, error) {
	o := credserver.Options{Now: sio.Now}
	if logRequests {
		o.Log = sio.Err
	}
	srv, err := credserver.New(eng.Provider(req, margin), o)
	if err != nil {
		return nil, problem.Wrap(problem.Internal, err, "cannot start the credential server: %s", err.Error())
	}
	if err := srv.Start(); err != nil {
		return nil, problem.Wrap(problem.Network, err, "cannot start the credential server: %s", err.Error())
	}
	return srv, nil
}

// margin is the cache margin in force (flag, environment, default).
func (t *targetFlags) margin(sio *IO) time.Duration {
	if t.cacheMargin > 0 {
		return t.cacheMargin
	}
	if d, err := time.ParseDuration(sio.Getenv("ASSUME_ROLE_CACHE_MARGIN")); err == nil && d > 0 {
		return d
	}
	return cache.DefaultMargin
}

// exitError carries a child's exit code through cobra without printing anything.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newServeCmd(sio *IO) *cobra.Command {
	var t targetFlags
	var format string
	cmd := &cobra.Command{
		Use:   "serve [ACCOUNT] [ROLE] [MFA_TOKEN] [REGION]",
		Short: "Serve auto-refreshing credentials on a local container-credentials endpoint",
		Long: `Starts a credentials endpoint on 127.0.0.1 (a random port and a random token), prints the two variables
that point SDKs at it (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN) for your shell,
and serves until interrupted, re-assuming the role before the credentials expire. Requests without the token
or with a non-loopback Host header are refused. Requests are logged on stderr, without secrets.

The printed variables also set AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and BOTO_CONFIG to /dev/null and
unset AWS_PROFILE and other credential variables, because SDKs read those before the endpoint: give them to
the programs or containers that should use the role, not to your login shell.`,
		Args: cobra.MaximumNArgs(4),
		RunE: func(c *cobra.Command, args []string) error {
			t.debug, _ = c.Flags().GetBool("debug")
			of := outputFlags{format: format}
			shFormat, _, err := of.resolveFormat(sio.Getenv)
			if err != nil {
				return err
			}
			if shFormat == formatJSON || shFormat == formatCredentialProcess {
				return problem.New(problem.Usage, "serve prints shell code: use -o bash, zsh, fish, powershell or env")
			}
			tg, eng, res, err := t.assume(c.Context(), sio, args) // fail now, not on the first request
			if err != nil {
				return err
			}
			srv, err := startServer(sio, eng, tg.req, t.margin(sio), true)
			if err != nil {
				return err
			}
			defer srv.Close()
			vars := serverVars(credentialVars(res, tg.accountName, tg.roleName), srv)
			unset := append([]string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"}, foreignCredentialVars...)
			if err := shellenv.Render(sio.Out, shellenv.Shell(shFormat), vars, unset); err != nil {
				return err
			}
			if f, ok := sio.Out.(*os.File); ok {
				f.Sync()
			}
			fmt.Fprintf(sio.Err, "assume-role: serving credentials for %s on %s until interrupted\n", res.RoleARN, srv.URL())
			<-c.Context().Done()
			return nil
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().StringVarP(&format, "output", "o", "", "shell syntax for the printed variables (default: your shell)")
	registerCompletions(cmd, sio)
	return cmd
}
