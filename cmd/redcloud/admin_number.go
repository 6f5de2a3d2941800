package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// adminNumberJSON is a number in --json output: the API's number object plus
// its owner and inventory attributes.
type adminNumberJSON struct {
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
	CreatedAt               redcloud.Time `json:"createdAt"`
}

func newAdminNumberJSON(n platform.Number) adminNumberJSON {
	var owner *string
	if n.APIClientID != "" {
		owner = &n.APIClientID
	}
	return adminNumberJSON{
		NumberID: n.ID, E164: n.E164, Status: n.Status, APIClientID: owner, CampaignRegID: n.CampaignRegID,
		SMSEnabled: n.SMSEnabled, MMSEnabled: n.MMSEnabled,
		WebhookInboundOverride: n.WebhookInboundOverride, WebhookDeliveryOverride: n.WebhookDeliveryOverride,
		NPA: n.NPA, NXX: n.NXX, City: n.City, State: n.State, ZipCode: n.ZipCode, RateCenter: n.RateCenter,
		CreatedAt: redcloud.NewTime(n.CreatedAt),
	}
}

// adminPrintNumbers writes numbers as an aligned table.
func adminPrintNumbers(w io.Writer, ns []platform.Number) error {
	tw := adminTable(w)
	fmt.Fprintln(tw, "ID\tE164\tSTATUS\tCLIENT\tCAMPAIGN\tSMS\tMMS\tCITY\tSTATE\tZIP\tRATE CENTER")
	for _, n := range ns {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.E164, n.Status,
			adminOrNone(&n.APIClientID), adminOrNone(n.CampaignRegID), adminYesNo(n.SMSEnabled), adminYesNo(n.MMSEnabled),
			adminOrNone(&n.City), adminOrNone(&n.State), adminOrNone(&n.ZipCode), adminOrNone(&n.RateCenter))
	}
	return tw.Flush()
}

func (a *admin) numberCmd() *cobra.Command {
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
		Args: adminGroupArgs,
		RunE: adminGroupRun,
	}
	cmd.AddCommand(a.numberAddCmd(), a.numberImportCmd(), a.numberListCmd(),
		a.numberAssignCmd(), a.numberUnassignCmd(), a.numberSetCmd())
	return cmd
}

// adminNANP validates an inventory number and returns its NPA and NXX.
func adminNANP(e164 string) (npa, nxx string, problem string) {
	switch {
	case !platform.ValidE164(e164):
		return "", "", fmt.Sprintf("%q is not an E.164 number ('+', then 7-15 digits, e.g. +15125550100)", e164)
	case !strings.HasPrefix(e164, "+1"):
		return "", "", fmt.Sprintf("%s is not a +1 (NANP) number: the number inventory holds only +1 numbers (search works on their area code and exchange)", e164)
	case len(e164) != 12:
		return "", "", fmt.Sprintf("%s: a +1 number has exactly 10 digits after +1", e164)
	case e164[2] < '2':
		return "", "", fmt.Sprintf("%s: area code (NPA) %s must start with 2-9", e164, e164[2:5])
	case e164[5] < '2':
		return "", "", fmt.Sprintf("%s: exchange (NXX) %s must start with 2-9", e164, e164[5:8])
	}
	return e164[2:5], e164[5:8], ""
}

// adminLocation is the searchable place of an inventory number.
type adminLocation struct {
	city, state, zip, rateCenter string
}

// check validates and normalizes the location; with required, every
// field must be present. It returns what is wrong, or "".
func (l *adminLocation) check(required bool) string {
	l.city, l.state = strings.TrimSpace(l.city), strings.ToUpper(strings.TrimSpace(l.state))
	l.zip, l.rateCenter = strings.TrimSpace(l.zip), strings.TrimSpace(l.rateCenter)
	for _, f := range []struct{ name, v string }{{"city", l.city}, {"state", l.state}, {"zip_code", l.zip}, {"rate_center", l.rateCenter}} {
		if required && f.v == "" {
			return f.name + " is required"
		}
	}
	switch {
	case l.state != "" && !(len(l.state) == 2 && adminIsLetter(l.state[0]) && adminIsLetter(l.state[1])):
		return fmt.Sprintf("state %q must be two letters", l.state)
	case l.zip != "" && !adminIsDigits(l.zip, 5):
		return fmt.Sprintf("zip code %q must be five digits", l.zip)
	case utf8.RuneCountInString(l.city) > 100:
		return "city must be at most 100 characters"
	case utf8.RuneCountInString(l.rateCenter) > 100:
		return "rate center must be at most 100 characters"
	}
	return ""
}

func adminIsLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func adminIsDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// adminCampaign validates a campaignRegId (1–64 characters, CONTRACT §4.3).
func adminCampaign(flag, s string) error {
	if n := utf8.RuneCountInString(s); n < 1 || n > 64 || strings.TrimSpace(s) != s {
		return adminUsagef("%s %q: a campaign id is 1-64 characters without surrounding spaces (use --clear-campaign to remove it)", flag, s)
	}
	return nil
}

// adminGetNumber loads a number by numberId or E.164, with "number X not found".
func adminGetNumber(ctx context.Context, db *store.DB, ref string) (platform.Number, error) {
	var n platform.Number
	var err error
	if strings.HasPrefix(ref, "+") {
		n, err = db.GetNumberByE164(ctx, ref)
	} else {
		n, err = db.GetNumber(ctx, ref)
	}
	return n, adminNotFound(err, "number "+ref)
}

// adminNumberName names a number in messages: "num_x (+1…)".
func adminNumberName(n platform.Number) string { return n.ID + " (" + n.E164 + ")" }

func (a *admin) numberAddCmd() *cobra.Command {
	var e164, id, client, campaign, status string
	var loc adminLocation
	var sms, mms, asJSON bool
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
		Args: adminArgs(),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			if e164 == "" {
				return adminUsagef("--e164 is required, e.g. --e164 +15125550100")
			}
			npa, nxx, problem := adminNANP(e164)
			if problem != "" {
				return adminUsagef("--e164 %s", problem)
			}
			if id == "" {
				id = platform.NewID(platform.PrefixNumber)
			} else if err := adminPrefixedID("--id", platform.PrefixNumber, id); err != nil {
				return err
			}
			if problem := loc.check(false); problem != "" {
				return adminUsagef("%s", problem)
			}
			st, err := adminStatus("--status", status)
			if err != nil {
				return err
			}
			var camp *string
			if cmd.Flags().Changed("campaign") {
				if err := adminCampaign("--campaign", campaign); err != nil {
					return err
				}
				camp = &campaign
			}
			mode := adminDBMayCreate
			if client != "" {
				mode = adminDBMustExist
			}
			return a.run(cmd, mode, func(ctx context.Context, db *store.DB) error {
				if client != "" {
					if _, err := adminGetClient(ctx, db, client); err != nil {
						return err
					}
				}
				if old, err := db.GetNumberByE164(ctx, e164); err == nil {
					return fmt.Errorf("number %s already exists (%s)", e164, old.ID)
				}
				if _, err := db.GetNumber(ctx, id); err == nil {
					return fmt.Errorf("number id %s already exists", id)
				}
				n := platform.Number{
					ID: id, E164: e164, APIClientID: client, Status: st, CampaignRegID: camp,
					SMSEnabled: sms, MMSEnabled: mms, NPA: npa, NXX: nxx,
					City: loc.city, State: loc.state, ZipCode: loc.zip, RateCenter: loc.rateCenter, CreatedAt: time.Now(),
				}
				if err := db.InsertNumber(ctx, n); err != nil {
					if errors.Is(err, platform.ErrConflict) {
						return fmt.Errorf("number %s or id %s already exists", e164, id)
					}
					return err
				}
				if asJSON {
					return adminPrintJSON(cmd.OutOrStdout(), newAdminNumberJSON(n))
				}
				fmt.Fprintln(cmd.OutOrStdout(), id)
				return nil
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&e164, "e164", "", "the phone number, +1 and 10 digits (required)")
	f.StringVar(&id, "id", "", "numberId (default num_ + a generated ULID)")
	f.StringVar(&loc.city, "city", "", "city, for number search")
	f.StringVar(&loc.state, "state", "", "two-letter state, for number search")
	f.StringVar(&loc.zip, "zip", "", "five-digit ZIP code, for number search")
	f.StringVar(&loc.rateCenter, "rate-center", "", "rate center, for number search")
	f.StringVar(&client, "client", "", "assign the number to this API client (default: inventory)")
	f.StringVar(&campaign, "campaign", "", "campaignRegId (10DLC campaign); sends need one")
	f.BoolVar(&sms, "sms", true, "SMS enabled")
	f.BoolVar(&mms, "mms", true, "MMS enabled")
	f.StringVar(&status, "status", redcloud.StatusActive, "ACTIVE or SUSPENDED")
	f.BoolVar(&asJSON, "json", false, "print the number as JSON")
	return cmd
}

func (a *admin) numberListCmd() *cobra.Command {
	var client string
	var available, asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--client CLIENT_ID | --available]",
		Short: "List numbers: all, an API client's, or the unassigned inventory",
		Example: `  redcloud admin number list
  redcloud admin number list --client rc_01j…
  redcloud admin number list --available --json`,
		Args: adminArgs(),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			if client != "" && available {
				return adminUsagef("--client and --available conflict: an API client's numbers are not available")
			}
			if cmd.Flags().Changed("client") && client == "" {
				return adminUsagef("--client is empty")
			}
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				if client != "" {
					if _, err := adminGetClient(ctx, db, client); err != nil {
						return err
					}
				}
				ns, err := db.ListNumbers(ctx, client)
				if err != nil {
					return err
				}
				if available {
					kept := ns[:0]
					for _, n := range ns {
						if n.APIClientID == "" {
							kept = append(kept, n)
						}
					}
					ns = kept
				}
				if asJSON {
					out := make([]adminNumberJSON, 0, len(ns))
					for _, n := range ns {
						out = append(out, newAdminNumberJSON(n))
					}
					return adminPrintJSON(cmd.OutOrStdout(), out)
				}
				return adminPrintNumbers(cmd.OutOrStdout(), ns)
			})
		}),
	}
	cmd.Flags().StringVar(&client, "client", "", "only the numbers assigned to this API client")
	cmd.Flags().BoolVar(&available, "available", false, "only the inventory: numbers assigned to no API client")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the numbers as a JSON array")
	return cmd
}

func (a *admin) numberAssignCmd() *cobra.Command {
	var client string
	cmd := &cobra.Command{
		Use:   "assign NUMBER --client CLIENT_ID",
		Short: "Assign an inventory number to an API client",
		Long: `Assign a number from the inventory to an API client. A number assigned to
another API client must be unassigned first.`,
		Example: `  redcloud admin number assign num_01j… --client rc_01j…
  redcloud admin number assign +15125550100 --client rc_01j…`,
		Args: adminArgs("NUMBER"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			if client == "" {
				return adminUsagef("--client is required: the API client to assign %s to", args[0])
			}
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				n, err := adminGetNumber(ctx, db, args[0])
				if err != nil {
					return err
				}
				if _, err := adminGetClient(ctx, db, client); err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				switch n.APIClientID {
				case client:
					fmt.Fprintf(w, "number %s is already assigned to api client %s\n", adminNumberName(n), client)
					return nil
				case "":
				default:
					return fmt.Errorf("number %s is assigned to api client %s; unassign it first with `redcloud admin number unassign %s`", adminNumberName(n), n.APIClientID, n.ID)
				}
				if err := db.AssignNumber(ctx, n.ID, client); err != nil {
					if errors.Is(err, platform.ErrConflict) {
						return fmt.Errorf("number %s was just assigned to another api client: %w", adminNumberName(n), err)
					}
					return adminNotFound(err, "number "+n.ID)
				}
				fmt.Fprintf(w, "number %s assigned to api client %s\n", adminNumberName(n), client)
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

func (a *admin) numberUnassignCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unassign NUMBER",
		Short: "Return a number to the inventory",
		Long: `Return a number to the inventory. Its webhook overrides, which belonged to
the old owner, are cleared; its campaign and status stay.`,
		Example: `  redcloud admin number unassign num_01j…
  redcloud admin number unassign +15125550100`,
		Args: adminArgs("NUMBER"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				n, err := adminGetNumber(ctx, db, args[0])
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if n.APIClientID == "" {
					fmt.Fprintf(w, "number %s is not assigned; it is in the inventory already\n", adminNumberName(n))
					return nil
				}
				if err := db.UnassignNumber(ctx, n.ID); err != nil {
					return adminNotFound(err, "number "+n.ID)
				}
				fmt.Fprintf(w, "number %s returned to the inventory (was assigned to api client %s)\n", adminNumberName(n), n.APIClientID)
				return nil
			})
		}),
	}
}

func (a *admin) numberSetCmd() *cobra.Command {
	var status, campaign string
	var clearCampaign, sms, mms, asJSON bool
	cmd := &cobra.Command{
		Use:   "set NUMBER [--status ACTIVE|SUSPENDED] [--campaign ID | --clear-campaign] [--sms=BOOL] [--mms=BOOL]",
		Short: "Change a number's status, campaign or SMS/MMS capability",
		Long: `Change the operator-set attributes of a number; flags not given are left as
they are. A SUSPENDED number cannot send.`,
		Example: `  redcloud admin number set num_01j… --campaign C7X9Q2
  redcloud admin number set +15125550100 --status SUSPENDED
  redcloud admin number set num_01j… --clear-campaign --mms=false`,
		Args: adminArgs("NUMBER"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			var attrs store.NumberAttrs
			f := cmd.Flags()
			if f.Changed("status") {
				st, err := adminStatus("--status", status)
				if err != nil {
					return err
				}
				attrs.Status = &st
			}
			switch {
			case f.Changed("campaign") && clearCampaign:
				return adminUsagef("--campaign and --clear-campaign conflict: give one of them")
			case f.Changed("campaign"):
				if err := adminCampaign("--campaign", campaign); err != nil {
					return err
				}
				c := &campaign
				attrs.CampaignRegID = &c
			case clearCampaign:
				var none *string
				attrs.CampaignRegID = &none
			}
			if f.Changed("sms") {
				attrs.SMSEnabled = &sms
			}
			if f.Changed("mms") {
				attrs.MMSEnabled = &mms
			}
			if attrs == (store.NumberAttrs{}) {
				return adminUsagef("nothing to change: give --status, --campaign, --clear-campaign, --sms or --mms")
			}
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				n, err := adminGetNumber(ctx, db, args[0])
				if err != nil {
					return err
				}
				if err := db.SetNumberAttrs(ctx, n.ID, attrs); err != nil {
					return adminNotFound(err, "number "+n.ID)
				}
				if n, err = adminGetNumber(ctx, db, n.ID); err != nil {
					return err
				}
				if asJSON {
					return adminPrintJSON(cmd.OutOrStdout(), newAdminNumberJSON(n))
				}
				return adminPrintNumbers(cmd.OutOrStdout(), []platform.Number{n})
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "ACTIVE or SUSPENDED")
	f.StringVar(&campaign, "campaign", "", "set the campaignRegId")
	f.BoolVar(&clearCampaign, "clear-campaign", false, "remove the campaignRegId")
	f.BoolVar(&sms, "sms", true, "SMS enabled")
	f.BoolVar(&mms, "mms", true, "MMS enabled")
	f.BoolVar(&asJSON, "json", false, "print the updated number as JSON")
	return cmd
}
