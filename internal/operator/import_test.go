package operator_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
)

func TestReadInventory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		csv      string
		rows     []string // E.164 of the good rows
		problems []operator.RowProblem
		err      string // a header error
	}{
		{name: "good", csv: "e164,city,state,zip_code,rate_center,sms_enabled,mms_enabled\n+15125550100,Austin,TX,78701,AUSTIN,true,no\n+12065550100,\"Seattle\",wa,98101,SEATTLE,,\n",
			rows: []string{"+15125550100", "+12065550100"}},
		{name: "columns in any order, BOM, case", csv: "\ufeffCity, E164 ,rate_center,state,zip_code\nDenver,+13035550100,DENVER,CO,80202\n", rows: []string{"+13035550100"}},
		{name: "only a header", csv: "e164,city,state,zip_code,rate_center\n"},
		{name: "every bad row", csv: "e164,city,state,zip_code,rate_center,sms_enabled\n" +
			"+15125550100,Austin,TX,78701,AUSTIN,yes\n" +
			"+15125550100,Austin,TX,78701,AUSTIN,yes\n" +
			"+15125550103,Austin,Texas,78701,AUSTIN,no\n" +
			"+15125550104,Austin,TX,787,AUSTIN,no\n" +
			"+15125550105,,TX,78701,AUSTIN,no\n" +
			"+15125550106,Austin,TX,78701,AUSTIN,sometimes\n" +
			"+15125550107,Austin,TX\n" +
			"+4420718387,London,LN,00000,LONDON,no\n",
			rows: []string{"+15125550100"},
			problems: []operator.RowProblem{
				{3, "number +15125550100 is also on line 2"},
				{4, `state "TEXAS" must be two letters`},
				{5, `zip code "787" must be five digits`},
				{6, "city is required"},
				{7, `sms_enabled "sometimes" must be true or false`},
				{8, "3 fields, the header has 6"},
				{9, "+4420718387 is not a +1 (NANP) number: the number inventory holds only +1 numbers (search works on their area code and exchange)"},
			}},
		{name: "not CSV", csv: "e164,city,state,zip_code,rate_center\n+15125550100,Austin,TX,78701,AUSTIN\n\"+15125550101,Austin\"x,TX\n+15125550102,Austin,TX,78701,AUSTIN\n",
			rows: []string{"+15125550100"}, problems: []operator.RowProblem{{3, `unreadable CSV: extraneous or missing " in quoted-field; the rest of the file was not checked`}}},
		{name: "empty file", csv: "", err: "empty file: the first row must be the header e164,city,state,zip_code,rate_center[,sms_enabled,mms_enabled]"},
		{name: "unknown column", csv: "phone,city\n", err: `line 1: unknown column "phone"`},
		{name: "column twice", csv: "e164,city,city\n", err: `line 1: column "city" appears twice`},
		{name: "column missing", csv: "e164,city,state,zip_code\n", err: `line 1: the header lacks column "rate_center"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inv, err := operator.ReadInventory(strings.NewReader(tc.csv))
			if tc.err != "" {
				wantError(t, err, redcloud.CodeInvalidRequest, "file", tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, r := range inv.Rows {
				rows = append(rows, r.Number.E164)
				if r.Number.Status != redcloud.StatusActive || r.Number.APIClientID != "" || r.Number.NPA != r.Number.E164[2:5] {
					t.Errorf("row %d: %+v", r.Line, r.Number)
				}
			}
			if !reflect.DeepEqual(rows, tc.rows) || !reflect.DeepEqual(inv.Problems, tc.problems) {
				t.Errorf("rows %v, problems %+v;\nwant %v, %+v", rows, inv.Problems, tc.rows, tc.problems)
			}
			if (len(tc.rows) == 0 && len(tc.problems) == 0) != (inv.Validate() != nil) {
				t.Errorf("Validate = %v", inv.Validate())
			}
		})
	}
}

func TestImportInventory(t *testing.T) {
	t.Parallel()
	read := func(t *testing.T, csv string) operator.Inventory {
		t.Helper()
		inv, err := operator.ReadInventory(strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	forEachDB(t, func(t *testing.T, e *env) {
		ns, err := e.op.ImportInventory(e.ctx, read(t, "e164,city,state,zip_code,rate_center,mms_enabled\n+15125550100,Austin,tx,78701,AUSTIN,false\n+12065550100,Seattle,WA,98101,SEATTLE,\n"))
		if err != nil || len(ns) != 2 {
			t.Fatalf("ImportInventory = %+v, %v", ns, err)
		}
		if ns[0].ID == "" || ns[0].ID == ns[1].ID || !ns[0].CreatedAt.Equal(t0) || ns[0].State != "TX" || ns[0].MMSEnabled || !ns[1].MMSEnabled {
			t.Errorf("imported %+v", ns)
		}
		inventory, _ := e.op.ListInventory(e.ctx)
		if len(inventory) != 2 {
			t.Errorf("%d numbers in the inventory, want 2", len(inventory))
		}

		// A number already stored is a bad row too; nothing is imported.
		_, err = e.op.ImportInventory(e.ctx, read(t, "city,e164,rate_center,state,zip_code\nDenver,+13035550100,DENVER,CO,80202\nAustin,+15125550100,AUSTIN,TX,78701\nX,+1303,X,CO,80202\n"))
		var ie *operator.ImportError
		if !errors.As(err, &ie) || len(ie.Problems) != 2 || ie.Problems[0].Line != 3 || ie.Problems[1].Line != 4 ||
			ie.Problems[0].Message != "number +15125550100 already exists ("+ns[0].ID+")" {
			t.Fatalf("ImportInventory with a duplicate = %v", err)
		}
		if want := "2 bad rows, nothing imported:\n  line 3: number +15125550100 already exists (" + ns[0].ID + ")\n  line 4: "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %q, want it to start %q", err, want)
		}
		if all, _ := e.op.ListNumbers(e.ctx, ""); len(all) != 2 {
			t.Errorf("a refused import stored numbers: %d", len(all))
		}
		_, err = e.op.ImportInventory(e.ctx, read(t, "e164,city,state,zip_code,rate_center\n"))
		wantError(t, err, redcloud.CodeInvalidRequest, "file", "no numbers to import (only a header)")
	})
}
