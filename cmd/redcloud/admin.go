package main

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
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// admin holds what every admin command shares: the database path.
type admin struct {
	dbPath string
}

func adminCmd() *cobra.Command {
	a := &admin{}
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Administer accounts, API clients and numbers directly in the database",
		Long: `Operator tools that work directly on the database, as a portal would: accounts,
API clients (credentials, capabilities, webhooks) and the number inventory.

The database is --db, or REDCLOUD_DB when --db is not given. Only --db and
--sandbox are read from the environment: every other flag names a change and
must be typed. SQLite lets these commands run beside a running server.

Exit codes: 0 success; 2 a usage or argument error found before touching the
database (bad flag, id, E.164, capability, status, URL, CSV row); 1 anything
else (unknown id, duplicate, database error).`,
		Example: `  redcloud admin account create --name "Acme Inc"
  redcloud admin client create --account acct_01j… --name "Acme production"
  redcloud admin number import inventory.csv --db /var/lib/redcloud/redcloud.db`,
		Args: adminGroupArgs,
		RunE: adminGroupRun,
	}
	cmd.PersistentFlags().StringVar(&a.dbPath, "db", "redcloud.db", "SQLite database file (env REDCLOUD_DB)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return command.Exit(2, err) })
	cmd.AddCommand(a.accountCmd(), a.clientCmd(), a.numberCmd(), a.deliveryCmd(), a.eventCmd())
	return cmd
}

// adminGroupArgs rejects an unknown subcommand of a command group with exit code 2.
func adminGroupArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return adminUsagef("unknown command %q for %q; see %s --help", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return nil
}

// adminGroupRun shows a command group's help when it is run without a subcommand.
func adminGroupRun(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// adminUsagef returns a usage or argument error, which exits with code 2.
func adminUsagef(format string, args ...any) error {
	return command.Exit(2, fmt.Errorf(format, args...))
}

// adminArgs returns a positional-argument check that wants exactly the named
// arguments, with exit code 2 otherwise.
func adminArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		if len(names) == 0 {
			return adminUsagef("%s takes no arguments (got %q)", cmd.CommandPath(), args)
		}
		return adminUsagef("usage: %s %s (got %d argument%s)", cmd.CommandPath(), strings.Join(names, " "), len(args), adminPlural(len(args)))
	}
}

// adminDBMode says whether a command may create a missing database file.
type adminDBMode int

const (
	adminDBMustExist adminDBMode = iota // reads and changes to existing rows: a missing file is a mistyped --db
	adminDBMayCreate                    // commands that add the first rows of a new database
)

// bindEnv reads REDCLOUD_DB and REDCLOUD_SANDBOX for flags not given.
// The other flags of admin commands are not read from the environment, so
// that a stray variable can never change what a command does.
func (a *admin) bindEnv(cmd *cobra.Command) error {
	only := &cobra.Command{}
	for _, name := range []string{"db", "sandbox"} {
		if f := cmd.Flags().Lookup(name); f != nil {
			only.Flags().AddFlag(f)
		}
	}
	if err := command.BindEnv(only); err != nil {
		return command.Exit(2, err)
	}
	return nil
}

// runE wraps a command's RunE so that it reads the environment first.
func (a *admin) runE(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := a.bindEnv(cmd); err != nil {
			return err
		}
		return fn(cmd, args)
	}
}

// run opens the database and runs fn with it.
func (a *admin) run(cmd *cobra.Command, mode adminDBMode, fn func(ctx context.Context, db *store.DB) error) error {
	if a.dbPath == "" {
		return adminUsagef("--db must name a SQLite database file")
	}
	_, statErr := os.Stat(a.dbPath)
	missing := errors.Is(statErr, os.ErrNotExist)
	if missing && mode == adminDBMustExist {
		return fmt.Errorf("database %s does not exist (check --db or REDCLOUD_DB; `redcloud serve` or `redcloud admin account create` creates it)", a.dbPath)
	}
	db, err := store.Open(cmd.Context(), a.dbPath)
	if err != nil {
		return fmt.Errorf("open database %s: %w", a.dbPath, err)
	}
	defer db.Close()
	if missing {
		fmt.Fprintf(cmd.ErrOrStderr(), "created database %s\n", a.dbPath)
	}
	return fn(cmd.Context(), db)
}

// adminTable returns an aligned-column writer; Flush it when done.
func adminTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// adminPrintJSON writes v as indented JSON.
func adminPrintJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// adminStatus accepts ACTIVE or SUSPENDED in any case.
func adminStatus(flag, s string) (string, error) {
	switch v := strings.ToUpper(strings.TrimSpace(s)); v {
	case redcloud.StatusActive, redcloud.StatusSuspended:
		return v, nil
	}
	return "", adminUsagef("%s %q: a status is ACTIVE or SUSPENDED", flag, s)
}

// adminName validates a display name of an account or API client.
func adminName(flag, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", adminUsagef("%s is required and must not be blank", flag)
	case len([]rune(s)) > 200:
		return "", adminUsagef("%s must be at most 200 characters", flag)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", adminUsagef("%s must not contain control characters", flag)
	}
	return s, nil
}

// adminPrefixedID validates an operator-chosen id: prefix followed by 1–64
// letters, digits, '_' or '-' (the shape of numberIds, CONTRACT §4).
func adminPrefixedID(flag, prefix, s string) error {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || rest == "" || len(rest) > 64 || strings.ContainsFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) {
		return adminUsagef("%s %q: must be %s followed by 1-64 letters, digits, '_' or '-'", flag, s, prefix)
	}
	return nil
}

// adminClientID validates an operator-chosen API client id: 3–64 characters
// of a-z, 0-9 and '_' (it travels as an OAuth client_id).
func adminClientID(flag, s string) error {
	if len(s) < 3 || len(s) > 64 || strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	}) {
		return adminUsagef("%s %q: an API client id is 3-64 characters of a-z, 0-9 and '_'", flag, s)
	}
	return nil
}

// adminNotFound turns the store's not-found into "<what> not found" and
// passes other errors through.
func adminNotFound(err error, what string) error {
	if errors.Is(err, platform.ErrNotFound) {
		return errors.New(what + " not found")
	}
	return err
}

// adminOrNone renders an optional string for tables.
func adminOrNone(s *string) string {
	if s == nil || *s == "" {
		return "-"
	}
	return *s
}

// adminYesNo renders a boolean for tables.
func adminYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func adminPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
