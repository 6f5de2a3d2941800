package admin

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/command"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func (r *root) numberImportCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Add inventory numbers from a CSV file, all or none",
		Long: `Add the numbers of a CSV file to the inventory (assigned to no API client,
ACTIVE) in one transaction. The first row is the header:

  e164,city,state,zip_code,rate_center[,sms_enabled,mms_enabled]

Columns may come in any order. e164 is a +1 (NANP) number; state two letters;
zip_code five digits; sms_enabled and mms_enabled are true/false (default true).
Every row is checked first, including against the numbers already in the
database; when any row is bad, each bad row is reported with its line number
and nothing is imported. This command creates the database file when it does
not exist yet.`,
		Example: `  redcloud admin number import inventory.csv
  redcloud admin number import inventory.csv --db /var/lib/redcloud/redcloud.db --json

  # inventory.csv
  e164,city,state,zip_code,rate_center,sms_enabled,mms_enabled
  +15125550100,Austin,TX,78701,AUSTIN,true,true
  +12065550100,Seattle,WA,98101,SEATTLE,true,false`,
		Args: args("FILE.csv"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			path := args[0]
			f, err := os.Open(path)
			if err != nil {
				return command.Exit(2, err)
			}
			inv, err := operator.ReadInventory(f)
			f.Close()
			if err == nil {
				err = inv.Validate()
			}
			if err != nil {
				return command.Exit(2, fileError(path, err))
			}
			mode := dbMayCreate
			if len(inv.Problems) > 0 {
				// Report the duplicates too when the database is there,
				// but never create one for a file that cannot be imported.
				if !r.exists() {
					return command.Exit(2, fileError(path, &operator.ImportError{Problems: inv.Problems}))
				}
				mode = dbMustExist
			}
			return r.run(cmd, mode, func(ctx context.Context, op *operator.Operator) error {
				ns, err := op.ImportInventory(ctx, inv)
				if err != nil {
					code := 1
					if _, bad := errors.AsType[*operator.ImportError](err); bad && len(inv.Problems) > 0 {
						code = 2 // the file itself is bad, not only the database's numbers
					}
					return command.Exit(code, fileError(path, err))
				}
				if asJSON {
					return printNumbers(cmd.OutOrStdout(), true, ns)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "imported %d number%s from %s into the inventory\n", len(ns), plural(len(ns)), path)
				return nil
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the imported numbers as a JSON array")
	return cmd
}

// fileError names the file an import error is about.
func fileError(path string, err error) error {
	if e, ok := err.(*platform.Error); ok {
		return fmt.Errorf("%s: %s", path, e.Message)
	}
	return fmt.Errorf("%s: %w", path, err)
}
