package admin

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// clientJSON is an API client in --json output. It never holds a secret or
// a secret's hash.
type clientJSON struct {
	APIClientID              string                   `json:"apiClientId"`
	Name                     string                   `json:"name"`
	AccountID                string                   `json:"accountId"`
	AccountStatus            string                   `json:"accountStatus"`
	Status                   string                   `json:"status"`
	Capabilities             []string                 `json:"capabilities"`
	DeliveryURL              *string                  `json:"deliveryUrl"`
	InboundURL               *string                  `json:"inboundUrl"`
	NextWebhookSecretPending bool                     `json:"nextWebhookSecretPending"`
	AssignedNumbers          redcloud.AssignedNumbers `json:"assignedNumbers"`
	KeywordReplies           keywordRepliesJSON       `json:"keywordReplies"`
	CreatedAt                redcloud.Time            `json:"createdAt"`
}

func newClientJSON(c operator.ClientSummary) clientJSON {
	caps := c.Capabilities
	if caps == nil {
		caps = []string{}
	}
	return clientJSON{
		APIClientID: c.ID, Name: c.Name, AccountID: c.AccountID, AccountStatus: c.AccountStatus, Status: c.Status,
		Capabilities: caps, DeliveryURL: c.DeliveryURL, InboundURL: c.InboundURL,
		NextWebhookSecretPending: c.WebhookSecretNext != nil, AssignedNumbers: c.Numbers,
		KeywordReplies: newKeywordRepliesJSON(c.KeywordReplies), CreatedAt: redcloud.NewTime(c.CreatedAt),
	}
}

// createdClientJSON is what client create prints with --json.
type createdClientJSON struct {
	APIClientID   string   `json:"apiClientId"`
	AccountID     string   `json:"accountId"`
	Name          string   `json:"name"`
	Capabilities  []string `json:"capabilities"`
	ClientSecret  string   `json:"clientSecret"`
	WebhookSecret string   `json:"webhookSecret"`
}

// secretJSON is what the rotation commands print with --json.
type secretJSON struct {
	APIClientID   string `json:"apiClientId"`
	ClientSecret  string `json:"clientSecret,omitempty"`
	WebhookSecret string `json:"webhookSecret,omitempty"`
	RevokedTokens *int64 `json:"revokedTokens,omitempty"`
}

func (r *root) clientCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Manage API clients: credentials, status, capabilities, webhooks",
		Long: `API clients are the OAuth clients of an account. Their secrets are generated
here, printed once, and stored only as a hash.`,
		Example: `  redcloud admin client create --account acct_01j… --name "Acme production"
  redcloud admin client show rc_01j…
  redcloud admin client rotate-secret rc_01j…`,
		Args: groupArgs,
		RunE: groupRun,
	}
	cmd.AddCommand(r.clientCreateCmd(), r.clientListCmd(), r.clientShowCmd(),
		r.clientStatusCmd("suspend", redcloud.StatusSuspended), r.clientStatusCmd("activate", redcloud.StatusActive),
		r.clientRotateSecretCmd(), r.clientRevokeTokensCmd(), r.clientSetCapabilitiesCmd(),
		r.clientSetWebhooksCmd(), r.clientRotateWebhookSecretCmd(), r.clientActivateWebhookSecretCmd(), r.clientRepliesCmd())
	return cmd
}

// splitCapabilities splits comma-separated capability arguments into names.
func splitCapabilities(list []string) []string {
	var names []string
	for _, item := range list {
		names = append(names, strings.Split(item, ",")...)
	}
	return names
}

// capsText renders capabilities for people.
func capsText(caps []string) string {
	if len(caps) == 0 {
		return "(none)"
	}
	return strings.Join(caps, ",")
}

// accountWarning is printed when an API client cannot authenticate because
// of its account.
func accountWarning(cmd *cobra.Command, accountID, accountStatus string) {
	if accountStatus != redcloud.StatusActive {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: account %s is %s: the client cannot authenticate until the account is activated\n", accountID, accountStatus)
	}
}

func (r *root) clientCreateCmd() *cobra.Command {
	var in operator.ClientInput
	var capList string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --account ACCOUNT_ID --name NAME [--id ID] [--capabilities CAP,…]",
		Short: "Create an API client and print its credentials once",
		Long: `Create an ACTIVE API client. The client secret and the webhook signing secret
are generated, printed once and never again: the database keeps only a hash
of the client secret. The id is rc_ followed by a lower-case ULID unless --id
gives one (3-64 characters of a-z, 0-9 and '_').`,
		Example: `  redcloud admin client create --account acct_01j… --name "Acme production"
  redcloud admin client create --account acct_acme --name "Acme reporting" --id acme_reporting --capabilities numbers:read
  redcloud admin client create --account acct_acme --name "Acme CI" --json > credentials.json`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			in.Capabilities = splitCapabilities([]string{capList})
			if err := in.Validate(); err != nil {
				return fail(err, flags{"account": "--account", "name": "--name", "id": "--id", "capabilities": "--capabilities"})
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				c, err := op.CreateClient(ctx, in)
				if err != nil {
					return err
				}
				accountWarning(cmd, c.AccountID, c.AccountStatus)
				return printCreatedClient(cmd, asJSON, c)
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&in.AccountID, "account", "", "id of the owning account (required)")
	f.StringVar(&in.Name, "name", "", "API client name, shown by whoami (required)")
	f.StringVar(&in.ID, "id", "", "API client id (default rc_ + a generated ULID)")
	f.StringVar(&capList, "capabilities", strings.Join(platform.AllCapabilities, ","), "comma-separated capabilities")
	f.BoolVar(&asJSON, "json", false, "print the credentials as JSON (the notice goes to stderr)")
	return cmd
}

// printCreatedClient shows a new client's credentials, once.
func printCreatedClient(cmd *cobra.Command, asJSON bool, c operator.NewClient) error {
	const notice = "The client secret and the webhook signing secret will not be shown again: store them now. Only a hash of the client secret is kept."
	return printOnce(cmd, asJSON, createdClientJSON{
		APIClientID: c.ID, AccountID: c.AccountID, Name: c.Name, Capabilities: c.Capabilities,
		ClientSecret: c.ClientSecret, WebhookSecret: c.WebhookSecret,
	}, fmt.Sprintf("Created API client %s (%s) for account %s.", c.ID, c.Name, c.AccountID), [][2]string{
		{"client_id", c.ID}, {"client_secret", c.ClientSecret}, {"webhook_secret", c.WebhookSecret},
		{"capabilities", capsText(c.Capabilities)},
	}, notice)
}

// printOnce shows secrets that are never shown again: as JSON (the notice
// on stderr), or as a title, an aligned table of rows and the notice.
func printOnce(cmd *cobra.Command, asJSON bool, v any, title string, rows [][2]string, notice string) error {
	if asJSON {
		fmt.Fprintln(cmd.ErrOrStderr(), notice)
		return printJSON(cmd.OutOrStdout(), v)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%s\n\n", title)
	tw := table(w)
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", r[0], r[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", notice)
	return nil
}

func (r *root) clientListCmd() *cobra.Command {
	var account string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--account ACCOUNT_ID]",
		Short: "List API clients",
		Example: `  redcloud admin client list
  redcloud admin client list --account acct_01j… --json`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				clients, err := op.ListClients(ctx, account)
				if err != nil {
					return err
				}
				out := make([]clientJSON, 0, len(clients))
				for _, c := range clients {
					out = append(out, newClientJSON(c))
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), out)
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintln(tw, "ID\tNAME\tACCOUNT\tSTATUS\tCAPABILITIES\tNUMBERS\tDELIVERY URL\tINBOUND URL")
				for _, c := range out {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", c.APIClientID, c.Name, c.AccountID,
						clientStatusText(c.Status, c.AccountStatus), capsText(c.Capabilities), c.AssignedNumbers.Total,
						orNone(c.DeliveryURL), orNone(c.InboundURL))
				}
				return tw.Flush()
			})
		}),
	}
	cmd.Flags().StringVar(&account, "account", "", "only the API clients of this account")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API clients as a JSON array")
	return cmd
}

// clientStatusText shows a client's status and, when it blocks it, its account's.
func clientStatusText(status, accountStatus string) string {
	if accountStatus != redcloud.StatusActive {
		return status + " (account " + accountStatus + ")"
	}
	return status
}

func (r *root) clientShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show CLIENT_ID",
		Short: "Show an API client: status, capabilities, webhooks, keyword replies (never its secrets)",
		Example: `  redcloud admin client show rc_01j…
  redcloud admin client show rc_01j… --json`,
		Args: args("CLIENT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				c, err := op.GetClient(ctx, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), newClientJSON(c))
				}
				return printClient(cmd.OutOrStdout(), c)
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API client as JSON")
	return cmd
}

// printClient shows one API client as a two-column table.
func printClient(w io.Writer, c operator.ClientSummary) error {
	next := "no"
	if c.WebhookSecretNext != nil {
		next = "yes (signing still uses the current secret; activate with `redcloud admin client activate-webhook-secret " + c.ID + "`)"
	}
	n := c.Numbers
	tw := table(w)
	rows := [][2]string{
		{"ID", c.ID},
		{"Name", c.Name},
		{"Account", c.AccountID + " (" + c.AccountStatus + ")"},
		{"Status", c.Status},
		{"Capabilities", capsText(c.Capabilities)},
		{"Delivery URL", orNone(c.DeliveryURL)},
		{"Inbound URL", orNone(c.InboundURL)},
		{"Next webhook secret", next},
		{"Numbers", fmt.Sprintf("%d (SMS %d, MMS %d)", n.Total, n.SMSEnabledCount, n.MMSEnabledCount)},
	}
	rows = append(rows, newKeywordRepliesJSON(c.KeywordReplies).rows()...)
	for _, row := range append(rows, [2]string{"Created", redcloud.NewTime(c.CreatedAt).String()}) {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

// clientStatusCmd builds "suspend" and "activate".
func (r *root) clientStatusCmd(verb, status string) *cobra.Command {
	short := "Suspend an API client: its tokens and secret stop working until it is activated"
	if status == redcloud.StatusActive {
		short = "Activate a suspended API client"
	}
	return &cobra.Command{
		Use:     verb + " CLIENT_ID",
		Short:   short,
		Example: fmt.Sprintf("  redcloud admin client %s rc_01j…", verb),
		Args:    args("CLIENT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				ch, err := op.SetClientStatus(ctx, args[0], status)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if ch.From == ch.To {
					fmt.Fprintf(w, "api client %s was already %s\n", ch.ID, ch.To)
				} else {
					fmt.Fprintf(w, "api client %s: %s -> %s\n", ch.ID, ch.From, ch.To)
				}
				if ch.To == redcloud.StatusActive {
					accountWarning(cmd, ch.AccountID, ch.AccountStatus)
				}
				return nil
			})
		}),
	}
}

func (r *root) clientRotateSecretCmd() *cobra.Command {
	var keepTokens, asJSON bool
	cmd := &cobra.Command{
		Use:   "rotate-secret CLIENT_ID",
		Short: "Replace an API client's secret; the old one stops working at once",
		Long: `Generate a new client secret, print it once and store only its hash. The old
secret stops working immediately, and the access tokens issued with it are
revoked unless --keep-tokens lets them run out (at most the token lifetime).`,
		Example: `  redcloud admin client rotate-secret rc_01j…
  redcloud admin client rotate-secret rc_01j… --keep-tokens --json`,
		Args: args("CLIENT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				s, err := op.RotateClientSecret(ctx, args[0], keepTokens)
				if err != nil {
					return err
				}
				tokens := "Access tokens already issued stay valid until they expire."
				var revoked *int64
				if !s.TokensKept {
					revoked = &s.RevokedTokens
					verb := "were"
					if s.RevokedTokens == 1 {
						verb = "was"
					}
					tokens = fmt.Sprintf("%d access token%s issued to it %s revoked.", s.RevokedTokens, plural(int(s.RevokedTokens)), verb)
				}
				notice := "The new secret will not be shown again: store it now. The old secret no longer works. " + tokens
				return printOnce(cmd, asJSON, secretJSON{APIClientID: s.ClientID, ClientSecret: s.ClientSecret, RevokedTokens: revoked},
					"New secret for API client "+s.ClientID+".", [][2]string{{"client_id", s.ClientID}, {"client_secret", s.ClientSecret}}, notice)
			})
		}),
	}
	cmd.Flags().BoolVar(&keepTokens, "keep-tokens", false, "leave access tokens issued with the old secret valid until they expire")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the new secret as JSON (the notice goes to stderr)")
	return cmd
}

func (r *root) clientRevokeTokensCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "revoke-tokens CLIENT_ID",
		Short:   "Revoke every access token issued to an API client (its secret keeps working)",
		Example: `  redcloud admin client revoke-tokens rc_01j…`,
		Args:    args("CLIENT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				n, err := op.RevokeTokens(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked %d access token%s of api client %s\n", n, plural(int(n)), args[0])
				return nil
			})
		}),
	}
}

func (r *root) clientSetCapabilitiesCmd() *cobra.Command {
	var none bool
	cmd := &cobra.Command{
		Use:   "set-capabilities CLIENT_ID CAP[,CAP…] | --none CLIENT_ID",
		Short: "Replace an API client's capabilities",
		Long: "Replace an API client's capabilities with the ones named. Valid capabilities: " +
			strings.Join(platform.AllCapabilities, ", ") + ". --none removes them all (whoami still works).",
		Example: `  redcloud admin client set-capabilities rc_01j… messages:send,numbers:read
  redcloud admin client set-capabilities rc_01j… numbers:read numbers:search
  redcloud admin client set-capabilities --none rc_01j…`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return usagef("usage: %s CLIENT_ID CAP[,CAP…] (or --none CLIENT_ID)", cmd.CommandPath())
			case none && len(args) > 1:
				return usagef("--none conflicts with the capabilities given (%s)", strings.Join(args[1:], " "))
			case !none && len(args) == 1:
				return usagef("name the capabilities to set (valid: %s), or pass --none to remove them all", strings.Join(platform.AllCapabilities, ", "))
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			// --none is the empty list; capabilities given are never empty.
			names := []string{}
			if !none {
				names = splitCapabilities(args[1:])
				if err := operator.CheckCapabilities(names); err != nil {
					return fail(err, nil)
				}
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				ch, err := op.SetCapabilities(ctx, args[0], names)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "api client %s capabilities: %s (were %s)\n", ch.ClientID, capsText(ch.To), capsText(ch.From))
				return nil
			})
		}),
	}
	cmd.Flags().BoolVar(&none, "none", false, "remove every capability")
	return cmd
}
