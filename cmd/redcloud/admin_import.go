package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/command"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Inventory CSV columns: the required ones, then the optional ones.
var (
	adminCSVRequired = []string{"e164", "city", "state", "zip_code", "rate_center"}
	adminCSVOptional = []string{"sms_enabled", "mms_enabled"}
)

// adminCSVRow is one valid row of an inventory CSV, with its line number.
type adminCSVRow struct {
	line   int
	number platform.Number
}

// adminRowProblem is what is wrong with one line of an inventory CSV.
type adminRowProblem struct {
	line int
	msg  string
}

// adminImportError reports every bad row of an inventory CSV.
type adminImportError struct {
	file     string
	problems []adminRowProblem
}

func (e *adminImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d bad row%s, nothing imported:", e.file, len(e.problems), adminPlural(len(e.problems)))
	for _, p := range e.problems {
		fmt.Fprintf(&b, "\n  line %d: %s", p.line, p.msg)
	}
	return b.String()
}

func (a *admin) numberImportCmd() *cobra.Command {
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
		Args: adminArgs("FILE.csv"),
		RunE: a.runE(func(cmd *cobra.Command, args []string) error {
			path := args[0]
			f, err := os.Open(path)
			if err != nil {
				return command.Exit(2, err)
			}
			rows, problems, err := adminReadCSV(f, time.Now())
			f.Close()
			if err != nil {
				return command.Exit(2, fmt.Errorf("%s: %w", path, err))
			}
			if len(rows) == 0 && len(problems) == 0 {
				return adminUsagef("%s: no numbers to import (only a header)", path)
			}
			mode := adminDBMayCreate
			if len(problems) > 0 {
				// Report the duplicates too when the database is there,
				// but never create one for a file that cannot be imported.
				if _, err := os.Stat(a.dbPath); err != nil {
					return command.Exit(2, &adminImportError{file: path, problems: problems})
				}
				mode = adminDBMustExist
			}
			return a.run(cmd, mode, func(ctx context.Context, db *store.DB) error {
				code := 1
				if len(problems) > 0 {
					code = 2
				}
				for _, r := range rows {
					old, err := db.GetNumberByE164(ctx, r.number.E164)
					switch {
					case err == nil:
						problems = append(problems, adminRowProblem{r.line, fmt.Sprintf("number %s already exists (%s)", r.number.E164, old.ID)})
					case !errors.Is(err, platform.ErrNotFound):
						return err
					}
				}
				if len(problems) > 0 {
					slices.SortStableFunc(problems, func(x, y adminRowProblem) int { return x.line - y.line })
					return command.Exit(code, &adminImportError{file: path, problems: problems})
				}
				ns := make([]platform.Number, len(rows))
				for i, r := range rows {
					ns[i] = r.number
				}
				if err := db.InsertNumbers(ctx, ns); err != nil {
					if errors.Is(err, platform.ErrConflict) {
						return fmt.Errorf("%s: nothing imported: %w (a number was added while importing; run the import again)", path, err)
					}
					return fmt.Errorf("%s: nothing imported: %w", path, err)
				}
				if asJSON {
					out := make([]adminNumberJSON, len(ns))
					for i, n := range ns {
						out[i] = newAdminNumberJSON(n)
					}
					return adminPrintJSON(cmd.OutOrStdout(), out)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "imported %d number%s from %s into the inventory\n", len(ns), adminPlural(len(ns)), path)
				return nil
			})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the imported numbers as a JSON array")
	return cmd
}

// adminReadCSV reads an inventory CSV. A bad header or unreadable CSV
// is an error; bad rows are returned as problems, every one of them.
func adminReadCSV(r io.Reader, now time.Time) ([]adminCSVRow, []adminRowProblem, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, to report every bad row
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("empty file: the first row must be the header " + strings.Join(adminCSVRequired, ",") + "[," + strings.Join(adminCSVOptional, ",") + "]")
	}
	if err != nil {
		return nil, nil, err
	}
	col, err := adminCSVColumns(header)
	if err != nil {
		return nil, nil, err
	}
	var rows []adminCSVRow
	var problems []adminRowProblem
	seen := map[string]int{} // e164 → line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems = append(problems, adminRowProblem{pe.StartLine, "unreadable CSV: " + pe.Err.Error() + "; the rest of the file was not checked"})
				return rows, problems, nil
			}
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			problems = append(problems, adminRowProblem{line, fmt.Sprintf("%d field%s, the header has %d", len(rec), adminPlural(len(rec)), len(header))})
			continue
		}
		n, problem := adminCSVNumber(rec, col, now)
		if problem == "" {
			if first, dup := seen[n.E164]; dup {
				problem = fmt.Sprintf("number %s is also on line %d", n.E164, first)
			} else {
				seen[n.E164] = line
			}
		}
		if problem != "" {
			problems = append(problems, adminRowProblem{line, problem})
			continue
		}
		rows = append(rows, adminCSVRow{line, n})
	}
	return rows, problems, nil
}

// adminCSVColumns maps the header's column names to their indexes.
func adminCSVColumns(header []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(adminCSVRequired, h) && !slices.Contains(adminCSVOptional, h) {
			return nil, fmt.Errorf("line 1: unknown column %q; the header is %s[,%s]", h, strings.Join(adminCSVRequired, ","), strings.Join(adminCSVOptional, ","))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("line 1: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, h := range adminCSVRequired {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("line 1: the header lacks column %q; it is %s[,%s]", h, strings.Join(adminCSVRequired, ","), strings.Join(adminCSVOptional, ","))
		}
	}
	return col, nil
}

// adminCSVNumber validates one record and returns its inventory number, or what
// is wrong with it.
func adminCSVNumber(rec []string, col map[string]int, now time.Time) (platform.Number, string) {
	get := func(name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	e164 := get("e164")
	npa, nxx, problem := adminNANP(e164)
	if problem != "" {
		return platform.Number{}, problem
	}
	loc := adminLocation{city: get("city"), state: get("state"), zip: get("zip_code"), rateCenter: get("rate_center")}
	if problem := loc.check(true); problem != "" {
		return platform.Number{}, problem
	}
	enabled := map[string]bool{}
	for _, name := range adminCSVOptional {
		v, ok := adminCSVBool(get(name))
		if !ok {
			return platform.Number{}, fmt.Sprintf("%s %q must be true or false", name, get(name))
		}
		enabled[name] = v
	}
	return platform.Number{
		ID: platform.NewID(platform.PrefixNumber), E164: e164, Status: redcloud.StatusActive,
		SMSEnabled: enabled["sms_enabled"], MMSEnabled: enabled["mms_enabled"], NPA: npa, NXX: nxx,
		City: loc.city, State: loc.state, ZipCode: loc.zip, RateCenter: loc.rateCenter, CreatedAt: now,
	}, ""
}

// adminCSVBool parses a CSV boolean; empty means true (the default).
func adminCSVBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "", "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}
