package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/assume-role/assume-role/problem"
	"github.com/assume-role/assume-role/sso"
	"github.com/spf13/cobra"
)

// listFlags are the flags of the listing commands.
type listFlags struct {
	refresh bool
	ttl     time.Duration
	json    bool
}

func (l *listFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&l.refresh, "refresh", false, "ask the portal again (new grants show at once)")
	cmd.Flags().DurationVar(&l.ttl, "cache-ttl", 0, "reuse a listing this young (env ASSUME_ROLE_SSO_CACHE_TTL, default 1h; 0s: never)")
	cmd.Flags().BoolVar(&l.json, "json", false, "print JSON")
}

func (l *listFlags) options(cmd *cobra.Command, sio *IO, roles bool) (sso.ListOptions, error) {
	ttl := time.Hour
	if v := sio.Getenv("ASSUME_ROLE_SSO_CACHE_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return sso.ListOptions{}, problem.New(problem.Usage, "ASSUME_ROLE_SSO_CACHE_TTL=%q is not a duration like 1h", v)
		}
		ttl = d
	}
	if cmd.Flags().Changed("cache-ttl") {
		if l.ttl < 0 {
			return sso.ListOptions{}, problem.New(problem.Usage, "--cache-ttl must not be negative")
		}
		ttl = l.ttl
	}
	return sso.ListOptions{Roles: roles, Refresh: l.refresh, MaxAge: ttl, CacheDir: listingCacheDir(sio.Getenv)}, nil
}

// listingCacheDir holds portal listings (account and role names: not secrets):
// ASSUME_ROLE_CACHE_DIR, else the user cache directory.
func listingCacheDir(getenv func(string) string) string {
	if d := getenv("ASSUME_ROLE_CACHE_DIR"); d != "" {
		return d
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "assume-role")
	}
	return filepath.Join(homeDir(getenv), ".cache", "assume-role")
}

func newSSOListCmds(sio *IO, f *ssoFlags) []*cobra.Command {
	var al, rl listFlags
	list := func(cmd *cobra.Command, lf *listFlags, roles bool) (*sso.Session, *sso.Listing, error) {
		s, err := f.resolve(sio)
		if err != nil {
			return nil, nil, err
		}
		o, err := lf.options(cmd, sio, roles)
		if err != nil {
			return nil, nil, err
		}
		start := time.Now()
		l, cached, err := ssoEnv(sio, true, debugFlag(cmd)).List(cmd.Context(), s, o)
		if err != nil {
			return nil, nil, err
		}
		if cached {
			sioSay(sio, "listing of %s from %s (cached; --refresh asks the portal)", s.Label(), l.Fetched.Local().Format(time.RFC3339))
		} else {
			sioSay(sio, "listed %d accounts of %s in %s", len(l.Accounts), s.Label(), time.Since(start).Round(time.Millisecond))
		}
		return s, l, nil
	}
	accounts := &cobra.Command{
		Use: "accounts", Short: "List the accounts the access portal gives you", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, l, err := list(c, &al, false)
			if err != nil {
				return err
			}
			if al.json {
				for i := range l.Accounts {
					l.Accounts[i].Roles = nil
				}
				return printJSON(sio, l.Accounts)
			}
			tw := tabwriter.NewWriter(sio.Out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCOUNT\tNAME\tEMAIL")
			for _, a := range l.Accounts {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", a.ID, a.Name, a.Email)
			}
			return tw.Flush()
		},
	}
	al.register(accounts)
	var account string
	roles := &cobra.Command{
		Use: "roles", Short: "List the roles you may take in each account", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, l, err := list(c, &rl, true)
			if err != nil {
				return err
			}
			var out []sso.Account
			for _, a := range l.Accounts {
				if account == "" || a.ID == account || strings.EqualFold(a.Name, account) {
					out = append(out, a)
				}
			}
			if account != "" && len(out) == 0 {
				return problem.New(problem.Usage, "the access portal gives you no account %q", account).
					WithHint("list your accounts with: assume-role sso accounts --refresh")
			}
			if rl.json {
				return printJSON(sio, out)
			}
			tw := tabwriter.NewWriter(sio.Out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCOUNT\tNAME\tROLE")
			for _, a := range out {
				for _, r := range a.Roles {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", a.ID, a.Name, r)
				}
			}
			return tw.Flush()
		},
	}
	rl.register(roles)
	roles.Flags().StringVar(&account, "account", "", "only this account (ID or name)")

	var pl listFlags
	var prefix, region string
	var prune bool
	profiles := &cobra.Command{
		Use:   "profiles",
		Short: "Write a [profile] section into ~/.aws/config for every role (only sections it wrote are ever changed)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, l, err := list(c, &pl, true)
			if err != nil {
				return err
			}
			if s.Name == "" {
				return problem.New(problem.Config, "profiles are generated for an [sso-session]; %s is a legacy profile", s.Label()).
					WithHint("add [sso-session NAME] (aws configure sso-session) and pass --sso-session NAME")
			}
			path := sso.ConfigPath(sio.Getenv)
			if region == "" {
				region = s.Region
			}
			ch, err := sso.UpdateProfiles(path, s.Name, sso.ProfilesFor(l, prefix, region), prune)
			if err != nil {
				return problem.Wrap(problem.Config, err, "cannot update %s: %s", path, firstLine(err.Error()))
			}
			for _, n := range ch.Skipped {
				sioSay(sio, "warning: [profile %s] exists and was not written by assume-role; left alone", n)
			}
			sioSay(sio, "%s: %d added, %d updated, %d unchanged, %d removed", path, len(ch.Added), len(ch.Updated), len(ch.Unchanged), len(ch.Removed))
			return nil
		},
	}
	pl.register(profiles)
	profiles.Flags().StringVar(&prefix, "prefix", "", "prefix of the generated profile names")
	profiles.Flags().StringVar(&region, "region", "", "region of the generated profiles (default: the session's sso_region)")
	profiles.Flags().BoolVar(&prune, "prune", false, "remove the profiles it wrote earlier for this session that the portal no longer gives")
	return []*cobra.Command{accounts, roles, profiles}
}

func printJSON(sio *IO, v any) error {
	enc := json.NewEncoder(sio.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
