package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// deliveryCmd lists webhook deliveries.
func (r *root) deliveryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "delivery",
		Short:   "Inspect webhook deliveries",
		Example: "  redcloud admin delivery list --state FAILED",
		Args:    groupArgs,
		RunE:    groupRun,
	}
	var filter operator.DeliveryFilter
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List webhook deliveries, newest first, optionally by state",
		Example: `  redcloud admin delivery list
  redcloud admin delivery list --state FAILED --limit 200 --json`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if err := filter.Validate(); err != nil {
				return fail(err, flags{"state": "--state", "limit": "--limit"})
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				ds, err := op.ListDeliveries(ctx, filter)
				if err != nil {
					return err
				}
				if asJSON {
					out := make([]deliveryJSON, 0, len(ds))
					for _, d := range ds {
						out = append(out, newDeliveryJSON(d))
					}
					return printJSON(cmd.OutOrStdout(), out)
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintln(tw, "DELIVERY\tEVENT\tTYPE\tSTATE\tATTEMPTS\tLAST STATUS\tUPDATED\tURL")
				for _, d := range ds {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.EventID, d.EventType, d.State, d.Delivery.Attempts,
						lastStatus(d.LastStatus, d.LastError), d.UpdatedAt.Format(time.RFC3339), d.URL)
				}
				return tw.Flush()
			})
		}),
	}
	list.Flags().StringVar(&filter.State, "state", "", "PENDING, DELIVERED, FAILED or NO_ENDPOINT (default all)")
	list.Flags().IntVar(&filter.Limit, "limit", 50, "how many to list")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(list)
	return cmd
}

// eventCmd shows and replays events.
func (r *root) eventCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "event",
		Short:   "Show lifecycle events with their delivery attempts, and replay them",
		Example: "  redcloud admin event show evt_01j…\n  redcloud admin event replay --failed-since 24h",
		Args:    groupArgs,
		RunE:    groupRun,
	}
	cmd.AddCommand(r.eventShowCmd(), r.eventReplayCmd())
	return cmd
}

func (r *root) eventShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "show EVENT_ID",
		Short:   "Show an event: its fixed body, its deliveries and every attempt",
		Example: "  redcloud admin event show evt_01j…",
		Args:    args("EVENT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				e, ds, err := op.GetEvent(ctx, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					out := struct {
						EventID    string          `json:"eventId"`
						Type       string          `json:"type"`
						MessageID  string          `json:"messageId"`
						Sequence   int64           `json:"sequence"`
						CreatedAt  time.Time       `json:"createdAt"`
						Body       json.RawMessage `json:"body"`
						Deliveries []deliveryJSON  `json:"deliveries"`
					}{e.ID, e.Type, e.MessageID, e.Sequence, e.CreatedAt, e.Body, []deliveryJSON{}}
					for _, d := range ds {
						out.Deliveries = append(out.Deliveries, newDeliveryJSON(d))
					}
					return printJSON(cmd.OutOrStdout(), out)
				}
				return printEvent(cmd.OutOrStdout(), e, ds)
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (r *root) eventReplayCmd() *cobra.Command {
	var since string
	cmd := &cobra.Command{
		Use:   "replay [EVENT_ID…] | --failed-since TIME",
		Short: "Deliver events again, with the same body and eventId, to their current URL",
		Long: `Creates a new delivery, due at once, for each event, to the URL that routing
gives now (number override, else the API client's URL). The body and eventId
are the event's own; a running server's dispatcher sends it within its poll
interval. --failed-since replays every event whose delivery FAILED at or after
TIME (RFC 3339, or a duration ago such as 24h) and has not been delivered since.`,
		Example: `  redcloud admin event replay evt_01j…
  redcloud admin event replay --failed-since 2026-11-26T00:00:00Z
  redcloud admin event replay --failed-since 6h`,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if (len(args) == 0) == (since == "") {
				return usagef("give event ids or --failed-since, not both and not neither")
			}
			var from time.Time
			if since != "" {
				var err error
				if from, err = operator.ParseSince(since, time.Now()); err != nil {
					return fail(err, flags{"failedSince": "--failed-since"})
				}
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				var ds []platform.Delivery
				var err error
				if since != "" {
					ds, err = op.ReplayFailedSince(ctx, from)
				} else {
					ds, err = op.ReplayEvents(ctx, args)
				}
				if err != nil {
					return err
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintln(tw, "EVENT\tNEW DELIVERY\tSTATE\tURL")
				for _, d := range ds {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.EventID, d.ID, d.State, d.URL)
				}
				tw.Flush()
				fmt.Fprintf(cmd.OutOrStdout(), "%d event(s) queued for replay\n", len(ds))
				return nil
			})
		}),
	}
	cmd.Flags().StringVar(&since, "failed-since", "", "replay every event whose delivery FAILED since TIME (RFC 3339 or a duration ago, e.g. 24h)")
	return cmd
}

type deliveryJSON struct {
	DeliveryID    string        `json:"deliveryId"`
	EventID       string        `json:"eventId"`
	EventType     string        `json:"eventType"`
	State         string        `json:"state"`
	URL           string        `json:"url"`
	Attempts      int           `json:"attempts"`
	NextAttemptAt *time.Time    `json:"nextAttemptAt"`
	LastStatus    int           `json:"lastStatus"`
	LastError     string        `json:"lastError"`
	UpdatedAt     time.Time     `json:"updatedAt"`
	AttemptLog    []attemptJSON `json:"attemptLog,omitempty"`
}

type attemptJSON struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"statusCode"`
	Error      string    `json:"error"`
	LatencyMs  int64     `json:"latencyMs"`
}

func newDeliveryJSON(d store.DeliveryDetail) deliveryJSON {
	out := deliveryJSON{DeliveryID: d.ID, EventID: d.EventID, EventType: d.EventType, State: d.State, URL: d.URL,
		Attempts: d.Delivery.Attempts, NextAttemptAt: d.NextAttemptAt, LastStatus: d.LastStatus, LastError: d.LastError, UpdatedAt: d.UpdatedAt}
	for _, at := range d.Attempts {
		out.AttemptLog = append(out.AttemptLog, attemptJSON{at.Number, at.At, at.StatusCode, at.Error, at.Latency.Milliseconds()})
	}
	return out
}

func lastStatus(status int, errText string) string {
	switch {
	case status != 0:
		return fmt.Sprint(status)
	case errText != "":
		return "error"
	}
	return "-"
}

func printEvent(w io.Writer, e platform.Event, ds []store.DeliveryDetail) error {
	fmt.Fprintf(w, "event      %s\ntype       %s\nmessage    %s\nsequence   %d\ncreated    %s\nbody       %s\n",
		e.ID, e.Type, e.MessageID, e.Sequence, e.CreatedAt.Format(time.RFC3339Nano), e.Body)
	if len(ds) == 0 {
		fmt.Fprintln(w, "\nno deliveries")
		return nil
	}
	for _, d := range ds {
		fmt.Fprintf(w, "\ndelivery %s  %s  %s\n", d.ID, d.State, d.URL)
		if len(d.Attempts) == 0 {
			fmt.Fprintln(w, "  no attempts yet")
			continue
		}
		tw := table(w)
		fmt.Fprintln(tw, "  ATTEMPT\tAT\tSTATUS\tLATENCY\tERROR")
		for _, at := range d.Attempts {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", at.Number, at.At.Format(time.RFC3339Nano),
				lastStatus(at.StatusCode, at.Error), at.Latency, at.Error)
		}
		tw.Flush()
	}
	return nil
}
