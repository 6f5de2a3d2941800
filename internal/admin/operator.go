package admin

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/operator"
)

// operatorFlags maps the operator's fields to their flags.
var operatorFlags = flags{"email": "EMAIL", "role": "--role", "password": "the password"}

// operatorJSON is an operator in --json output: never the password hash.
type operatorJSON struct {
	Email     string `json:"email"`
	Role      string `json:"role"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	Password  string `json:"password,omitempty"`
}

func newOperatorJSON(o operator.OperatorInfo) operatorJSON {
	return operatorJSON{Email: o.Email, Role: o.Role, CreatedAt: o.CreatedAt.Format(time.RFC3339), UpdatedAt: o.UpdatedAt.Format(time.RFC3339)}
}

// readPassword reads a password, the first line of r, for --password-stdin.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("--password-stdin: stdin holds no password")
	}
	return line, nil
}

// operatorCmd manages the people who may log in to the operator console.
func (r *root) operatorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Manage the operators who log in to the web console (admin or viewer)",
		Long: `Operators log in to the operator console (redcloud serve --console-addr) with
their email and password. An admin may change things; a viewer may only look.
Passwords are stored as argon2id hashes; a generated password is printed once.`,
		Example: `  redcloud admin operator add ann@example.com --role admin
  printf '%s\n' "$PASSWORD" | redcloud admin operator add vic@example.com --role viewer --password-stdin
  redcloud admin operator list`,
		Args: groupArgs,
		RunE: groupRun,
	}
	var in operator.OperatorInput
	var stdin, asJSON bool
	add := &cobra.Command{
		Use:   "add EMAIL --role admin|viewer [--password-stdin]",
		Short: "Add an operator and print a generated password once",
		Example: `  redcloud admin operator add ann@example.com --role admin
  redcloud admin operator add vic@example.com --role viewer --password-stdin < password.txt`,
		Args: args("EMAIL"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			in.Email = a[0]
			if stdin {
				p, err := readPassword(cmd.InOrStdin())
				if err != nil {
					return err
				}
				in.Password = p
			}
			if err := in.Validate(); err != nil {
				return fail(err, operatorFlags)
			}
			return r.run(cmd, dbMayCreate, func(ctx context.Context, op *operator.Operator) error {
				o, password, err := op.AddOperator(ctx, in)
				if err != nil {
					return err
				}
				if asJSON {
					j := newOperatorJSON(o)
					if !stdin {
						j.Password = password
					}
					return printJSON(cmd.OutOrStdout(), j)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "operator %s (%s) added\n", o.Email, o.Role)
				if !stdin {
					fmt.Fprintf(cmd.OutOrStdout(), "password  %s\n", password)
					fmt.Fprintln(cmd.ErrOrStderr(), "The password is shown this once; only a hash is stored.")
				}
				return nil
			})
		}),
	}
	add.Flags().StringVar(&in.Role, "role", "", "admin (may change things) or viewer (may only look) (required)")
	add.Flags().BoolVar(&stdin, "password-stdin", false, "read the password (12-256 characters) from the first line of stdin instead of generating one")
	add.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var listJSON bool
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the operators",
		Example: "  redcloud admin operator list\n  redcloud admin operator list --json",
		Args:    args(),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				ops, err := op.ListOperators(ctx)
				if err != nil {
					return err
				}
				if listJSON {
					out := make([]operatorJSON, 0, len(ops))
					for _, o := range ops {
						out = append(out, newOperatorJSON(o))
					}
					return printJSON(cmd.OutOrStdout(), out)
				}
				tw := table(cmd.OutOrStdout())
				fmt.Fprintln(tw, "EMAIL\tROLE\tCREATED\tPASSWORD SET")
				for _, o := range ops {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Email, o.Role, o.CreatedAt.Format(time.RFC3339), o.UpdatedAt.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		}),
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print JSON")

	remove := &cobra.Command{
		Use:     "remove EMAIL",
		Short:   "Remove an operator and end their console sessions (not the last admin)",
		Example: "  redcloud admin operator remove vic@example.com",
		Args:    args("EMAIL"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				if err := op.RemoveOperator(ctx, a[0]); err != nil {
					return fail(err, operatorFlags)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "operator %s removed\n", strings.ToLower(strings.TrimSpace(a[0])))
				return nil
			})
		}),
	}

	var resetStdin bool
	reset := &cobra.Command{
		Use:   "reset-password EMAIL [--password-stdin]",
		Short: "Set a new password (printed once unless given) and end the operator's console sessions",
		Example: `  redcloud admin operator reset-password ann@example.com
  redcloud admin operator reset-password ann@example.com --password-stdin < password.txt`,
		Args: args("EMAIL"),
		RunE: runE(func(cmd *cobra.Command, a []string) error {
			password := ""
			if resetStdin {
				p, err := readPassword(cmd.InOrStdin())
				if err != nil {
					return err
				}
				password = p
			}
			return r.run(cmd, dbMustExist, func(ctx context.Context, op *operator.Operator) error {
				p, err := op.ResetPassword(ctx, a[0], password)
				if err != nil {
					return fail(err, operatorFlags)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "password of %s reset; their console sessions ended\n", strings.ToLower(strings.TrimSpace(a[0])))
				if !resetStdin {
					fmt.Fprintf(cmd.OutOrStdout(), "password  %s\n", p)
					fmt.Fprintln(cmd.ErrOrStderr(), "The password is shown this once; only a hash is stored.")
				}
				return nil
			})
		}),
	}
	reset.Flags().BoolVar(&resetStdin, "password-stdin", false, "read the new password (12-256 characters) from the first line of stdin instead of generating one")
	cmd.AddCommand(add, list, remove, reset)
	return cmd
}
