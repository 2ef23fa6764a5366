package cli

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/assume-role/assume-role/console"
	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
	"github.com/spf13/cobra"
)

// openBrowser launches the system's browser on signinURL without putting it on any command line
// (other local users can read those): the launcher gets a 0600 page that redirects to it. It waits
// a few seconds for the launcher to report a failure.
func openBrowser(tmpdir, signinURL string) error {
	page, err := console.RedirectPage(tmpdir, signinURL)
	if err != nil {
		return err
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", page)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", page)
	default:
		cmd = exec.Command("xdg-open", page)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		return nil // a launcher that stays with the browser it started
	}
}

func newConsoleCmd(sio *IO) *cobra.Command {
	var t targetFlags
	var open bool
	var endpoint, destination string
	var duration int
	cmd := &cobra.Command{
		Use:   "console [ACCOUNT] [ROLE] [MFA_TOKEN] [REGION]",
		Short: "Print (or --open) an AWS console sign-in URL for a role or the current credentials",
		Long: `Builds a console sign-in URL through the AWS federation endpoint (getSigninToken). With a target, the
role's credentials are used; without one, the current credentials (for example those a previous switch
exported). Long-term IAM user keys are first exchanged with GetFederationToken. The URL is valid for 15
minutes and grants access: treat it as a secret.`,
		Args: cobra.MaximumNArgs(4),
		RunE: func(c *cobra.Command, args []string) error {
			t.debug, _ = c.Flags().GetBool("debug")
			eng, err := t.engine(sio)
			if err != nil {
				return err
			}
			cr := engine.ConsoleRequest{SourceProfile: t.sourceProfile, Region: t.region, Endpoint: endpoint,
				Destination: destination, DurationSeconds: duration}
			if len(args) > 0 || t.role != "" || t.profile != "" {
				tg, err := t.build(sio, args)
				if err != nil {
					return err
				}
				cr.Target = &tg.req
			}
			url, err := eng.ConsoleURL(c.Context(), cr)
			if err != nil {
				return err
			}
			if open {
				if err := openBrowser(sio.Getenv("TMPDIR"), url); err != nil {
					return problem.Wrap(problem.Internal, err, "cannot open a browser: %s", err.Error()).
						WithHint("run without --open and paste the URL into your browser")
				}
				fmt.Fprintln(sio.Err, "assume-role: opened the console sign-in URL in your browser (valid 15 minutes)")
				return nil
			}
			_, err = fmt.Fprintln(sio.Out, strings.TrimSpace(url))
			return err
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().BoolVar(&open, "open", false, "open the URL in the browser instead of printing it")
	cmd.Flags().StringVar(&endpoint, "federation-endpoint", "", "federation endpoint (env ASSUME_ROLE_FEDERATION_ENDPOINT; default by partition)")
	cmd.Flags().StringVar(&destination, "destination", "", "console URL to land on (default: the console home of the region)")
	cmd.Flags().IntVar(&duration, "duration", 0, "console session seconds, 900-43200 (default: AWS's)")
	registerCompletions(cmd, sio)
	return cmd
}
