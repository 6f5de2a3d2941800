package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// sendJSON is what `send --json` prints: the wire results and errors,
// the idempotency key used and how the send went.
type sendJSON struct {
	IdempotencyKey       string                       `json:"idempotencyKey"`
	IdempotencyKeySource string                       `json:"idempotencyKeySource"` // given or generated
	Replayed             bool                         `json:"replayed"`
	Partial              bool                         `json:"partial"`
	RequestID            string                       `json:"requestId"`
	Attempts             int                          `json:"attempts"`
	Results              []redcloud.AcceptedRecipient `json:"results"`
	Errors               []redcloud.RecipientError    `json:"errors"`
}

// sendCmd is `redcloud send`.
func sendCmd() *cobra.Command {
	o := &options{}
	var req redcloud.SendRequest
	var key string
	cmd := &cobra.Command{
		Use:   "send --to E164 [--to E164 …] --text TEXT",
		Short: "Send an SMS or MMS to one or more recipients",
		Long: `Send a message (POST /api/core/messages/send) from RC_NUMBER_ID / --number-id
to every --to; each accepted recipient becomes its own message with its own
messageId, shown with its encoding (GSM-7 or UCS-2) and SMS segment count —
what carriers bill ("redcloud segments TEXT" tells before sending).

Every send carries an Idempotency-Key: --idempotency-key, or a fresh one
(redcloud.NewIdempotencyKey). The key is always printed, also with --json
and on a failure: a send whose outcome is unknown (a dropped connection)
may be checked with "redcloud key <key>" and repeated safely only with the
same key and the same payload. The client retries transient failures with
that key itself.

A send that some recipients passed and others failed is accepted: the
rejected ones are listed and the exit code is 7. Follow a message with
"redcloud message <messageId>", or watch its webhooks with "redcloud listen".`,
		Example: `  redcloud send --to +15551234567 --text "hello"
  redcloud send --to +15551234567 --to +15005550002 --text "order shipped" --external-ref order_789
  redcloud send --to +15551234567 --type MMS --media https://example.com/cat.jpg --idempotency-key idem_order_789
  redcloud send --to +15551234567 --text hi --json | jq -r '.results[].messageId'`,
		Args: noArgs,
	}
	addFlags(cmd, o)
	f := cmd.Flags()
	f.StringSliceVar(&req.To, "to", nil, "recipient in E.164, e.g. +15551234567 (repeat the flag, or separate with commas)")
	f.StringVar(&req.MessageType, "type", redcloud.MessageTypeSMS, "message type: SMS or MMS")
	f.StringVar(&req.Text, "text", "", "message text (SMS: required, 1-1600 characters)")
	f.StringArrayVar(&req.MediaURLs, "media", nil, "media URL for MMS (https; repeat for several, up to 10)")
	f.StringVar(&req.ExternalReference, "external-ref", "", "your reference, echoed in every lifecycle event (≤ 255 characters)")
	f.StringVar(&key, "idempotency-key", "", "Idempotency-Key to send under (default: a fresh one, printed)")
	cmd.RunE = wrap(o, func(cmd *cobra.Command, _ []string) error {
		if len(req.To) == 0 {
			return usagef("give at least one --to recipient in E.164, e.g. --to +15551234567")
		}
		req.MessageType = strings.ToUpper(strings.TrimSpace(req.MessageType))
		if req.MessageType != redcloud.MessageTypeSMS && req.MessageType != redcloud.MessageTypeMMS {
			return usagef("--type %q: use SMS or MMS", req.MessageType)
		}
		source := "given"
		if key == "" {
			key, source = redcloud.NewIdempotencyKey(), "generated"
		}
		req.SendFrom = o.number()
		c, err := o.client()
		if err != nil {
			return err
		}
		res, err := c.Send(cmd.Context(), req, redcloud.WithIdempotencyKey(key))
		if err != nil {
			return o.fail("send", err, key)
		}
		out := sendJSON{IdempotencyKey: key, IdempotencyKeySource: source, Replayed: res.Replayed, Partial: res.Partial(),
			RequestID: res.RequestID, Attempts: len(res.Attempts), Results: res.Results, Errors: res.Errors}
		if o.json {
			if err := printJSON(cmd.OutOrStdout(), out); err != nil {
				return err
			}
		} else {
			printSend(cmd.OutOrStdout(), &out)
		}
		if res.Partial() {
			return exit(exitPartial, "send: %d of %d recipient%s rejected (partial send, exit code %d)",
				len(res.Errors), len(res.Errors)+len(res.Results), plural(len(res.Errors)+len(res.Results)), exitPartial)
		}
		return nil
	})
	return cmd
}

// printSend prints a send's outcome for humans.
func printSend(w io.Writer, s *sendJSON) {
	color := colorFor(w)
	total := len(s.Results) + len(s.Errors)
	head := fmt.Sprintf("accepted %d of %d recipient%s", len(s.Results), total, plural(total))
	if s.Partial {
		head = paint(color, yellow, head+fmt.Sprintf(" — %d rejected (partial send)", len(s.Errors)))
	} else {
		head = paint(color, green, head)
	}
	fmt.Fprintln(w, head)
	if s.Replayed {
		fmt.Fprintln(w, "replayed: the server answered with the stored response of an earlier send under this key; nothing new was queued")
	}
	if len(s.Results) > 0 {
		t := table(w)
		fmt.Fprintln(t, "TO\tMESSAGE ID\tSTATUS\tENCODING")
		for _, r := range s.Results {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", r.To, r.MessageID, r.Status, encodingText(r.Encoding, r.Segments, nil))
		}
		t.Flush()
	}
	if len(s.Errors) > 0 {
		fmt.Fprintln(w, paint(color, red, "rejected:"))
		t := table(w)
		fmt.Fprintln(t, "INDEX\tTO\tCODE\tMESSAGE")
		for _, e := range s.Errors {
			fmt.Fprintf(t, "%d\t%s\t%s\t%s\n", e.Index, or(e.To), e.Code, e.Message)
		}
		t.Flush()
	}
	t := table(w)
	fmt.Fprintf(t, "idempotency key\t%s (%s)\n", s.IdempotencyKey, s.IdempotencyKeySource)
	if s.RequestID != "" {
		fmt.Fprintf(t, "requestId\t%s\n", s.RequestID)
	}
	if s.Attempts > 1 {
		fmt.Fprintf(t, "attempts\t%d (the client retried with the same key)\n", s.Attempts)
	}
	t.Flush()
	if len(s.Results) > 0 {
		fmt.Fprintf(w, "follow it: redcloud message %s\n", s.Results[0].MessageID)
	}
}
