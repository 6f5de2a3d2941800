package admin

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// numberJSON is a number in --json output: the API's number object plus
// its owner and inventory attributes.
type numberJSON struct {
	NumberID                string        `json:"numberId"`
	E164                    string        `json:"e164"`
	Status                  string        `json:"status"`
	APIClientID             *string       `json:"apiClientId"`
	CampaignRegID           *string       `json:"campaignRegId"`
	SMSEnabled              bool          `json:"smsEnabled"`
	MMSEnabled              bool          `json:"mmsEnabled"`
	WebhookInboundOverride  *string       `json:"webhookInboundOverride"`
	WebhookDeliveryOverride *string       `json:"webhookDeliveryOverride"`
	NPA                     string        `json:"npa"`
	NXX                     string        `json:"nxx"`
	City                    string        `json:"city"`
	State                   string        `json:"state"`
	ZipCode                 string        `json:"zipCode"`
	RateCenter              string        `json:"rateCenter"`
	MPS                     *float64      `json:"mps"` // segments per second, 0 unlimited; null: --default-number-mps
	CreatedAt               redcloud.Time `json:"createdAt"`
}

func newNumberJSON(n platform.Number) numberJSON {
	var owner *string
	if n.APIClientID != "" {
		owner = &n.APIClientID
	}
	return numberJSON{
		NumberID: n.ID, E164: n.E164, Status: n.Status, APIClientID: owner, CampaignRegID: n.CampaignRegID,
		SMSEnabled: n.SMSEnabled, MMSEnabled: n.MMSEnabled,
		WebhookInboundOverride: n.WebhookInboundOverride, WebhookDeliveryOverride: n.WebhookDeliveryOverride,
		NPA: n.NPA, NXX: n.NXX, City: n.City, State: n.State, ZipCode: n.ZipCode, RateCenter: n.RateCenter,
		MPS: n.MPS, CreatedAt: redcloud.NewTime(n.CreatedAt),
	}
}

// printNumbers writes numbers as JSON or as an aligned table.
func printNumbers(w io.Writer, asJSON bool, ns []platform.Number) error {
	if asJSON {
		out := make([]numberJSON, 0, len(ns))
		for _, n := range ns {
			out = append(out, newNumberJSON(n))
		}
		return printJSON(w, out)
	}
	tw := table(w)
	fmt.Fprintln(tw, "ID\tE164\tSTATUS\tCLIENT\tCAMPAIGN\tSMS\tMMS\tMPS\tCITY\tSTATE\tZIP\tRATE CENTER")
	for _, n := range ns {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.E164, n.Status,
			orNone(&n.APIClientID), orNone(n.CampaignRegID), yesNo(n.SMSEnabled), yesNo(n.MMSEnabled), numberMPSText(n.MPS),
			orNone(&n.City), orNone(&n.State), orNone(&n.ZipCode), orNone(&n.RateCenter))
	}
	return tw.Flush()
}

// numberMPSText renders a number's rate for tables: "default" when it
// takes the server's --default-number-mps.
func numberMPSText(mps *float64) string {
	if mps == nil {
		return "default"
	}
	return mpsText(*mps)
}

// numberFlags maps the operator's number fields to the flags of number add
// and number set; location problems name their field in their own words.
var numberFlags = flags{"e164": "--e164", "id": "--id", "status": "--status", "campaignRegId": "--campaign", "mps": "--mps"}

// campaignHint says how to remove a campaign instead of setting it empty.
func campaignHint(err error) error {
	if e, ok := err.(*platform.Error); ok && e.Details["field"] == "campaignRegId" {
		return &platform.Error{Code: e.Code, Message: e.Message + " (use --clear-campaign to remove it)", Details: e.Details}
	}
	return err
}

func (r *root) numberCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "number",
		Short: "Manage phone numbers: the inventory and who they are assigned to",
		Long: `Numbers live in one table: a number assigned to no API client is in the
inventory that number search shows. The inventory holds NANP (+1) numbers;
their area code (NPA) and exchange (NXX) are taken from the number.
Commands that take NUMBER accept a numberId or the number's E.164.`,
		Example: `  redcloud admin number add --e164 +15125550100 --city Austin --state TX --zip 78701 --rate-center AUSTIN
  redcloud admin number import inventory.csv
  redcloud admin number assign num_01j… --client rc_01j…`,
		Args: groupArgs,
		RunE: groupRun,
	}
	cmd.AddCommand(r.numberAddCmd(), r.numberImportCmd(), r.numberListCmd(),
		r.numberAssignCmd(), r.numberUnassignCmd(), r.numberSetCmd(), r.numberRouteCmd(), r.numberSetOverridesCmd())
	return cmd
}

func (r *root) numberAddCmd() *cobra.Command {
	var in operator.NumberInput
	var campaign string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add --e164 +1NPANXXXXXX [flags]",
		Short: "Add one number, to the inventory or assigned to an API client",
		Long: `Add one +1 (NANP) number and print its id (num_ + a generated ULID unless --id
gives one). Without --client the number joins the inventory that number search
offers; give --city, --state, --zip and --rate-center so that search finds it.
This command creates the database file when it does not exist yet.`,
		Example: `  redcloud admin number add --e164 +15125550100 --city Austin --state TX --zip 78701 --rate-center AUSTIN
  redcloud admin number add --e164 +15125550101 --client rc_01j… --campaign C7X9Q2 --mms=false
  redcloud admin number add --e164 +12065550100 --id num_seattle_1 --status SUSPENDED --json`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("campaign") {
				in.CampaignRegID = &campaign
			}
			if err := in.Validate(); err != nil {
				return fail(campaignHint(err), numberFlags)
			}
			mode := dbMayCreate
			if in.APIClientID != "" {
				mode = dbMustExist
			}
			return r.run(cmd, mode, func(ctx context.Context, op *operator.Operator) error {
				n, err := op.AddNumber(ctx, in)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), newNumberJSON(n))
				}
				fmt.Fprintln(cmd.OutOrStdout(), n.ID)
				return nil
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&in.E164, "e164", "", "the phone number, +1 and 10 digits (required)")
	f.StringVar(&in.ID, "id", "", "numberId (default num_ + a generated ULID)")
	f.StringVar(&in.Location.City, "city", "", "city, for number search")
	f.StringVar(&in.Location.State, "state", "", "two-letter state, for number search")
	f.StringVar(&in.Location.ZipCode, "zip", "", "five-digit ZIP code, for number search")
	f.StringVar(&in.Location.RateCenter, "rate-center", "", "rate center, for number search")
	f.StringVar(&in.APIClientID, "client", "", "assign the number to this API client (default: inventory)")
	f.StringVar(&campaign, "campaign", "", "campaignRegId (10DLC campaign); sends need one")
	f.BoolVar(&in.SMSEnabled, "sms", true, "SMS enabled")
	f.BoolVar(&in.MMSEnabled, "mms", true, "MMS enabled")
	f.StringVar(&in.Status, "status", redcloud.StatusActive, "ACTIVE or SUSPENDED")
	f.BoolVar(&asJSON, "json", false, "print the number as JSON")
	return cmd
}

func (r *root) numberListCmd() *cobra.Command {
	var client string
	var available, asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--client CLIENT_ID | --available]",
		Short: "List numbers: all, an API client's, or the unassigned inventory",
		Example: `  redcloud admin number list
  redcloud admin number list --client rc_01j…
  redcloud admin number list --available --json`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if client != "" && available {
				return usagef("--client and --available conflict: an API client's numbers are not available")
			}
			if cmd.Flags().Changed("client") && client == "" {
				return usagef("--client is empty")
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				var ns []platform.Number
				var err error
				if available {
					ns, err = op.ListInventory(ctx)
				} else {
					ns, err = op.ListNumbers(ctx, client)
				}
				if err != nil {
					return err
				}
				return printNumbers(cmd.OutOrStdout(), asJSON, ns)
			})
		}),
	}
	cmd.Flags().StringVar(&client, "client", "", "only the numbers assigned to this API client")
	cmd.Flags().BoolVar(&available, "available", false, "only the inventory: numbers assigned to no API client")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the numbers as a JSON array")
	return cmd
}

// numberName names a number in messages: "num_x (+1…)".
func numberName(n platform.Number) string { return n.ID + " (" + n.E164 + ")" }

func (r *root) numberAssignCmd() *cobra.Command {
	var client string
	cmd := &cobra.Command{
		Use:   "assign NUMBER --client CLIENT_ID",
		Short: "Assign an inventory number to an API client",
		Long: `Assign a number from the inventory to an API client. A number assigned to
another API client must be unassigned first.`,
		Example: `  redcloud admin number assign num_01j… --client rc_01j…
  redcloud admin number assign +15125550100 --client rc_01j…`,
		Args: args("NUMBER"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if err := operator.CheckAssign(args[0], client); err != nil {
				return fail(err, flags{"client": "--client"})
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				n, changed, err := op.AssignNumber(ctx, args[0], client)
				if err != nil {
					return advise(err, operator.ReasonNumberAssigned, func(e *platform.Error) string {
						return fmt.Sprintf(" with `redcloud admin number unassign %s`", e.Details["numberId"])
					})
				}
				w := cmd.OutOrStdout()
				if !changed {
					fmt.Fprintf(w, "number %s is already assigned to api client %s\n", numberName(n), client)
					return nil
				}
				fmt.Fprintf(w, "number %s assigned to api client %s\n", numberName(n), client)
				if n.CampaignRegID == nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "note: the number has no campaignRegId, so sends from it fail until `redcloud admin number set %s --campaign ID`\n", n.ID)
				}
				return nil
			})
		}),
	}
	cmd.Flags().StringVar(&client, "client", "", "the API client to assign the number to (required)")
	return cmd
}

func (r *root) numberUnassignCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unassign NUMBER",
		Short: "Return a number to the inventory",
		Long: `Return a number to the inventory. Its webhook overrides, which belonged to
the old owner, are cleared; its campaign and status stay.`,
		Example: `  redcloud admin number unassign num_01j…
  redcloud admin number unassign +15125550100`,
		Args: args("NUMBER"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				n, err := op.UnassignNumber(ctx, args[0])
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if n.APIClientID == "" {
					fmt.Fprintf(w, "number %s is not assigned; it is in the inventory already\n", numberName(n))
					return nil
				}
				fmt.Fprintf(w, "number %s returned to the inventory (was assigned to api client %s)\n", numberName(n), n.APIClientID)
				return nil
			})
		}),
	}
}

func (r *root) numberSetCmd() *cobra.Command {
	var status, campaign string
	var mps float64
	var clearCampaign, clearMPS, sms, mms, asJSON bool
	cmd := &cobra.Command{
		Use:   "set NUMBER [--status ACTIVE|SUSPENDED] [--campaign ID | --clear-campaign] [--sms=BOOL] [--mms=BOOL] [--mps R | --clear-mps]",
		Short: "Change a number's status, campaign, SMS/MMS capability or send rate",
		Long: `Change the operator-set attributes of a number; flags not given are left as
they are. A SUSPENDED number cannot send.

--mps R sets the number's own send rate, in segments per second (an MMS
counts 1): at least 0.001, or 0 for unlimited. A number without one
(--clear-mps) sends at the server's --default-number-mps. Messages above the
rate wait in the queue; the number's campaign limits (` + "`redcloud admin campaign set`" + `)
apply as well. Running servers use the new rate within a few seconds.`,
		Example: `  redcloud admin number set num_01j… --campaign C7X9Q2
  redcloud admin number set +15125550100 --status SUSPENDED
  redcloud admin number set num_01j… --clear-campaign --mms=false
  redcloud admin number set +15125550100 --mps 1.5
  redcloud admin number set num_01j… --clear-mps`,
		Args: args("NUMBER"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			var u operator.NumberUpdate
			f := cmd.Flags()
			if f.Changed("status") {
				if err := operator.CheckStatus(status); err != nil {
					return fail(err, numberFlags)
				}
				u.Status = &status
			}
			switch {
			case f.Changed("campaign") && clearCampaign:
				return usagef("--campaign and --clear-campaign conflict: give one of them")
			case f.Changed("campaign"):
				c := &campaign
				u.CampaignRegID = &c
			case clearCampaign:
				var none *string
				u.CampaignRegID = &none
			}
			if f.Changed("sms") {
				u.SMSEnabled = &sms
			}
			if f.Changed("mms") {
				u.MMSEnabled = &mms
			}
			switch {
			case f.Changed("mps") && clearMPS:
				return usagef("--mps and --clear-mps conflict: give one of them")
			case f.Changed("mps"):
				m := &mps
				u.MPS = &m
			case clearMPS:
				var none *float64
				u.MPS = &none
			}
			if u == (operator.NumberUpdate{}) {
				return usagef("nothing to change: give --status, --campaign, --clear-campaign, --sms, --mms, --mps or --clear-mps")
			}
			if err := u.Validate(); err != nil {
				return fail(campaignHint(err), numberFlags)
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				n, err := op.UpdateNumber(ctx, args[0], u)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), newNumberJSON(n))
				}
				return printNumbers(cmd.OutOrStdout(), false, []platform.Number{n})
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "ACTIVE or SUSPENDED")
	f.StringVar(&campaign, "campaign", "", "set the campaignRegId")
	f.BoolVar(&clearCampaign, "clear-campaign", false, "remove the campaignRegId")
	f.BoolVar(&sms, "sms", true, "SMS enabled")
	f.BoolVar(&mms, "mms", true, "MMS enabled")
	f.Float64Var(&mps, "mps", 0, "send rate in segments per second (at least 0.001); 0 = unlimited")
	f.BoolVar(&clearMPS, "clear-mps", false, "remove the number's rate: the server's --default-number-mps applies")
	f.BoolVar(&asJSON, "json", false, "print the updated number as JSON")
	return cmd
}
