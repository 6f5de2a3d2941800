package operator

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// Inventory CSV columns: the required ones, then the optional ones.
var (
	csvRequired = []string{"e164", "city", "state", "zip_code", "rate_center"}
	csvOptional = []string{"sms_enabled", "mms_enabled"}
	csvHeader   = strings.Join(csvRequired, ",") + "[," + strings.Join(csvOptional, ",") + "]"
)

// Inventory is a read inventory CSV: the numbers of its good rows and what
// is wrong with the others.
type Inventory struct {
	Rows     []InventoryRow
	Problems []RowProblem
}

// Validate reports a file without rows, good or bad, without the database.
func (inv Inventory) Validate() error {
	if len(inv.Rows) == 0 && len(inv.Problems) == 0 {
		return invalid("file", "no numbers to import (only a header)")
	}
	return nil
}

// InventoryRow is one good row of an inventory CSV: an ACTIVE inventory
// number without its id and creation time, which the import gives it.
type InventoryRow struct {
	Line   int
	Number platform.Number
}

// RowProblem is what is wrong with one line of an inventory CSV.
type RowProblem struct {
	Line    int
	Message string
}

// ImportError reports every bad row of an inventory CSV; nothing was
// imported.
type ImportError struct {
	Problems []RowProblem
}

// Error lists every bad row, one line each.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad row%s, nothing imported:", len(e.Problems), plural(len(e.Problems)))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  line %d: %s", p.Line, p.Message)
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// ReadInventory reads an inventory CSV. The first row is the header,
//
//	e164,city,state,zip_code,rate_center[,sms_enabled,mms_enabled]
//
// with the columns in any order; e164 is a +1 (NANP) number, state two
// letters, zip_code five digits, sms_enabled and mms_enabled true/false
// (empty: true). A bad header or an empty file is an INVALID_REQUEST error;
// bad rows are returned as problems, every one of them (after a line that is
// not CSV at all, the rest is not read).
func ReadInventory(r io.Reader) (Inventory, error) {
	var inv Inventory
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, to report every bad row
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return inv, invalid("file", "empty file: the first row must be the header %s", csvHeader)
	}
	if err != nil {
		return inv, csvError(err)
	}
	col, err := csvColumns(header)
	if err != nil {
		return inv, err
	}
	seen := map[string]int{} // e164 → line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return inv, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				inv.Problems = append(inv.Problems, RowProblem{pe.StartLine, "unreadable CSV: " + pe.Err.Error() + "; the rest of the file was not checked"})
				return inv, nil
			}
			return Inventory{}, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			inv.Problems = append(inv.Problems, RowProblem{line, fmt.Sprintf("%d field%s, the header has %d", len(rec), plural(len(rec)), len(header))})
			continue
		}
		n, problem := csvNumber(rec, col)
		if problem == "" {
			if first, dup := seen[n.E164]; dup {
				problem = fmt.Sprintf("number %s is also on line %d", n.E164, first)
			} else {
				seen[n.E164] = line
			}
		}
		if problem != "" {
			inv.Problems = append(inv.Problems, RowProblem{line, problem})
			continue
		}
		inv.Rows = append(inv.Rows, InventoryRow{line, n})
	}
}

// csvError reports a header that is not CSV.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return invalid("file", "%s", err)
	}
	return err
}

// csvColumns maps the header's column names to their indexes.
func csvColumns(header []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(csvRequired, h) && !slices.Contains(csvOptional, h) {
			return nil, invalid("file", "line 1: unknown column %q; the header is %s", h, csvHeader)
		}
		if _, dup := col[h]; dup {
			return nil, invalid("file", "line 1: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, h := range csvRequired {
		if _, ok := col[h]; !ok {
			return nil, invalid("file", "line 1: the header lacks column %q; it is %s", h, csvHeader)
		}
	}
	return col, nil
}

// csvNumber validates one record and returns its inventory number, or what
// is wrong with it.
func csvNumber(rec []string, col map[string]int) (platform.Number, string) {
	get := func(name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	e164 := get("e164")
	npa, nxx, problem := platform.CheckNANP(e164)
	if problem != "" {
		return platform.Number{}, problem
	}
	loc, perr := platform.Location{City: get("city"), State: get("state"), ZipCode: get("zip_code"), RateCenter: get("rate_center")}.Check(true)
	if perr != nil {
		return platform.Number{}, perr.Message
	}
	enabled := map[string]bool{}
	for _, name := range csvOptional {
		v, ok := csvBool(get(name))
		if !ok {
			return platform.Number{}, fmt.Sprintf("%s %q must be true or false", name, get(name))
		}
		enabled[name] = v
	}
	return platform.Number{
		E164: e164, Status: redcloud.StatusActive,
		SMSEnabled: enabled["sms_enabled"], MMSEnabled: enabled["mms_enabled"], NPA: npa, NXX: nxx,
		City: loc.City, State: loc.State, ZipCode: loc.ZipCode, RateCenter: loc.RateCenter,
	}, ""
}

// csvBool parses a CSV boolean; empty means true (the default).
func csvBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "", "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}

// ImportInventory adds the numbers of a read inventory CSV to the inventory
// in one transaction, all or none. Rows are checked against the numbers
// already stored too: when any row is bad, the error is an *ImportError
// listing every bad row by line, and nothing is imported. A file without
// rows is an INVALID_REQUEST error.
func (o *Operator) ImportInventory(ctx context.Context, inv Inventory) ([]platform.Number, error) {
	if err := inv.Validate(); err != nil {
		return nil, err
	}
	problems := slices.Clone(inv.Problems)
	for _, r := range inv.Rows {
		old, err := o.db.GetNumberByE164(ctx, r.Number.E164)
		switch {
		case err == nil:
			problems = append(problems, RowProblem{r.Line, fmt.Sprintf("number %s already exists (%s)", r.Number.E164, old.ID)})
		case !errors.Is(err, platform.ErrNotFound):
			return nil, err
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(x, y RowProblem) int { return x.Line - y.Line })
		return nil, &ImportError{Problems: problems}
	}
	now := o.now()
	ns := make([]platform.Number, len(inv.Rows))
	for i, r := range inv.Rows {
		ns[i] = r.Number
		ns[i].ID, ns[i].CreatedAt = platform.NewID(platform.PrefixNumber), now
	}
	if err := o.db.InsertNumbers(ctx, ns); err != nil {
		if errors.Is(err, platform.ErrConflict) {
			return nil, conflict("", "nothing imported: %v (a number was added while importing; run the import again)", err)
		}
		return nil, fmt.Errorf("nothing imported: %w", err)
	}
	e164s := make([]string, len(ns))
	for i, n := range ns {
		e164s[i] = n.E164
	}
	return ns, o.record(ctx, ActionNumberImport, "inventory", nil, map[string]any{"count": len(ns), "e164": e164s})
}
