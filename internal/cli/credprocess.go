package cli

import (
	"bytes"
	"io"

	"github.com/spf13/cobra"
)

// newCredentialProcessCmd serves `credential_process = assume-role credential-process …` in
// ~/.aws/config: Version 1 JSON on stdout, from the cache so frequent SDK calls cost nothing, and
// MFA prompts on /dev/tty (botocore captures stderr and runs the command without a shell).
func newCredentialProcessCmd(sio *IO) *cobra.Command {
	var t targetFlags
	cmd := &cobra.Command{
		Use:   "credential-process [ACCOUNT] [ROLE] [MFA_TOKEN] [REGION]",
		Short: "Print credentials for the SDKs' credential_process setting (Version 1 JSON)",
		Long: `Use in ~/.aws/config:

  [profile prod-read]
  credential_process = assume-role credential-process prod read --source-profile default

The credentials come from the cache while they are fresh; an MFA prompt, when needed, appears on the
terminal (/dev/tty). Name the source (--source-profile or AWS_PROFILE_ASSUME_ROLE): otherwise it is found as
for any switch, and with AWS_PROFILE=prod-read the profile would be its own source, a loop that is refused.`,
		Args: cobra.MaximumNArgs(4),
		RunE: func(c *cobra.Command, args []string) error {
			t.debug, _ = c.Flags().GetBool("debug")
			t.noRegionPrompt = true // the JSON carries no region: never ask for one
			tg, _, res, err := t.assume(c.Context(), sio, args)
			if err != nil {
				return err
			}
			var printed bytes.Buffer
			if err := renderCredentials(io.MultiWriter(sio.Out, &printed), formatCredentialProcess, res, tg.accountName, tg.roleName); err != nil {
				return err
			}
			sio.fast.done(sio, t.fastRun(c, formatCredentialProcess, tg, res, printed.Bytes(), false))
			return nil
		},
	}
	t.register(cmd.Flags())
	cmd.ValidArgsFunction = completeTargets(sio)
	registerCompletions(cmd, sio)
	return cmd
}
