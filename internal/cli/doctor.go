package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/assume-role/assume-role/engine"
	"github.com/spf13/cobra"
)

func newDoctorCmd(sio *IO) *cobra.Command {
	var t targetFlags
	var asJSON bool
	var te trustEvalFlags
	var online bool
	cmd := &cobra.Command{
		Use:   "doctor [ACCOUNT] [ROLE] [MFA_TOKEN] [REGION] [flags]",
		Short: "Explain what a switch would do, hop by hop, without calling AWS",
		Long: `Prints the resolution plan of the same target and flags as a switch: the source and why it was
chosen, each STS call with every parameter it will send (never a secret), whether MFA is used and why,
the effective duration and the one-hour chaining cap, which cache entries would be used and how long
they have left, the region and the STS endpoint. Nothing is sent to AWS and nothing is prompted for.

With --trust-policy FILE --as PRINCIPAL_ARN it evaluates a role trust policy locally, like STS would,
for that caller with the request's --external-id, --mfa (--mfa-age), --org-id, --role-session-name,
--tags and --source-identity, and says which statement allows the call or why none does (exit 5).

With --online it also calls AWS: GetCallerIdentity of the source (who it is, whether the STS region is
enabled, the clock skew from the answer's Date), a probe AssumeRole of 900 s without the cache, then one
of the requested duration; a failure is explained by ranked causes and exits with its class's code.
--trust-policy FILE then names the exact cause of an AccessDenied.`,
		Args: cobra.MaximumNArgs(4),
		RunE: func(c *cobra.Command, args []string) error {
			if te.active() && !online {
				return te.run(sio, &t, args, asJSON)
			}
			if err := te.stray(online); err != nil {
				return err
			}
			t.debug, _ = c.Flags().GetBool("debug")
			t.noInput, t.noRegionPrompt = true, true
			tg, err := t.build(sio, args)
			if err != nil {
				return err
			}
			eng, err := t.engine(sio)
			if err != nil {
				return err
			}
			if online {
				return runDoctorOnline(c.Context(), sio, eng, tg.req, te.file, te.orgID, asJSON)
			}
			rep, err := eng.Doctor(c.Context(), tg.req)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(sio.Out, rep)
			}
			renderReport(sio.Out, rep)
			return nil
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	te.register(cmd.Flags())
	cmd.Flags().BoolVar(&online, "online", false, "also call AWS: the source's identity, the clock, a probe AssumeRole; explain a failure (exit code per failure class)")
	cmd.ValidArgsFunction = completeTargets(sio)
	registerCompletions(cmd, sio)
	return cmd
}

// renderReport prints a plan for people.
func renderReport(w io.Writer, r *engine.Report) {
	s := r.Source
	fmt.Fprintf(w, "source:   %s\n", s.Label)
	fmt.Fprintf(w, "          chosen by %s", s.Origin)
	if s.File != "" {
		fmt.Fprintf(w, " (%s)", s.File)
	}
	fmt.Fprintln(w)
	if s.Kind == engine.SourceKeys {
		kind := "temporary keys (a session token): roles assumed with them last at most 1 hour"
		if s.LongTerm {
			kind = "long-term IAM user keys"
		}
		fmt.Fprintf(w, "          %s\n", kind)
	}
	if len(r.Hops) == 0 {
		fmt.Fprintln(w, "hops:     none: the profile's own credentials are exported")
	}
	for i, h := range r.Hops {
		fmt.Fprintf(w, "hop %d:    %s", i+1, h.Kind)
		if h.RoleARN != "" {
			fmt.Fprintf(w, " %s", h.RoleARN)
		}
		if h.Profile != "" {
			fmt.Fprintf(w, "  [%s]", profileLabel(h.Profile))
		}
		fmt.Fprintln(w)
		if h.Kind != engine.HopGetSessionToken {
			name := h.SessionName
			if name == "" {
				name = "derived at run time"
				if r.CallerName != "" && i == 0 {
					name = r.CallerName
				}
			}
			fmt.Fprintf(w, "          session name %s (%s)\n", name, h.SessionNameFrom)
		}
		fmt.Fprintf(w, "          duration %d s (%s)", h.DurationSeconds, h.DurationFrom)
		if h.Capped {
			fmt.Fprintf(w, "; STS caps it at 3600 s: signed with temporary credentials (role chaining)")
		}
		fmt.Fprintln(w)
		if h.MFA {
			dev := h.MFASerial
			if dev == "" {
				dev = "device discovered through IAM"
			}
			fmt.Fprintf(w, "          MFA: %s, because %s\n", dev, h.MFAReason)
		}
		var extra []string
		if h.ExternalID != "" {
			extra = append(extra, "external ID "+h.ExternalID)
		}
		if h.Policy != "" {
			extra = append(extra, fmt.Sprintf("inline session policy (%d characters)", len(h.Policy)))
		}
		if len(h.PolicyARNs) > 0 {
			extra = append(extra, "policy ARNs "+strings.Join(h.PolicyARNs, ","))
		}
		for _, tag := range h.Tags {
			extra = append(extra, "tag "+tag.Key+"="+tag.Value)
		}
		if len(h.TransitiveTagKeys) > 0 {
			extra = append(extra, "transitive tag keys "+strings.Join(h.TransitiveTagKeys, ","))
		}
		if h.SourceIdentity != "" {
			extra = append(extra, "source identity "+h.SourceIdentity)
		}
		if h.TokenFile != "" {
			extra = append(extra, "token file "+h.TokenFile)
		}
		if len(extra) > 0 {
			fmt.Fprintf(w, "          %s\n", strings.Join(extra, "; "))
		}
		if i < len(r.Cache) {
			c := r.Cache[i]
			if c.Hit {
				fmt.Fprintf(w, "          cache: hit %s, %s left (expires %s)\n", c.ID[:12], c.Left, c.Expires.UTC().Format("2006-01-02T15:04:05Z"))
			} else {
				fmt.Fprintf(w, "          cache: miss %s\n", c.ID[:12])
			}
		}
	}
	fmt.Fprintf(w, "region:   %s (%s)\n", r.Region, r.RegionFrom)
	fmt.Fprintf(w, "sts:      %s, signing region %s\n", r.STSEndpoint, r.STSRegionOrRegion())
	if r.RoleARN != "" {
		fmt.Fprintf(w, "exports:  AWS_ACCOUNT_ID=%s AWS_ACCOUNT_NAME=%s AWS_ACCOUNT_ROLE=%s\n", r.AccountID, firstNonEmpty(r.AccountName, r.AccountID), r.RoleName)
	}
}

func profileLabel(name string) string {
	if name == "default" {
		return "default"
	}
	return "profile " + name
}
