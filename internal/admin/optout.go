package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// optOutFlags maps the operator's opt-out fields to their flags.
var optOutFlags = flags{"limit": "--limit", "reason": "--reason", "e164": "E164"}

// optOutCmd lists, adds and removes API clients' opt-outs.
func (r *root) optOutCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "opt-out",
		Short: "List, add and remove an API client's opt-outs (STOP list)",
		Example: `  redcloud admin opt-out list --client rc_01j…
  redcloud admin opt-out add +15557654321 --client rc_01j…
  redcloud admin opt-out remove +15557654321 --client rc_01j… --reason "ticket 4711: asked by phone"`,
		Args: groupArgs,
		RunE: groupRun,
	}
	var client string
	var limit int
	var asJSON bool
	list := &cobra.Command{
		Use:     "list --client CLIENT_ID",
		Short:   "List an API client's opt-outs by phone number",
		Example: "  redcloud admin opt-out list --client rc_01j…\n  redcloud admin opt-out list --client rc_01j… --json",
		Args:    args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if client == "" {
				return usagef("--client is required")
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				ss, err := op.ListOptOuts(ctx, client, limit)
				if err != nil {
					return fail(err, optOutFlags)
				}
				if asJSON {
					out := make([]redcloud.OptOut, 0, len(ss))
					for _, s := range ss {
						out = append(out, s.Wire())
					}
					return printJSON(cmd.OutOrStdout(), out)
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintln(tw, "E164\tSOURCE\tKEYWORD\tNUMBER\tCREATED")
				for _, s := range ss {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.E164, s.Source, orNone(&s.Keyword), orNone(&s.NumberID),
						s.CreatedAt.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		}),
	}
	list.Flags().StringVar(&client, "client", "", "the API client")
	list.Flags().IntVar(&limit, "limit", 1000, "how many to list")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var addClient string
	add := &cobra.Command{
		Use:     "add E164 --client CLIENT_ID",
		Short:   "Put a phone number on an API client's opt-out list (source api)",
		Example: "  redcloud admin opt-out add +15557654321 --client rc_01j…",
		Args:    args("E164"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			if addClient == "" {
				return usagef("--client is required")
			}
			if !platform.ValidE164(a[0]) {
				return usagef("%q is not an E.164 phone number", a[0])
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				s, created, err := op.AddOptOut(ctx, addClient, a[0])
				if err != nil {
					return fail(err, optOutFlags)
				}
				if !created {
					fmt.Fprintf(cmd.OutOrStdout(), "%s is already opted out of %s (source %s)\n", s.E164, s.APIClientID, s.Source)
					return nil
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s opted out of %s\n", s.E164, s.APIClientID)
				return nil
			})
		}),
	}
	add.Flags().StringVar(&addClient, "client", "", "the API client")

	var rmClient, reason string
	remove := &cobra.Command{
		Use:     "remove E164 --client CLIENT_ID [--reason TEXT]",
		Short:   "Lift an opt-out; a keyword opt-out (the person texted STOP) needs --reason, which is recorded",
		Example: "  redcloud admin opt-out remove +15557654321 --client rc_01j… --reason \"ticket 4711: asked by phone\"",
		Args:    args("E164"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			if rmClient == "" {
				return usagef("--client is required")
			}
			if !platform.ValidE164(a[0]) {
				return usagef("%q is not an E.164 phone number", a[0])
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				s, err := op.RemoveOptOut(ctx, rmClient, a[0], reason)
				if err != nil {
					return fail(err, optOutFlags)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "lifted the %s opt-out of %s for %s\n", s.Source, s.E164, s.APIClientID)
				return nil
			})
		}),
	}
	remove.Flags().StringVar(&rmClient, "client", "", "the API client")
	remove.Flags().StringVar(&reason, "reason", "", "why (required for a keyword opt-out; recorded)")
	cmd.AddCommand(list, add, remove)
	return cmd
}
