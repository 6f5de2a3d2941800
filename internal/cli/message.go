package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// messageCmd is `redcloud message <id>`.
func messageCmd() *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "message <messageId>",
		Short: "Show a message and its lifecycle events so far",
		Long: `Show a message you sent or received (GET /api/core/messages/{messageId}):
from, to, encoding and SMS segments (with the characters that forced
UCS-2), status, failure, and its lifecycle events in sequence order
(message.queued → message.sent → message.delivery or message.failed).
A message of another API client is not found (exit code 8). --json prints
the wire body.`,
		Example: `  redcloud message msg_01jd8x…
  redcloud message "$(redcloud send --to +15551234567 --text hi --json | jq -r '.results[0].messageId')" --json`,
		Args: exactArgs("<messageId>"),
	}
	addFlags(cmd, o)
	cmd.RunE = wrap(o, func(cmd *cobra.Command, args []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		m, err := c.Message(cmd.Context(), args[0])
		if err != nil {
			return o.fail("message", err, "")
		}
		if o.json {
			return printJSON(cmd.OutOrStdout(), m)
		}
		printMessage(cmd.OutOrStdout(), m)
		return nil
	})
	return cmd
}

// printMessage prints a message and its events for humans.
func printMessage(w io.Writer, m *redcloud.Message) {
	color := colorFor(w)
	t := table(w)
	fmt.Fprintf(t, "message\t%s (%s)\n", m.MessageID, or(m.Direction))
	fmt.Fprintf(t, "from\t%s (%s)\n", m.From, m.NumberID)
	fmt.Fprintf(t, "to\t%s\n", m.To)
	fmt.Fprintf(t, "type\t%s\n", m.MessageType)
	fmt.Fprintf(t, "text\t%s\n", orNil(m.Text))
	if len(m.MediaURLs) > 0 {
		fmt.Fprintf(t, "media\t%s\n", strings.Join(m.MediaURLs, " "))
	}
	fmt.Fprintf(t, "encoding\t%s\n", encodingText(m.Encoding, m.Segments, m.NonGSMCharacters))
	fmt.Fprintf(t, "status\t%s\n", m.Status)
	if m.Failure != nil {
		fmt.Fprintf(t, "failure\t%s: %s\n", m.Failure.Code, m.Failure.Message)
	}
	fmt.Fprintf(t, "external ref\t%s\n", orNil(m.ExternalReference))
	fmt.Fprintf(t, "provider ref\t%s\n", orNil(m.ProviderMessageRef))
	fmt.Fprintf(t, "created\t%s\n", timeText(m.CreatedAt.Time))
	fmt.Fprintf(t, "updated\t%s\n", timeText(m.UpdatedAt.Time))
	t.Flush()
	switch m.Status {
	case redcloud.MessageDelivered, redcloud.MessageFailed, redcloud.MessageReceived:
		fmt.Fprintln(w, paint(color, statusColor(m.Status), "terminal: "+m.Status))
	default:
		fmt.Fprintln(w, paint(color, yellow, "not terminal yet: "+m.Status))
	}
	if len(m.Events) == 0 {
		return
	}
	fmt.Fprintln(w, "events:")
	t = table(w)
	fmt.Fprintln(t, "  SEQ\tTYPE\tEVENT ID\tCREATED")
	for _, e := range m.Events {
		fmt.Fprintf(t, "  %d\t%s\t%s\t%s\n", e.Sequence, e.Type, e.EventID, timeText(e.CreatedAt.Time))
	}
	t.Flush()
}
