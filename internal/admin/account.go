package admin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
)

// accountJSON is an account in --json output.
type accountJSON struct {
	AccountID  string        `json:"accountId"`
	Name       string        `json:"name"`
	Status     string        `json:"status"`
	APIClients int           `json:"apiClients"`
	CreatedAt  redcloud.Time `json:"createdAt"`
}

func (r *root) accountCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Create, list, suspend and activate accounts",
		Long: `Accounts own API clients. Suspending an account stops every one of its API
clients from getting tokens or calling the API (401 "account is not active").`,
		Example: `  redcloud admin account create --name "Acme Inc"
  redcloud admin account list
  redcloud admin account suspend acct_01j…`,
		Args: groupArgs,
		RunE: groupRun,
	}
	cmd.AddCommand(r.accountCreateCmd(), r.accountListCmd(),
		r.accountStatusCmd("suspend", redcloud.StatusSuspended), r.accountStatusCmd("activate", redcloud.StatusActive))
	return cmd
}

func (r *root) accountCreateCmd() *cobra.Command {
	var in operator.AccountInput
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
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if err := in.Validate(); err != nil {
				return fail(err, flags{"name": "--name", "id": "--id"})
			}
			return r.run(cmd, dbMayCreate, func(ctx context.Context, op *operator.Operator) error {
				a, err := op.CreateAccount(ctx, in)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), accountJSON{AccountID: a.ID, Name: a.Name, Status: a.Status, CreatedAt: redcloud.NewTime(a.CreatedAt)})
				}
				fmt.Fprintln(cmd.OutOrStdout(), a.ID)
				return nil
			})
		}),
	}
	cmd.Flags().StringVar(&in.Name, "name", "", "account name (required)")
	cmd.Flags().StringVar(&in.ID, "id", "", "account id (default acct_ + a generated ULID)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the account as JSON")
	return cmd
}

func (r *root) accountListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every account",
		Example: `  redcloud admin account list
  redcloud admin account list --json`,
		Args: args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				accounts, err := op.ListAccounts(ctx)
				if err != nil {
					return err
				}
				out := make([]accountJSON, 0, len(accounts))
				for _, a := range accounts {
					out = append(out, accountJSON{AccountID: a.ID, Name: a.Name, Status: a.Status,
						APIClients: a.APIClients, CreatedAt: redcloud.NewTime(a.CreatedAt)})
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), out)
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tAPI CLIENTS\tCREATED")
				for _, a := range out {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", a.AccountID, a.Name, a.Status, a.APIClients, a.CreatedAt)
				}
				return tw.Flush()
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the accounts as a JSON array")
	return cmd
}

// accountStatusCmd builds "suspend" and "activate".
func (r *root) accountStatusCmd(verb, status string) *cobra.Command {
	short := "Suspend an account: its API clients can no longer authenticate"
	if status == redcloud.StatusActive {
		short = "Activate a suspended account"
	}
	return &cobra.Command{
		Use:     verb + " ACCOUNT_ID",
		Short:   short,
		Example: fmt.Sprintf("  redcloud admin account %s acct_01j…", verb),
		Args:    args("ACCOUNT_ID"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				ch, err := op.SetAccountStatus(ctx, args[0], status)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if ch.From == ch.To {
					fmt.Fprintf(w, "account %s was already %s\n", ch.ID, ch.To)
					return nil
				}
				fmt.Fprintf(w, "account %s: %s -> %s\n", ch.ID, ch.From, ch.To)
				if ch.To == redcloud.StatusSuspended {
					fmt.Fprintf(w, "its %d API client%s can no longer get tokens or call the API\n", ch.APIClients, plural(ch.APIClients))
				}
				return nil
			})
		}),
	}
}
