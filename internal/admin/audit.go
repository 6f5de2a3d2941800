package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/operator"
)

// auditJSON is an audit entry in --json output.
type auditJSON struct {
	At     string          `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Target string          `json:"target"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// auditCmd shows the audit log.
func (r *root) auditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log: every operator action, from the console and from these commands",
		Example: `  redcloud admin audit list
  redcloud admin audit list --target rc_01j… --json`,
		Args: groupArgs,
		RunE: groupRun,
	}
	var f operator.AuditFilter
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--actor A] [--action A] [--target T] [--limit N]",
		Short: "List audit entries, newest first",
		Example: `  redcloud admin audit list --limit 20
  redcloud admin audit list --actor ann@example.com --action client.status`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				es, _, err := op.ListAudit(ctx, f)
				if err != nil {
					return fail(err, flags{"limit": "--limit"})
				}
				if asJSON {
					out := make([]auditJSON, 0, len(es))
					for _, e := range es {
						out = append(out, auditJSON{At: e.At.Format(time.RFC3339Nano), Actor: e.Actor, Action: e.Action,
							Target: e.Target, Before: e.Before, After: e.After})
					}
					return printJSON(cmd.OutOrStdout(), out)
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintln(tw, "AT\tACTOR\tACTION\tTARGET\tBEFORE\tAFTER")
				for _, e := range es {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Actor, e.Action, e.Target, e.Before, e.After)
				}
				return tw.Flush()
			})
		}),
	}
	list.Flags().StringVar(&f.Actor, "actor", "", "only this actor (an operator's email, or cli:USER)")
	list.Flags().StringVar(&f.Action, "action", "", "only this action (e.g. client.status)")
	list.Flags().StringVar(&f.Target, "target", "", "only this target (e.g. an API client id)")
	list.Flags().IntVar(&f.Limit, "limit", 100, fmt.Sprintf("how many to list, 1-%d", operator.MaxAuditLimit))
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(list)
	return cmd
}
