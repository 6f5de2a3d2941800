package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// numbersCmd is `redcloud numbers`: list, search and update numbers.
func numbersCmd() *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "numbers",
		Short: "List the API client's numbers; search the inventory; update a number",
		Long: `List the numbers assigned to the API client (GET /api/core/numbers): their
numberId — what sends use as sendFrom (RC_NUMBER_ID) — E.164, status,
campaignRegId, SMS/MMS and webhook overrides. --json prints the wire body.

Subcommands search the inventory of unassigned numbers and update one of
your numbers.`,
		Example: `  redcloud numbers
  redcloud numbers --json
  redcloud numbers search --npa 512
  redcloud numbers update num_abc123 --campaign A1B2C3`,
		Args: noArgs,
	}
	addFlags(cmd, o)
	cmd.RunE = wrap(o, func(cmd *cobra.Command, _ []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		nums, err := c.Numbers(cmd.Context())
		if err != nil {
			return o.fail("numbers", err, "")
		}
		if o.json {
			return printJSON(cmd.OutOrStdout(), redcloud.NumberList{Numbers: nums})
		}
		printNumbers(cmd.OutOrStdout(), nums, o.number())
		return nil
	})
	cmd.AddCommand(numbersSearchCmd(o), numbersUpdateCmd(o))
	return cmd
}

// printNumbers prints a table of numbers; the one sends use (selected)
// is marked.
func printNumbers(w io.Writer, nums []redcloud.Number, selected string) {
	if len(nums) == 0 {
		fmt.Fprintln(w, "no numbers are assigned to this API client")
		return
	}
	t := table(w)
	fmt.Fprintln(t, "  NUMBER ID\tE.164\tSTATUS\tCAMPAIGN\tSMS\tMMS\tINBOUND OVERRIDE\tDELIVERY OVERRIDE")
	for _, n := range nums {
		mark := " "
		if n.NumberID == selected {
			mark = "*"
		}
		fmt.Fprintf(t, "%s %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, n.NumberID, n.E164, n.Status, orNil(n.CampaignRegID),
			yesNo(n.SMSEnabled), yesNo(n.MMSEnabled), orNil(n.WebhookInboundOverride), orNil(n.WebhookDeliveryOverride))
	}
	t.Flush()
	fmt.Fprintf(w, "%d number%s; * = the number sends use (RC_NUMBER_ID / --number-id: %s)\n", len(nums), plural(len(nums)), selected)
}

// numbersSearchCmd is `redcloud numbers search`.
func numbersSearchCmd(o *options) *cobra.Command {
	var s redcloud.NumberSearch
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Search the inventory of unassigned numbers",
		Long: `Search the inventory of unassigned numbers (POST /api/core/numbers/search).
Filters combine with AND; city, state and rate center match without regard
to case. The table lists the numbers in groups of (NPA, NXX, rate center);
"total" is how many numbers match, which may exceed what is listed
(--limit, 1-100, default 20). --json prints the wire body.`,
		Example: `  redcloud numbers search --npa 512
  redcloud numbers search --city austin --state TX --limit 5
  redcloud numbers search --zip 78701 --json`,
		Args: noArgs,
	}
	f := cmd.Flags()
	f.StringVar(&s.NPA, "npa", "", "area code, three digits (first 2-9)")
	f.StringVar(&s.NXX, "nxx", "", "exchange, three digits (first 2-9)")
	f.StringVar(&s.City, "city", "", "city")
	f.StringVar(&s.State, "state", "", "state, two letters")
	f.StringVar(&s.ZipCode, "zip", "", "ZIP code, five digits")
	f.StringVar(&s.RateCenter, "rate-center", "", "rate center")
	f.IntVar(&s.Limit, "limit", 0, "how many numbers to list, 1-100 (default 20)")
	cmd.RunE = wrap(o, func(cmd *cobra.Command, _ []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		res, err := c.SearchNumbers(cmd.Context(), s)
		if err != nil {
			return o.fail("numbers search", err, "")
		}
		if o.json {
			return printJSON(cmd.OutOrStdout(), res)
		}
		w := cmd.OutOrStdout()
		if len(res.Groups) == 0 {
			fmt.Fprintln(w, "no unassigned numbers match")
			return nil
		}
		t := table(w)
		fmt.Fprintln(t, "NPA\tNXX\tCITY\tSTATE\tRATE CENTER\tZIP\tCOUNT\tNUMBERS")
		listed := 0
		for _, g := range res.Groups {
			listed += len(g.Numbers)
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", g.NPA, g.NXX, g.City, g.State, g.RateCenter, g.ZipCode, g.Count,
				strings.Join(g.Numbers, " "))
		}
		t.Flush()
		fmt.Fprintf(w, "%d listed of %d matching (total)\n", listed, res.Total)
		return nil
	})
	return cmd
}

// numbersUpdateCmd is `redcloud numbers update`.
func numbersUpdateCmd(o *options) *cobra.Command {
	var campaign, inbound, delivery string
	var clearCampaign, clearInbound, clearDelivery bool
	cmd := &cobra.Command{
		Use:   "update [numberId]",
		Short: "Set or clear a number's campaignRegId and webhook overrides",
		Long: `Change one of your numbers (PATCH /api/core/numbers/{numberId}): its
campaignRegId (sent as campaignregId) and its inbound and delivery webhook
overrides. Only the fields named by flags change; --clear-… sends null.
The number is the argument, or RC_NUMBER_ID / --number-id. SMS/MMS and the
status cannot be changed here. Prints the updated number; --json prints the
wire body.`,
		Example: `  redcloud numbers update num_abc123 --campaign A1B2C3
  redcloud numbers update num_abc123 --clear-campaign
  redcloud numbers update --delivery-url https://example.com/hooks/delivery --json`,
		Args: maxArgs(1, "[numberId]"),
	}
	f := cmd.Flags()
	f.StringVar(&campaign, "campaign", "", "set the campaignRegId (1-64 characters)")
	f.BoolVar(&clearCampaign, "clear-campaign", false, "clear the campaignRegId (sends from the number are then refused)")
	f.StringVar(&inbound, "inbound-url", "", "set the inbound webhook override (absolute URL)")
	f.BoolVar(&clearInbound, "clear-inbound-url", false, "clear the inbound webhook override")
	f.StringVar(&delivery, "delivery-url", "", "set the delivery webhook override (absolute URL)")
	f.BoolVar(&clearDelivery, "clear-delivery-url", false, "clear the delivery webhook override")
	cmd.RunE = wrap(o, func(cmd *cobra.Command, args []string) error {
		id := o.number()
		if len(args) == 1 {
			id = args[0]
		}
		var conflict error
		patch := func(set string, value string, clear bool) redcloud.Patch {
			switch {
			case clear && cmd.Flags().Changed(set):
				conflict = usagef("--%s and --clear-%s contradict each other: give one", set, set)
			case clear:
				return redcloud.Clear()
			case cmd.Flags().Changed(set):
				return redcloud.SetTo(value)
			}
			return redcloud.Patch{}
		}
		u := redcloud.NumberUpdate{
			CampaignRegID:           patch("campaign", campaign, clearCampaign),
			WebhookInboundOverride:  patch("inbound-url", inbound, clearInbound),
			WebhookDeliveryOverride: patch("delivery-url", delivery, clearDelivery),
		}
		if conflict != nil {
			return conflict
		}
		if !u.CampaignRegID.Set && !u.WebhookInboundOverride.Set && !u.WebhookDeliveryOverride.Set {
			return usagef("nothing to update: give --campaign, --clear-campaign, --inbound-url, --clear-inbound-url, --delivery-url or --clear-delivery-url")
		}
		c, err := o.client()
		if err != nil {
			return err
		}
		n, err := c.UpdateNumber(cmd.Context(), id, u)
		if err != nil {
			return o.fail("numbers update", err, "")
		}
		if o.json {
			return printJSON(cmd.OutOrStdout(), n)
		}
		printNumber(cmd.OutOrStdout(), n)
		return nil
	})
	return cmd
}

// printNumber prints one number, a field a line.
func printNumber(w io.Writer, n *redcloud.Number) {
	t := table(w)
	fmt.Fprintf(t, "number\t%s (%s)\n", n.NumberID, n.E164)
	fmt.Fprintf(t, "status\t%s\n", n.Status)
	fmt.Fprintf(t, "campaignRegId\t%s\n", orNil(n.CampaignRegID))
	fmt.Fprintf(t, "SMS / MMS\t%s / %s\n", yesNo(n.SMSEnabled), yesNo(n.MMSEnabled))
	fmt.Fprintf(t, "inbound override\t%s\n", orNil(n.WebhookInboundOverride))
	fmt.Fprintf(t, "delivery override\t%s\n", orNil(n.WebhookDeliveryOverride))
	t.Flush()
}
