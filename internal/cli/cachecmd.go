package cli

import (
	"errors"
	"fmt"
	"github.com/assume-role/assume-role/internal/fastpath"
	"github.com/assume-role/assume-role/problem"
	"text/tabwriter"
	"time"

	"github.com/assume-role/assume-role/cache"
	"github.com/assume-role/assume-role/engine"
	"github.com/spf13/cobra"
)

func newCacheCmd(sio *IO, parent *targetFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "List or clear cached sessions and role credentials",
		Args:  cobra.NoArgs,
	}
	var backend string
	cmd.PersistentFlags().StringVar(&backend, "cache-backend", "", "cache backend (env ASSUME_ROLE_CACHE_BACKEND)")
	open := func() (*targetFlags, error) {
		t := *parent
		t.cacheBackend = backend
		return &t, nil
	}
	list := &cobra.Command{
		Use: "list", Short: "List cached entries (never secrets)", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			t, _ := open()
			ca, err := t.openCache(sio)
			if err != nil {
				return err
			}
			infos, err := ca.List()
			if errors.Is(err, cache.ErrWrongPassphrase) {
				return engine.WrongPassphrase(err)
			}
			if err != nil {
				return err
			}
			now := sio.Now()
			tw := tabwriter.NewWriter(sio.Out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tKIND\tEXPIRES\tLEFT\tMFA\tDESCRIPTION")
			for _, in := range infos {
				left := in.Expiration.Sub(now).Round(time.Minute)
				leftS := left.String()
				if left <= 0 {
					leftS = "expired"
				}
				mfa := "-"
				if in.MFA {
					mfa = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.ID[:12], in.Kind, in.Expiration.Local().Format(time.RFC3339), leftS, mfa, in.Label)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(sio.Err, "assume-role: %d entries in the %s cache\n", len(infos), ca.Backend())
			return nil
		},
	}
	clear := &cobra.Command{
		Use: "clear", Short: "Delete every cached session and role credential", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			t, _ := open()
			ca, err := t.openCache(sio)
			if err != nil {
				return err
			}
			n, err := ca.Clear()
			if err != nil {
				return err
			}
			fmt.Fprintf(sio.Err, "assume-role: removed %d cached entries from the %s cache\n", n, ca.Backend())
			if dir := ca.Dir(); dir != "" {
				// The fast path's records name entries that are gone now; they go too.
				if _, err := fastpath.Clear(dir); err != nil {
					return problem.Wrap(problem.Internal, err, "cannot remove the fast path's records in %s: %s", fastpath.Dir(dir), err.Error())
				}
			}
			return nil
		},
	}
	cmd.AddCommand(list, clear)
	return cmd
}
