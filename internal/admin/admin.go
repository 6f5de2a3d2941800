// Package admin is the `redcloud admin` command tree: a thin layer over
// internal/operator that parses flags, calls the operator's actions and
// prints what they did. It holds no rule of its own.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/command"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// root holds what every admin command shares: the database.
type root struct {
	db string
}

// Command returns the `admin` command with every subcommand.
func Command() *cobra.Command {
	r := &root{}
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Administer accounts, API clients, numbers and providers directly in the database",
		Long: `Operator tools that work directly on the database, as a portal would: accounts,
API clients (credentials, capabilities, webhooks), the number inventory and
its send rates, 10DLC campaign limits, the upstream providers (SMPP carrier
links) numbers send through, the console's operators and the audit log of
every operator action.

The database is --db, or REDCLOUD_DB when --db is not given: a SQLite file or
a postgres:// URL. Only --db and --sandbox are read from the environment:
every other flag names a change and must be typed. SQLite and PostgreSQL both
let these commands run beside a running server.

Exit codes: 0 success; 2 a usage or argument error found before touching the
database (bad flag, id, E.164, capability, status, URL, CSV row); 1 anything
else (unknown id, duplicate, database error).`,
		Example: `  redcloud admin account create --name "Acme Inc"
  redcloud admin client create --account acct_01j… --name "Acme production"
  redcloud admin number import inventory.csv --db /var/lib/redcloud/redcloud.db`,
		Args: groupArgs,
		RunE: groupRun,
	}
	cmd.PersistentFlags().StringVar(&r.db, "db", "redcloud.db", "SQLite database file or postgres:// URL (env REDCLOUD_DB)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return command.Exit(2, redact(err)) })
	cmd.AddCommand(r.accountCmd(), r.clientCmd(), r.numberCmd(), r.campaignCmd(), r.providerCmd(), r.deliveryCmd(), r.eventCmd(), r.optOutCmd(),
		r.operatorCmd(), r.auditCmd())
	return cmd
}

// groupArgs rejects an unknown subcommand of a command group with exit code 2.
func groupArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command %q for %q; see %s --help", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return nil
}

// groupRun shows a command group's help when it is run without a subcommand.
func groupRun(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// usagef returns a usage or argument error, which exits with code 2.
func usagef(format string, args ...any) error {
	return command.Exit(2, redact(fmt.Errorf(format, args...)))
}

// redact hides any database password in err's message: an argument typed
// in the wrong place may be a DSN.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := store.RedactDSN(msg); r != msg {
		return command.Exit(command.Code(err), errors.New(r))
	}
	return err
}

// args returns a positional-argument check that wants exactly the named
// arguments, with exit code 2 otherwise.
func args(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		if len(names) == 0 {
			return usagef("%s takes no arguments (got %q)", cmd.CommandPath(), args)
		}
		return usagef("usage: %s %s (got %d argument%s)", cmd.CommandPath(), strings.Join(names, " "), len(args), plural(len(args)))
	}
}

// dbMode says whether a command may create a missing SQLite file.
type dbMode int

const (
	dbMustExist dbMode = iota // reads and changes to existing rows: a missing file is a mistyped --db
	dbMayCreate               // commands that add the first rows of a new database
)

// bindEnv reads REDCLOUD_DB and REDCLOUD_SANDBOX for flags not given.
// The other flags of admin commands are not read from the environment, so
// that a stray variable can never change what a command does.
func bindEnv(cmd *cobra.Command) error {
	only := &cobra.Command{}
	for _, name := range []string{"db", "sandbox"} {
		if f := cmd.Flags().Lookup(name); f != nil {
			only.Flags().AddFlag(f)
		}
	}
	if err := command.BindEnv(only); err != nil {
		return command.Exit(2, redact(err))
	}
	return nil
}

// runE wraps a command's RunE so that it reads the environment first and
// never shows a database password.
func runE(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := bindEnv(cmd); err != nil {
			return err
		}
		return redact(fail(fn(cmd, args), nil))
	}
}

// postgres reports whether --db names a PostgreSQL database.
func (r *root) postgres() bool { return store.IsPostgres(r.db) }

// exists reports whether the database is there: a PostgreSQL server is
// asked when the command opens it.
func (r *root) exists() bool {
	if r.postgres() {
		return true
	}
	_, err := os.Stat(r.db)
	return err == nil
}

// run opens the database and runs fn with an operator on it.
func (r *root) run(cmd *cobra.Command, mode dbMode, fn func(ctx context.Context, op *operator.Operator) error) error {
	if r.db == "" {
		return usagef("--db must name a SQLite database file or a postgres:// URL")
	}
	shown := store.RedactDSN(r.db)
	missing := false
	if !r.postgres() {
		_, statErr := os.Stat(r.db)
		missing = errors.Is(statErr, os.ErrNotExist)
		if missing && mode == dbMustExist {
			return fmt.Errorf("database %s does not exist (check --db or REDCLOUD_DB; `redcloud serve` or `redcloud admin account create` creates it)", shown)
		}
	}
	db, err := store.Open(cmd.Context(), r.db)
	if err != nil {
		// A SQLite error quotes the path as typed: show it redacted.
		return fmt.Errorf("open database %s: %s", shown, strings.ReplaceAll(err.Error(), r.db, shown))
	}
	defer db.Close()
	if missing {
		fmt.Fprintf(cmd.ErrOrStderr(), "created database %s\n", shown)
	}
	return fn(cmd.Context(), operator.New(db, operator.Config{}))
}

// flags maps the fields of the operator's errors to the flags that set them.
type flags map[string]string

// fail turns an operator error into the command's error. A domain error
// shows its message alone, with the field it begins with named as the flag
// the user typed, and exits 2 when the input broke a rule (1 otherwise).
// Any other error, wrapped domain errors included, is returned as it is.
func fail(err error, fs flags) error {
	e, ok := err.(*platform.Error)
	if !ok {
		return err
	}
	msg := e.Message
	if field, _ := e.Details["field"].(string); field != "" {
		if flag, ok := fs[field]; ok {
			if rest, ok := strings.CutPrefix(msg, field); ok {
				msg = flag + rest
			}
		}
	}
	code := 1
	if e.Code == redcloud.CodeInvalidRequest {
		code = 2
	}
	return command.Exit(code, errors.New(msg))
}

// advise adds advice to a domain error whose details.reason is reason.
func advise(err error, reason string, advice func(e *platform.Error) string) error {
	if e, ok := platform.AsError(err); ok && e.Details["reason"] == reason {
		return &platform.Error{Code: e.Code, Message: e.Message + advice(e), Details: e.Details}
	}
	return err
}

// table returns an aligned-column writer; Flush it when done.
func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// orNone renders an optional string for tables.
func orNone(s *string) string {
	if s == nil || *s == "" {
		return "-"
	}
	return *s
}

// yesNo renders a boolean for tables.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
