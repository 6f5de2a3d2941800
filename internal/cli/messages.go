package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// messagesCmd is `redcloud messages`.
func messagesCmd() *cobra.Command {
	o := &options{}
	var q redcloud.MessageQuery
	var after, before string
	var all bool
	cmd := &cobra.Command{
		Use:   "messages",
		Short: "List your messages, newest first, with filters",
		Long: `List the messages you sent and received (GET /api/core/messages), newest
first, one page at a time: the last line names the --cursor of the next page.
--all follows every page. Filters combine; the window is
[--created-after, --created-before). --number-id filters only when given as
a flag (RC_NUMBER_ID does not). --waiting lists only the QUEUED messages
waiting for their number's, campaign's or provider's rate (throughput
shaping), with the estimated send time (QUEUED UNTIL). --json prints the
wire body of the page, or with --all one message per line.`,
		Example: `  redcloud messages --status FAILED --created-after 2026-11-26T00:00:00Z
  redcloud messages --external-reference order_789 --all --json | jq -r .messageId
  redcloud messages --waiting --all`,
		Args: noArgs,
	}
	addFlags(cmd, o)
	f := cmd.Flags()
	f.StringVar(&q.Status, "status", "", "QUEUED, SENT, DELIVERED, FAILED or RECEIVED")
	f.StringVar(&q.To, "to", "", "recipient, E.164 (inbound: the receiving number)")
	f.StringVar(&q.ExternalReference, "external-reference", "", "the send's externalReference")
	f.StringVar(&after, "created-after", "", "RFC 3339 time: created at or after")
	f.StringVar(&before, "created-before", "", "RFC 3339 time: created before")
	f.IntVar(&q.Limit, "limit", 0, "messages per page, 1-100 (default 20)")
	f.StringVar(&q.Cursor, "cursor", "", "the next page's cursor, as the previous page printed it")
	f.BoolVar(&q.Waiting, "waiting", false, "only QUEUED messages waiting for a rate (throughput shaping)")
	f.BoolVar(&all, "all", false, "follow every page")
	cmd.RunE = wrap(o, func(cmd *cobra.Command, args []string) error {
		var err error
		if q.CreatedAfter, err = flagTime("created-after", after); err != nil {
			return err
		}
		if q.CreatedBefore, err = flagTime("created-before", before); err != nil {
			return err
		}
		if cmd.Flags().Changed("number-id") {
			q.NumberID = o.numberID
		}
		c, err := o.client()
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		if all {
			var t *tableOut
			if !o.json {
				t = newMessageTable(w, q.Waiting)
			}
			for m, err := range c.Messages(cmd.Context(), q) {
				if err != nil {
					if t != nil {
						t.flush()
					}
					return o.fail("messages", err, "")
				}
				if t == nil {
					if err := printJSONLine(w, m); err != nil {
						return err
					}
					continue
				}
				t.row(m)
			}
			if t != nil {
				t.flush()
			}
			return nil
		}
		page, err := c.MessagePage(cmd.Context(), q)
		if err != nil {
			return o.fail("messages", err, "")
		}
		if o.json {
			return printJSON(w, page)
		}
		t := newMessageTable(w, q.Waiting)
		for _, m := range page.Messages {
			t.row(m)
		}
		t.flush()
		if page.NextCursor != nil {
			fmt.Fprintf(w, "more: --cursor %s\n", *page.NextCursor)
		}
		return nil
	})
	return cmd
}

// flagTime parses an RFC 3339 flag value; "" is the zero time.
func flagTime(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, usagef("--%s must be an RFC 3339 time, e.g. 2026-11-26T07:04:24.123Z", flag)
	}
	return t, nil
}

// tableOut prints messages as a table, one row each. Waiting messages
// (--waiting) are outbound and QUEUED: their estimated send time takes the
// place of the direction and the status.
type tableOut struct {
	w       io.Writer
	rows    int
	waiting bool
	t       interface {
		io.Writer
		Flush() error
	}
}

func newMessageTable(w io.Writer, waiting bool) *tableOut {
	t := table(w)
	if waiting {
		fmt.Fprintln(t, "MESSAGE ID\tCREATED\tFROM\tTO\tQUEUED UNTIL\tEXTERNAL REF")
	} else {
		fmt.Fprintln(t, "MESSAGE ID\tCREATED\tDIRECTION\tFROM\tTO\tSTATUS\tEXTERNAL REF")
	}
	return &tableOut{w: w, t: t, waiting: waiting}
}

func (o *tableOut) row(m redcloud.Message) {
	o.rows++
	if o.waiting {
		until := "-"
		if m.QueuedUntil != nil {
			until = timeText(m.QueuedUntil.Time)
		}
		fmt.Fprintf(o.t, "%s\t%s\t%s\t%s\t%s\t%s\n", m.MessageID, timeText(m.CreatedAt.Time), m.From, m.To, until,
			orNil(m.ExternalReference))
		return
	}
	fmt.Fprintf(o.t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.MessageID, timeText(m.CreatedAt.Time), or(m.Direction),
		m.From, m.To, m.Status, orNil(m.ExternalReference))
}

func (o *tableOut) flush() {
	o.t.Flush()
	if o.rows == 0 && o.waiting {
		fmt.Fprintln(o.w, "no messages waiting")
	} else if o.rows == 0 {
		fmt.Fprintln(o.w, "no messages")
	}
}
