package admin

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// campaignJSON is a campaign in --json output: its limits (null: none) and,
// for set and show, its numbers with their rates.
type campaignJSON struct {
	CampaignID string                `json:"campaignId"`
	SMSTPM     *int64                `json:"smsTpm"`
	MMSTPM     *int64                `json:"mmsTpm"`
	DailyCap   *int64                `json:"dailyCap"`
	Numbers    *[]campaignNumberJSON `json:"numbers,omitempty"`
	NumberN    *int                  `json:"numberCount,omitempty"`
}

// campaignNumberJSON is a number of a campaign in --json output.
type campaignNumberJSON struct {
	NumberID    string   `json:"numberId"`
	E164        string   `json:"e164"`
	Status      string   `json:"status"`
	APIClientID *string  `json:"apiClientId"`
	MPS         *float64 `json:"mps"` // null: --default-number-mps
}

func newCampaignJSON(c platform.Campaign) campaignJSON {
	return campaignJSON{CampaignID: c.ID, SMSTPM: limitJSON(c.SMSTPM), MMSTPM: limitJSON(c.MMSTPM), DailyCap: limitJSON(c.DailyCap)}
}

func newCampaignDetailJSON(c operator.Campaign) campaignJSON {
	j := newCampaignJSON(c.Campaign)
	ns := make([]campaignNumberJSON, 0, len(c.Numbers))
	for _, n := range c.Numbers {
		var owner *string
		if n.APIClientID != "" {
			owner = &n.APIClientID
		}
		ns = append(ns, campaignNumberJSON{NumberID: n.ID, E164: n.E164, Status: n.Status, APIClientID: owner, MPS: n.MPS})
	}
	j.Numbers = &ns
	return j
}

// limitJSON is a campaign limit for JSON: null when not set (0).
func limitJSON(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

// limitText renders a campaign limit for tables.
func limitText(v int64, unit string) string {
	if v == 0 {
		return "no limit"
	}
	return strconv.FormatInt(v, 10) + " " + unit
}

// campaignFlags maps the operator's campaign fields to the flags that set
// them.
var campaignFlags = flags{"smsTpm": "--sms-tpm", "mmsTpm": "--mms-tpm", "dailyCap": "--daily-cap", "campaignId": "CAMPAIGN_ID"}

func (r *root) campaignCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "Manage 10DLC campaign limits, which all the campaign's numbers share",
		Long: `A campaign is the campaignRegId of numbers (` + "`redcloud admin number set NUMBER --campaign ID`" + `).
Carriers meter a campaign's traffic as a whole: SMS segments per minute, MMS
per minute, and a daily cap of both reset at midnight America/Los_Angeles.
Messages over a limit wait in the queue until it allows them; those that
could not be sent within their validity are refused at acceptance
(RATE_LIMITED, queue_full). Each number's own rate is ` + "`number set --mps`" + `.`,
		Example: `  redcloud admin campaign set C7X9Q2 --sms-tpm 4500 --mms-tpm 50 --daily-cap 200000
  redcloud admin campaign list
  redcloud admin campaign show C7X9Q2`,
		Args: groupArgs,
		RunE: groupRun,
	}
	cmd.AddCommand(r.campaignSetCmd(), r.campaignListCmd(), r.campaignShowCmd())
	return cmd
}

func (r *root) campaignSetCmd() *cobra.Command {
	var sms, mms, daily int64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "set CAMPAIGN_ID [--sms-tpm N] [--mms-tpm N] [--daily-cap N]",
		Short: "Set a campaign's limits",
		Long: `Set limits of a campaign; flags not given keep their value, and 0 removes
that limit. The campaign need not have numbers yet. Running servers use the
new limits within a few seconds.`,
		Example: `  redcloud admin campaign set C7X9Q2 --sms-tpm 240
  redcloud admin campaign set C7X9Q2 --mms-tpm 50 --daily-cap 2000
  redcloud admin campaign set C7X9Q2 --daily-cap 0 --json`,
		Args: args("CAMPAIGN_ID"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			var u operator.CampaignUpdate
			f := cmd.Flags()
			for _, v := range []struct {
				name string
				src  *int64
				dst  **int64
			}{{"sms-tpm", &sms, &u.SMSTPM}, {"mms-tpm", &mms, &u.MMSTPM}, {"daily-cap", &daily, &u.DailyCap}} {
				if f.Changed(v.name) {
					*v.dst = v.src
				}
			}
			if u == (operator.CampaignUpdate{}) {
				return usagef("nothing to change: give --sms-tpm, --mms-tpm or --daily-cap (0 removes a limit)")
			}
			if err := u.Validate(a[0]); err != nil {
				return fail(err, campaignFlags)
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				c, err := op.SetCampaign(ctx, a[0], u)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), newCampaignDetailJSON(c))
				}
				return printCampaign(cmd.OutOrStdout(), c)
			})
		}),
	}
	f := cmd.Flags()
	f.Int64Var(&sms, "sms-tpm", 0, "SMS segments per minute; 0 removes the limit")
	f.Int64Var(&mms, "mms-tpm", 0, "MMS per minute; 0 removes the limit")
	f.Int64Var(&daily, "daily-cap", 0, "SMS segments plus MMS per day (midnight to midnight America/Los_Angeles); 0 removes the limit")
	f.BoolVar(&asJSON, "json", false, "print the campaign as JSON")
	return cmd
}

func (r *root) campaignListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List campaigns: those with limits and those numbers name",
		Example: `  redcloud admin campaign list
  redcloud admin campaign list --json`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				cs, err := op.ListCampaigns(ctx)
				if err != nil {
					return err
				}
				if asJSON {
					out := make([]campaignJSON, 0, len(cs))
					for _, c := range cs {
						j := newCampaignJSON(c.Campaign)
						j.NumberN = &c.Numbers
						out = append(out, j)
					}
					return printJSON(cmd.OutOrStdout(), out)
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintln(tw, "CAMPAIGN\tSMS/MIN\tMMS/MIN\tDAILY CAP\tNUMBERS")
				for _, c := range cs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", c.ID, limitCell(c.SMSTPM), limitCell(c.MMSTPM), limitCell(c.DailyCap), c.Numbers)
				}
				return tw.Flush()
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the campaigns as a JSON array")
	return cmd
}

func (r *root) campaignShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show CAMPAIGN_ID",
		Short: "Show a campaign's limits and its numbers with their rates",
		Long: `Show a campaign's limits (none until ` + "`campaign set`" + `) and the numbers whose
campaignRegId it is, each with its own rate. A campaign with neither limits
nor numbers is not found.`,
		Example: `  redcloud admin campaign show C7X9Q2
  redcloud admin campaign show C7X9Q2 --json`,
		Args: args("CAMPAIGN_ID"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				c, err := op.GetCampaign(ctx, a[0])
				if err != nil {
					return fail(err, campaignFlags)
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), newCampaignDetailJSON(c))
				}
				return printCampaign(cmd.OutOrStdout(), c)
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the campaign as JSON")
	return cmd
}

// limitCell renders a campaign limit in a list: "-" when not set.
func limitCell(v int64) string {
	if v == 0 {
		return "-"
	}
	return strconv.FormatInt(v, 10)
}

// printCampaign writes a campaign's limits as a two-column table, then its
// numbers.
func printCampaign(w io.Writer, c operator.Campaign) error {
	tw := table(w)
	for _, row := range [][2]string{
		{"Campaign", c.ID},
		{"SMS", limitText(c.SMSTPM, "segments per minute")},
		{"MMS", limitText(c.MMSTPM, "per minute")},
		{"Daily cap", limitText(c.DailyCap, "SMS segments plus MMS per day (resets at midnight America/Los_Angeles)")},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(c.Numbers) == 0 {
		fmt.Fprintln(w, "No number names this campaign yet.")
		return nil
	}
	tw = table(w)
	fmt.Fprintln(tw, "NUMBER\tE164\tSTATUS\tCLIENT\tMPS")
	for _, n := range c.Numbers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n.ID, n.E164, n.Status, orNone(&n.APIClientID), numberMPSText(n.MPS))
	}
	return tw.Flush()
}
