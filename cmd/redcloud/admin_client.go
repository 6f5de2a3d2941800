package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// adminClientJSON is an API client in --json output. It never holds a secret or
// a secret's hash.
type adminClientJSON struct {
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
	CreatedAt                redcloud.Time            `json:"createdAt"`
}

func newAdminClientJSON(c platform.APIClient, n redcloud.AssignedNumbers) adminClientJSON {
	caps := c.Capabilities
	if caps == nil {
		caps = []string{}
	}
	return adminClientJSON{
		APIClientID: c.ID, Name: c.Name, AccountID: c.AccountID, AccountStatus: c.AccountStatus, Status: c.Status,
		Capabilities: caps, DeliveryURL: c.DeliveryURL, InboundURL: c.InboundURL,
		NextWebhookSecretPending: c.WebhookSecretNext != nil, AssignedNumbers: n, CreatedAt: redcloud.NewTime(c.CreatedAt),
	}
}

// adminCreatedClientJSON is what client create prints with --json.
type adminCreatedClientJSON struct {
	APIClientID   string   `json:"apiClientId"`
	AccountID     string   `json:"accountId"`
	Name          string   `json:"name"`
	Capabilities  []string `json:"capabilities"`
	ClientSecret  string   `json:"clientSecret"`
	WebhookSecret string   `json:"webhookSecret"`
}

// adminSecretJSON is what the rotation commands print with --json.
type adminSecretJSON struct {
	APIClientID   string `json:"apiClientId"`
	ClientSecret  string `json:"clientSecret,omitempty"`
	WebhookSecret string `json:"webhookSecret,omitempty"`
	RevokedTokens *int64 `json:"revokedTokens,omitempty"`
}

func (a *admin) clientCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "client",
		Short: "Manage API clients: credentials, status, capabilities, webhooks",
		Long: `API clients are the OAuth clients of an account. Their secrets are generated
here, printed once, and stored only as a hash.`,
		Example: `  redcloud admin client create --account acct_01j… --name "Acme production"
  redcloud admin client show rc_01j…
  redcloud admin client rotate-secret rc_01j…`,
		Args: adminGroupArgs,
		RunE: adminGroupRun,
	}
	cmd.AddCommand(a.clientCreateCmd(), a.clientListCmd(), a.clientShowCmd(),
		a.clientStatusCmd("suspend", redcloud.StatusSuspended), a.clientStatusCmd("activate", redcloud.StatusActive),
		a.clientRotateSecretCmd(), a.clientRevokeTokensCmd(), a.clientSetCapabilitiesCmd(),
		a.clientSetWebhooksCmd(), a.clientRotateWebhookSecretCmd(), a.clientActivateWebhookSecretCmd())
	return cmd
}

// adminCapabilities parses comma-separated capabilities into display order,
// without duplicates; flag, when not empty, names where they came from.
func adminCapabilities(flag string, list []string) ([]string, error) {
	prefix := ""
	if flag != "" {
		prefix = flag + ": "
	}
	valid := strings.Join(platform.AllCapabilities, ", ")
	seen := map[string]bool{}
	for _, item := range list {
		for _, c := range strings.Split(item, ",") {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			if !platform.ValidCapability(c) {
				return nil, adminUsagef("%sunknown capability %q; valid capabilities: %s", prefix, c, valid)
			}
			seen[c] = true
		}
	}
	if len(seen) == 0 {
		return nil, adminUsagef("%sno capability named; valid capabilities: %s", prefix, valid)
	}
	var caps []string
	for _, c := range platform.AllCapabilities {
		if seen[c] {
			caps = append(caps, c)
		}
	}
	return caps, nil
}

// adminCapsText renders capabilities for people.
func adminCapsText(caps []string) string {
	if len(caps) == 0 {
		return "(none)"
	}
	return strings.Join(caps, ",")
}

// adminGetClient loads an API client, with "api client X not found" when unknown.
func adminGetClient(ctx context.Context, db *store.DB, id string) (platform.APIClient, error) {
	c, err := db.GetAPIClient(ctx, id)
	return c, adminNotFound(err, "api client "+id)
}

func (a *admin) clientCreateCmd() *cobra.Command {
	var account, name, id, capList string
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
		Args: adminArgs(),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			if account == "" {
				return adminUsagef("--account is required: the id of the account that owns the API client")
			}
			name, err := adminName("--name", name)
			if err != nil {
				return err
			}
			if id == "" {
				id = platform.NewID(platform.PrefixClient)
			} else if err := adminClientID("--id", id); err != nil {
				return err
			}
			caps, err := adminCapabilities("--capabilities", []string{capList})
			if err != nil {
				return err
			}
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				secret := platform.NewSecret(platform.PrefixClientSecret)
				c := platform.APIClient{
					ID: id, AccountID: account, Name: name, Status: redcloud.StatusActive,
					SecretHash: platform.HashSecret(secret), Capabilities: caps,
					WebhookSecret: platform.NewSecret(platform.PrefixWebhookSecret), CreatedAt: time.Now(),
				}
				switch err := db.CreateAPIClient(ctx, c); {
				case errors.Is(err, platform.ErrConflict):
					return fmt.Errorf("api client %s already exists", id)
				case errors.Is(err, platform.ErrNotFound):
					return fmt.Errorf("account %s not found", account)
				case err != nil:
					return err
				}
				stored, err := adminGetClient(ctx, db, id)
				if err != nil {
					return err
				}
				if stored.AccountStatus != redcloud.StatusActive {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: account %s is %s: the client cannot authenticate until the account is activated\n", account, stored.AccountStatus)
				}
				return adminPrintCreatedClient(cmd, asJSON, c, secret)
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&account, "account", "", "id of the owning account (required)")
	f.StringVar(&name, "name", "", "API client name, shown by whoami (required)")
	f.StringVar(&id, "id", "", "API client id (default rc_ + a generated ULID)")
	f.StringVar(&capList, "capabilities", strings.Join(platform.AllCapabilities, ","), "comma-separated capabilities")
	f.BoolVar(&asJSON, "json", false, "print the credentials as JSON (the notice goes to stderr)")
	return cmd
}

// adminPrintCreatedClient shows a new client's credentials, once.
func adminPrintCreatedClient(cmd *cobra.Command, asJSON bool, c platform.APIClient, secret string) error {
	const notice = "The client secret and the webhook signing secret will not be shown again: store them now. Only a hash of the client secret is kept."
	return adminPrintOnce(cmd, asJSON, adminCreatedClientJSON{
		APIClientID: c.ID, AccountID: c.AccountID, Name: c.Name, Capabilities: c.Capabilities,
		ClientSecret: secret, WebhookSecret: c.WebhookSecret,
	}, fmt.Sprintf("Created API client %s (%s) for account %s.", c.ID, c.Name, c.AccountID), [][2]string{
		{"client_id", c.ID}, {"client_secret", secret}, {"webhook_secret", c.WebhookSecret},
		{"capabilities", adminCapsText(c.Capabilities)},
	}, notice)
}

// adminPrintOnce shows secrets that are never shown again: as JSON (the
// notice on stderr), or as a title, an aligned table of rows and the notice.
func adminPrintOnce(cmd *cobra.Command, asJSON bool, v any, title string, rows [][2]string, notice string) error {
	if asJSON {
		fmt.Fprintln(cmd.ErrOrStderr(), notice)
		return adminPrintJSON(cmd.OutOrStdout(), v)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%s\n\n", title)
	tw := adminTable(w)
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\n", r[0], r[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", notice)
	return nil
}

func (a *admin) clientListCmd() *cobra.Command {
	var account string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--account ACCOUNT_ID]",
		Short: "List API clients",
		Example: `  redcloud admin client list
  redcloud admin client list --account acct_01j… --json`,
		Args: adminArgs(),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				clients, err := db.ListAPIClients(ctx)
				if err != nil {
					return err
				}
				if account != "" {
					accounts, err := db.ListAccounts(ctx)
					if err != nil {
						return err
					}
					if !slices.ContainsFunc(accounts, func(x platform.Account) bool { return x.ID == account }) {
						return fmt.Errorf("account %s not found", account)
					}
					clients = slices.DeleteFunc(clients, func(c platform.APIClient) bool { return c.AccountID != account })
				}
				out := make([]adminClientJSON, 0, len(clients))
				for _, c := range clients {
					n, err := db.CountNumbers(ctx, c.ID)
					if err != nil {
						return err
					}
					out = append(out, newAdminClientJSON(c, n))
				}
				if asJSON {
					return adminPrintJSON(cmd.OutOrStdout(), out)
				}
				tw := adminTable(cmd.OutOrStdout())
				fmt.Fprintln(tw, "ID\tNAME\tACCOUNT\tSTATUS\tCAPABILITIES\tNUMBERS\tDELIVERY URL\tINBOUND URL")
				for _, c := range out {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", c.APIClientID, c.Name, c.AccountID,
						adminClientStatusText(c.Status, c.AccountStatus), adminCapsText(c.Capabilities), c.AssignedNumbers.Total,
						adminOrNone(c.DeliveryURL), adminOrNone(c.InboundURL))
				}
				return tw.Flush()
			})
		}),
	}
	cmd.Flags().StringVar(&account, "account", "", "only the API clients of this account")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API clients as a JSON array")
	return cmd
}

// adminClientStatusText shows a client's status and, when it blocks it, its account's.
func adminClientStatusText(status, accountStatus string) string {
	if accountStatus != redcloud.StatusActive {
		return status + " (account " + accountStatus + ")"
	}
	return status
}

func (a *admin) clientShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show CLIENT_ID",
		Short: "Show an API client: status, capabilities, webhooks (never its secrets)",
		Example: `  redcloud admin client show rc_01j…
  redcloud admin client show rc_01j… --json`,
		Args: adminArgs("CLIENT_ID"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				c, err := adminGetClient(ctx, db, args[0])
				if err != nil {
					return err
				}
				n, err := db.CountNumbers(ctx, c.ID)
				if err != nil {
					return err
				}
				if asJSON {
					return adminPrintJSON(cmd.OutOrStdout(), newAdminClientJSON(c, n))
				}
				return adminPrintClient(cmd.OutOrStdout(), c, n)
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API client as JSON")
	return cmd
}

// adminPrintClient shows one API client as a two-column table.
func adminPrintClient(w io.Writer, c platform.APIClient, n redcloud.AssignedNumbers) error {
	next := "no"
	if c.WebhookSecretNext != nil {
		next = "yes (signing still uses the current secret; activate with `redcloud admin client activate-webhook-secret " + c.ID + "`)"
	}
	tw := adminTable(w)
	for _, row := range [][2]string{
		{"ID", c.ID},
		{"Name", c.Name},
		{"Account", c.AccountID + " (" + c.AccountStatus + ")"},
		{"Status", c.Status},
		{"Capabilities", adminCapsText(c.Capabilities)},
		{"Delivery URL", adminOrNone(c.DeliveryURL)},
		{"Inbound URL", adminOrNone(c.InboundURL)},
		{"Next webhook secret", next},
		{"Numbers", fmt.Sprintf("%d (SMS %d, MMS %d)", n.Total, n.SMSEnabledCount, n.MMSEnabledCount)},
		{"Created", redcloud.NewTime(c.CreatedAt).String()},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

// clientStatusCmd builds "suspend" and "activate".
func (a *admin) clientStatusCmd(verb, status string) *cobra.Command {
	short := "Suspend an API client: its tokens and secret stop working until it is activated"
	if status == redcloud.StatusActive {
		short = "Activate a suspended API client"
	}
	return &cobra.Command{
		Use:     verb + " CLIENT_ID",
		Short:   short,
		Example: fmt.Sprintf("  redcloud admin client %s rc_01j…", verb),
		Args:    adminArgs("CLIENT_ID"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				c, err := adminGetClient(ctx, db, args[0])
				if err != nil {
					return err
				}
				if err := db.SetAPIClientStatus(ctx, c.ID, status); err != nil {
					return adminNotFound(err, "api client "+c.ID)
				}
				w := cmd.OutOrStdout()
				if c.Status == status {
					fmt.Fprintf(w, "api client %s was already %s\n", c.ID, status)
				} else {
					fmt.Fprintf(w, "api client %s: %s -> %s\n", c.ID, c.Status, status)
				}
				if status == redcloud.StatusActive && c.AccountStatus != redcloud.StatusActive {
					fmt.Fprintf(cmd.ErrOrStderr(), "warning: account %s is %s: the client cannot authenticate until the account is activated\n", c.AccountID, c.AccountStatus)
				}
				return nil
			})
		}),
	}
}

func (a *admin) clientRotateSecretCmd() *cobra.Command {
	var keepTokens, asJSON bool
	cmd := &cobra.Command{
		Use:   "rotate-secret CLIENT_ID",
		Short: "Replace an API client's secret; the old one stops working at once",
		Long: `Generate a new client secret, print it once and store only its hash. The old
secret stops working immediately, and the access tokens issued with it are
revoked unless --keep-tokens lets them run out (at most the token lifetime).`,
		Example: `  redcloud admin client rotate-secret rc_01j…
  redcloud admin client rotate-secret rc_01j… --keep-tokens --json`,
		Args: adminArgs("CLIENT_ID"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				c, err := adminGetClient(ctx, db, args[0])
				if err != nil {
					return err
				}
				secret := platform.NewSecret(platform.PrefixClientSecret)
				var revoked *int64
				if keepTokens {
					err = db.SetAPIClientSecret(ctx, c.ID, platform.HashSecret(secret))
				} else {
					var n int64
					n, err = db.RotateAPIClientSecret(ctx, c.ID, platform.HashSecret(secret))
					revoked = &n
				}
				if err != nil {
					return adminNotFound(err, "api client "+c.ID)
				}
				tokens := "Access tokens already issued stay valid until they expire."
				if revoked != nil {
					verb := "were"
					if *revoked == 1 {
						verb = "was"
					}
					tokens = fmt.Sprintf("%d access token%s issued to it %s revoked.", *revoked, adminPlural(int(*revoked)), verb)
				}
				notice := "The new secret will not be shown again: store it now. The old secret no longer works. " + tokens
				return adminPrintOnce(cmd, asJSON, adminSecretJSON{APIClientID: c.ID, ClientSecret: secret, RevokedTokens: revoked},
					"New secret for API client "+c.ID+".", [][2]string{{"client_id", c.ID}, {"client_secret", secret}}, notice)
			})
		}),
	}
	cmd.Flags().BoolVar(&keepTokens, "keep-tokens", false, "leave access tokens issued with the old secret valid until they expire")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the new secret as JSON (the notice goes to stderr)")
	return cmd
}

func (a *admin) clientRevokeTokensCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "revoke-tokens CLIENT_ID",
		Short:   "Revoke every access token issued to an API client (its secret keeps working)",
		Example: `  redcloud admin client revoke-tokens rc_01j…`,
		Args:    adminArgs("CLIENT_ID"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				c, err := adminGetClient(ctx, db, args[0])
				if err != nil {
					return err
				}
				n, err := db.RevokeTokens(ctx, c.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked %d access token%s of api client %s\n", n, adminPlural(int(n)), c.ID)
				return nil
			})
		}),
	}
}

func (a *admin) clientSetCapabilitiesCmd() *cobra.Command {
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
				return adminUsagef("usage: %s CLIENT_ID CAP[,CAP…] (or --none CLIENT_ID)", cmd.CommandPath())
			case none && len(args) > 1:
				return adminUsagef("--none conflicts with the capabilities given (%s)", strings.Join(args[1:], " "))
			case !none && len(args) == 1:
				return adminUsagef("name the capabilities to set (valid: %s), or pass --none to remove them all", strings.Join(platform.AllCapabilities, ", "))
			}
			return nil
		},
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			var caps []string
			if !none {
				var err error
				if caps, err = adminCapabilities("", args[1:]); err != nil {
					return err
				}
			}
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				c, err := adminGetClient(ctx, db, args[0])
				if err != nil {
					return err
				}
				if err := db.SetCapabilities(ctx, c.ID, caps); err != nil {
					return adminNotFound(err, "api client "+c.ID)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "api client %s capabilities: %s (were %s)\n", c.ID, adminCapsText(caps), adminCapsText(c.Capabilities))
				return nil
			})
		}),
	}
	cmd.Flags().BoolVar(&none, "none", false, "remove every capability")
	return cmd
}
