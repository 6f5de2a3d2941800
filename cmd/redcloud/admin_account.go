package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// adminAccountJSON is an account in --json output.
type adminAccountJSON struct {
	AccountID  string        `json:"accountId"`
	Name       string        `json:"name"`
	Status     string        `json:"status"`
	APIClients int           `json:"apiClients"`
	CreatedAt  redcloud.Time `json:"createdAt"`
}

func (a *admin) accountCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Create, list, suspend and activate accounts",
		Long: `Accounts own API clients. Suspending an account stops every one of its API
clients from getting tokens or calling the API (401 "account is not active").`,
		Example: `  redcloud admin account create --name "Acme Inc"
  redcloud admin account list
  redcloud admin account suspend acct_01j…`,
		Args: adminGroupArgs,
		RunE: adminGroupRun,
	}
	cmd.AddCommand(a.accountCreateCmd(), a.accountListCmd(),
		a.accountStatusCmd("suspend", redcloud.StatusSuspended), a.accountStatusCmd("activate", redcloud.StatusActive))
	return cmd
}

func (a *admin) accountCreateCmd() *cobra.Command {
	var name, id string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --name NAME [--id acct_…]",
		Short: "Create an account and print its id",
		Long: `Create an ACTIVE account and print its id. The id is acct_ followed by a
lower-case ULID unless --id gives one. This command creates the database file
when it does not exist yet.`,
		Example: `  redcloud admin account create --name "Acme Inc"
  ACCOUNT=$(redcloud admin account create --name "Acme Inc" --db /var/lib/redcloud/redcloud.db)
  redcloud admin account create --name "Acme Inc" --id acct_acme --json`,
		Args: adminArgs(),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			name, err := adminName("--name", name) // trimmed
			if err != nil {
				return err
			}
			if id == "" {
				id = platform.NewID(platform.PrefixAccount)
			} else if err := adminPrefixedID("--id", platform.PrefixAccount, id); err != nil {
				return err
			}
			return a.run(cmd, adminDBMayCreate, func(ctx context.Context, db *store.DB) error {
				acct := platform.Account{ID: id, Name: name, Status: redcloud.StatusActive, CreatedAt: time.Now()}
				if err := db.CreateAccount(ctx, acct); err != nil {
					if errors.Is(err, platform.ErrConflict) {
						return fmt.Errorf("account %s already exists", id)
					}
					return err
				}
				if asJSON {
					return adminPrintJSON(cmd.OutOrStdout(), adminAccountJSON{AccountID: id, Name: name, Status: acct.Status, CreatedAt: redcloud.NewTime(acct.CreatedAt)})
				}
				fmt.Fprintln(cmd.OutOrStdout(), id)
				return nil
			})
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "account name (required)")
	cmd.Flags().StringVar(&id, "id", "", "account id (default acct_ + a generated ULID)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the account as JSON")
	return cmd
}

func (a *admin) accountListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every account",
		Example: `  redcloud admin account list
  redcloud admin account list --json`,
		Args: adminArgs(),
		RunE: a.runE(func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				accounts, err := db.ListAccounts(ctx)
				if err != nil {
					return err
				}
				clients, err := db.ListAPIClients(ctx)
				if err != nil {
					return err
				}
				count := map[string]int{}
				for _, c := range clients {
					count[c.AccountID]++
				}
				out := make([]adminAccountJSON, 0, len(accounts))
				for _, ac := range accounts {
					out = append(out, adminAccountJSON{AccountID: ac.ID, Name: ac.Name, Status: ac.Status,
						APIClients: count[ac.ID], CreatedAt: redcloud.NewTime(ac.CreatedAt)})
				}
				if asJSON {
					return adminPrintJSON(cmd.OutOrStdout(), out)
				}
				tw := adminTable(cmd.OutOrStdout())
				fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tAPI CLIENTS\tCREATED")
				for _, ac := range out {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", ac.AccountID, ac.Name, ac.Status, ac.APIClients, ac.CreatedAt)
				}
				return tw.Flush()
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the accounts as a JSON array")
	return cmd
}

// accountStatusCmd builds "suspend" and "activate".
func (a *admin) accountStatusCmd(verb, status string) *cobra.Command {
	short := "Suspend an account: its API clients can no longer authenticate"
	if status == redcloud.StatusActive {
		short = "Activate a suspended account"
	}
	return &cobra.Command{
		Use:     verb + " ACCOUNT_ID",
		Short:   short,
		Example: fmt.Sprintf("  redcloud admin account %s acct_01j…", verb),
		Args:    adminArgs("ACCOUNT_ID"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			id := args[0]
			return a.run(cmd, adminDBMustExist, func(ctx context.Context, db *store.DB) error {
				accounts, err := db.ListAccounts(ctx)
				if err != nil {
					return err
				}
				var before *platform.Account
				for i := range accounts {
					if accounts[i].ID == id {
						before = &accounts[i]
					}
				}
				if before == nil {
					return fmt.Errorf("account %s not found", id)
				}
				if err := db.SetAccountStatus(ctx, id, status); err != nil {
					return adminNotFound(err, "account "+id)
				}
				w := cmd.OutOrStdout()
				if before.Status == status {
					fmt.Fprintf(w, "account %s was already %s\n", id, status)
					return nil
				}
				fmt.Fprintf(w, "account %s: %s -> %s\n", id, before.Status, status)
				if status == redcloud.StatusSuspended {
					clients, err := db.ListAPIClients(ctx)
					if err != nil {
						return err
					}
					n := 0
					for _, c := range clients {
						if c.AccountID == id {
							n++
						}
					}
					fmt.Fprintf(w, "its %d API client%s can no longer get tokens or call the API\n", n, adminPlural(n))
				}
				return nil
			})
		}),
	}
}
