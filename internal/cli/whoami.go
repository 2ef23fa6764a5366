package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newWhoamiCmd(sio *IO) *cobra.Command {
	var profile, region string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Show the identity of the current credentials and the time they have left",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			t := targetFlags{noCache: true, noInput: true}
			t.debug, _ = c.Flags().GetBool("debug")
			eng, err := t.engine(sio)
			if err != nil {
				return err
			}
			id, err := eng.WhoAmI(c.Context(), profile, region)
			if err != nil {
				return err
			}
			left := ""
			if exp, err := time.Parse(time.RFC3339, sio.Getenv("AWS_CREDENTIAL_EXPIRATION")); err == nil {
				if d := exp.Sub(sio.Now()).Round(time.Minute); d > 0 {
					left = d.String() + " left"
				} else {
					left = "expired"
				}
			}
			if asJSON {
				return writeJSON(sio.Out, map[string]string{"Account": id.Account, "Arn": id.Arn, "UserId": id.UserID,
					"Expiration": sio.Getenv("AWS_CREDENTIAL_EXPIRATION")})
			}
			fmt.Fprintf(sio.Out, "Account: %s\nArn:     %s\nUserId:  %s\n", id.Account, id.Arn, id.UserID)
			if left != "" {
				fmt.Fprintf(sio.Out, "Expires: %s (%s)\n", sio.Getenv("AWS_CREDENTIAL_EXPIRATION"), left)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&profile, "profile", "p", "", "use this profile's credentials instead of the environment's")
	cmd.Flags().StringVar(&region, "region", "", "region for the STS call")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
