package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
)

// cliNumbersCmd is `redcloud numbers`: list, search and update numbers.
func cliNumbersCmd() *cobra.Command {
	o := &cliOptions{}
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
		Args: cliNoArgs,
	}
	cliAddFlags(cmd, o)
	cmd.RunE = cliWrap(o, func(cmd *cobra.Command, _ []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		nums, err := c.Numbers(cmd.Context())
		if err != nil {
			return o.cliFail("numbers", err, "")
		}
		if o.json {
			return cliPrintJSON(cmd.OutOrStdout(), redcloud.NumberList{Numbers: nums})
		}
		cliPrintNumbers(cmd.OutOrStdout(), nums, o.number())
		return nil
	})
	cmd.AddCommand(cliNumbersSearchCmd(o), cliNumbersUpdateCmd(o))
	return cmd
}

// cliPrintNumbers prints a table of numbers; the one sends use (selected)
// is marked.
func cliPrintNumbers(w io.Writer, nums []redcloud.Number, selected string) {
	if len(nums) == 0 {
		fmt.Fprintln(w, "no numbers are assigned to this API client")
		return
	}
	t := cliTable(w)
	fmt.Fprintln(t, "  NUMBER ID\tE.164\tSTATUS\tCAMPAIGN\tSMS\tMMS\tINBOUND OVERRIDE\tDELIVERY OVERRIDE")
	for _, n := range nums {
		mark := " "
		if n.NumberID == selected {
			mark = "*"
		}
		fmt.Fprintf(t, "%s %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, n.NumberID, n.E164, n.Status, cliOrNil(n.CampaignRegID),
			cliYesNo(n.SMSEnabled), cliYesNo(n.MMSEnabled), cliOrNil(n.WebhookInboundOverride), cliOrNil(n.WebhookDeliveryOverride))
	}
	t.Flush()
	fmt.Fprintf(w, "%d number%s; * = the number sends use (RC_NUMBER_ID / --number-id: %s)\n", len(nums), cliPlural(len(nums)), selected)
}

// cliNumbersSearchCmd is `redcloud numbers search`.
func cliNumbersSearchCmd(o *cliOptions) *cobra.Command {
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
		Args: cliNoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&s.NPA, "npa", "", "area code, three digits (first 2-9)")
	f.StringVar(&s.NXX, "nxx", "", "exchange, three digits (first 2-9)")
	f.StringVar(&s.City, "city", "", "city")
	f.StringVar(&s.State, "state", "", "state, two letters")
	f.StringVar(&s.ZipCode, "zip", "", "ZIP code, five digits")
	f.StringVar(&s.RateCenter, "rate-center", "", "rate center")
	f.IntVar(&s.Limit, "limit", 0, "how many numbers to list, 1-100 (default 20)")
	cmd.RunE = cliWrap(o, func(cmd *cobra.Command, _ []string) error {
		c, err := o.client()
		if err != nil {
			return err
		}
		res, err := c.SearchNumbers(cmd.Context(), s)
		if err != nil {
			return o.cliFail("numbers search", err, "")
		}
		if o.json {
			return cliPrintJSON(cmd.OutOrStdout(), res)
		}
		w := cmd.OutOrStdout()
		if len(res.Groups) == 0 {
			fmt.Fprintln(w, "no unassigned numbers match")
			return nil
		}
		t := cliTable(w)
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

// cliNumbersUpdateCmd is `redcloud numbers update`.
func cliNumbersUpdateCmd(o *cliOptions) *cobra.Command {
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
		Args: cliMaxArgs(1, "[numberId]"),
	}
	f := cmd.Flags()
	f.StringVar(&campaign, "campaign", "", "set the campaignRegId (1-64 characters)")
	f.BoolVar(&clearCampaign, "clear-campaign", false, "clear the campaignRegId (sends from the number are then refused)")
	f.StringVar(&inbound, "inbound-url", "", "set the inbound webhook override (absolute URL)")
	f.BoolVar(&clearInbound, "clear-inbound-url", false, "clear the inbound webhook override")
	f.StringVar(&delivery, "delivery-url", "", "set the delivery webhook override (absolute URL)")
	f.BoolVar(&clearDelivery, "clear-delivery-url", false, "clear the delivery webhook override")
	cmd.RunE = cliWrap(o, func(cmd *cobra.Command, args []string) error {
		id := o.number()
		if len(args) == 1 {
			id = args[0]
		}
		var conflict error
		patch := func(set string, value string, clear bool) redcloud.Patch {
			switch {
			case clear && cmd.Flags().Changed(set):
				conflict = cliUsagef("--%s and --clear-%s contradict each other: give one", set, set)
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
			return cliUsagef("nothing to update: give --campaign, --clear-campaign, --inbound-url, --clear-inbound-url, --delivery-url or --clear-delivery-url")
		}
		c, err := o.client()
		if err != nil {
			return err
		}
		n, err := c.UpdateNumber(cmd.Context(), id, u)
		if err != nil {
			return o.cliFail("numbers update", err, "")
		}
		if o.json {
			return cliPrintJSON(cmd.OutOrStdout(), n)
		}
		cliPrintNumber(cmd.OutOrStdout(), n)
		return nil
	})
	return cmd
}

// cliPrintNumber prints one number, a field a line.
func cliPrintNumber(w io.Writer, n *redcloud.Number) {
	t := cliTable(w)
	fmt.Fprintf(t, "number\t%s (%s)\n", n.NumberID, n.E164)
	fmt.Fprintf(t, "status\t%s\n", n.Status)
	fmt.Fprintf(t, "campaignRegId\t%s\n", cliOrNil(n.CampaignRegID))
	fmt.Fprintf(t, "SMS / MMS\t%s / %s\n", cliYesNo(n.SMSEnabled), cliYesNo(n.MMSEnabled))
	fmt.Fprintf(t, "inbound override\t%s\n", cliOrNil(n.WebhookInboundOverride))
	fmt.Fprintf(t, "delivery override\t%s\n", cliOrNil(n.WebhookDeliveryOverride))
	t.Flush()
}
