package cli

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/assume-role/assume-role/engine"
	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/sso"
	"github.com/spf13/cobra"
)

// ssoFlags are the flags every sso subcommand takes.
type ssoFlags struct {
	session, profile string
}

func (f *ssoFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.session, "sso-session", "", "an [sso-session NAME] of ~/.aws/config")
	cmd.PersistentFlags().StringVarP(&f.profile, "profile", "p", "", "an SSO profile of ~/.aws/config (sso_session or sso_start_url)")
}

func (f *ssoFlags) resolve(sio *IO) (*sso.Session, error) {
	return sso.ResolveSession(sio.Getenv, f.session, f.profile)
}

// ssoEnv is the sso package's view of the process: environment, HTTP, clock, messages and, when
// there is one, a browser.
func ssoEnv(sio *IO, noBrowser, debug bool) *sso.Env {
	e := &sso.Env{Getenv: sio.Getenv, HTTPClient: sio.HTTPClient, Now: sio.Now, Stderr: sio.Err}
	if debug {
		// The engine's --debug trace: operation, endpoint, status, parameters that are not secrets.
		e.APIOptions = engine.New(engine.Options{Getenv: sio.Getenv, Debug: sio.Err}).APIOptions()
	}
	if !noBrowser {
		if argv := browserCommand(sio.Getenv); argv != nil {
			e.OpenBrowser = func(url string) error {
				cmd := exec.Command(argv[0], append(argv[1:], url)...)
				if err := cmd.Start(); err != nil {
					return err
				}
				go func() { _ = cmd.Wait() }()
				return nil
			}
		}
	}
	return e
}

// browserCommand is how to open a URL: $BROWSER, else the desktop's opener when there is a
// display; nil when there is no browser (an SSH session, a container), so that sign-in uses a
// code instead.
func browserCommand(getenv func(string) string) []string {
	if b := strings.Fields(getenv("BROWSER")); len(b) > 0 {
		return b
	}
	switch runtime.GOOS {
	case "darwin":
		if getenv("SSH_CONNECTION") == "" {
			return []string{"open"}
		}
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler"}
	default:
		if getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != "" {
			if p, err := exec.LookPath("xdg-open"); err == nil {
				return []string{p}
			}
		}
	}
	return nil
}

func newSSOCmd(sio *IO) *cobra.Command {
	var f ssoFlags
	cmd := &cobra.Command{
		Use:   "sso",
		Short: "Sign in to IAM Identity Center (AWS SSO) and list or configure its accounts and roles",
		Args:  cobra.NoArgs,
	}
	f.register(cmd)
	cmd.AddCommand(newSSOLoginCmd(sio, &f), newSSOLogoutCmd(sio, &f))
	cmd.AddCommand(newSSOListCmds(sio, &f)...)
	return cmd
}

func newSSOLoginCmd(sio *IO, f *ssoFlags) *cobra.Command {
	var noBrowser, force bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in (browser with PKCE, or a code without a display); does nothing while the token is valid",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := f.resolve(sio)
			if err != nil {
				return err
			}
			if wait <= 0 {
				return problem.New(problem.Usage, "--wait must be positive")
			}
			out, t, err := ssoEnv(sio, noBrowser, debugFlag(c)).Login(c.Context(), s, sso.LoginOptions{NoBrowser: noBrowser, Force: force, Wait: wait})
			if err != nil {
				return err
			}
			msg := map[sso.Outcome]string{sso.AlreadyValid: "already signed in to", sso.Refreshed: "refreshed the sign-in to",
				sso.DeviceCode: "signed in to", sso.AuthorizationCode: "signed in to"}[out]
			sioSay(sio, "%s %s (valid until %s)", msg, s.Label(), t.Expires().Local().Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "sign in with a code (device authorization) and open no browser")
	cmd.Flags().BoolVar(&force, "force", false, "sign in again even when the cached token is valid")
	cmd.Flags().DurationVar(&wait, "wait", 10*time.Minute, "how long to wait for the sign-in")
	return cmd
}

func newSSOLogoutCmd(sio *IO, f *ssoFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Sign out of the access portal and delete the cached token",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := f.resolve(sio)
			if err != nil {
				return err
			}
			done, err := ssoEnv(sio, true, debugFlag(c)).Logout(c.Context(), s)
			if err != nil {
				return err
			}
			if done {
				sioSay(sio, "signed out of %s", s.Label())
			} else {
				sioSay(sio, "not signed in to %s", s.Label())
			}
			return nil
		},
	}
}

// debugFlag is the root's persistent --debug.
func debugFlag(c *cobra.Command) bool {
	d, _ := c.Flags().GetBool("debug")
	return d
}

func sioSay(sio *IO, format string, a ...any) {
	fmt.Fprintf(sio.Err, "assume-role: "+format+"\n", a...)
}
