package cli

import (
	"fmt"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/assume-role/assume-role/console"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/stslimits"
	"github.com/aws/aws-sdk-go-v2/aws"
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
			if duration != 0 {
				if err := stslimits.Duration("--duration", duration, 900, 43200); err != nil {
					return problem.Wrap(problem.Usage, err, "%s", err.Error())
				}
			}
			endpoint = firstNonEmpty(endpoint, sio.Getenv("ASSUME_ROLE_FEDERATION_ENDPOINT"))
			eng, err := t.engine(sio)
			if err != nil {
				return err
			}
			ctx := c.Context()
			var creds aws.Credentials
			region := firstNonEmpty(t.region, sio.Getenv("AWS_REGION"), sio.Getenv("AWS_DEFAULT_REGION"))
			fedToken := false
			if len(args) > 0 || t.role != "" || t.profile != "" {
				tg, err := t.build(sio, args)
				if err != nil {
					return err
				}
				res, err := eng.Assume(ctx, tg.req)
				if err != nil {
					return err
				}
				creds, region = res.Credentials, res.Region
			} else {
				creds, err = eng.CurrentCredentials(ctx, t.sourceProfile, region)
				if err != nil {
					return err
				}
				if creds.SessionToken == "" {
					name := firstNonEmpty(sio.Getenv("USER"), sio.Getenv("USERNAME"), "assume-role")
					creds, err = eng.FederationToken(ctx, creds, name, region, duration)
					if err != nil {
						return err
					}
					fedToken = true
				}
			}
			o := console.Options{Endpoint: endpoint, Destination: destination, Region: region,
				FederationToken: fedToken, HTTPClient: &http.Client{Timeout: 30 * time.Second}}
			if !fedToken && duration != 0 {
				o.SessionDuration = time.Duration(duration) * time.Second
			}
			if region != "" {
				o.Partition = stslimits.PartitionForRegion(region)
			}
			url, err := console.SigninURL(ctx, creds, o)
			if err != nil {
				return problem.Wrap(problem.Network, err, "console sign-in failed: %s", firstLine(err.Error())).
					WithHint("check the federation endpoint (--federation-endpoint) and that the credentials are still valid")
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
