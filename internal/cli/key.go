package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// keyCmd is `redcloud key <idempotency-key>`.
func keyCmd() *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "key <idempotency-key>",
		Short: "Show what the server remembers of a send under an idempotency key",
		Long: `Show the record of an idempotency key (GET /api/core/idempotency-keys/{key}):
when it was first accepted, when it will be forgotten, the payload
fingerprint and the stored 202 response — the messageIds it accepted.

Use it after a send whose outcome is unknown (a dropped connection, a 5xx
without the not_processed promise): found means the send was accepted and
must not be repeated with a new key; not found (exit code 8) means nothing
was accepted, and the send may be repeated with the same key. --json prints
the wire body.`,
		Example: `  redcloud key idem_order_789
  redcloud key rc_Zq3… --json`,
		Args: exactArgs("<idempotency-key>"),
	}
	addFlags(cmd, o)
	cmd.RunE = wrap(o, func(cmd *cobra.Command, args []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		rec, err := c.IdempotencyKey(cmd.Context(), args[0])
		if err != nil {
			return o.fail("key", err, "")
		}
		w := cmd.OutOrStdout()
		if o.json {
			return printJSON(w, rec)
		}
		t := table(w)
		fmt.Fprintf(t, "key\t%s\n", rec.Key)
		fmt.Fprintf(t, "first accepted\t%s\n", timeText(rec.FirstSeenAt.Time))
		fmt.Fprintf(t, "forgotten at\t%s\n", timeText(rec.ExpiresAt.Time))
		fmt.Fprintf(t, "fingerprint\t%s\n", rec.Fingerprint)
		fmt.Fprintf(t, "status\t%d\n", rec.Status)
		t.Flush()
		resp, err := rec.SendResponse()
		if err != nil {
			fmt.Fprintf(w, "stored response (not a send response): %s\n", rec.Response)
			return nil
		}
		printSend(w, &sendJSON{IdempotencyKey: rec.Key, IdempotencyKeySource: "stored", Partial: len(resp.Errors) > 0,
			Results: resp.Results, Errors: resp.Errors})
		return nil
	})
	return cmd
}
