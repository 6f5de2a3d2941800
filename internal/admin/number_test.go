package admin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// numbers reads every number from the database, by E.164.
func (c *adminCLI) numbers(t *testing.T) map[string]platform.Number {
	t.Helper()
	db, err := store.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ns, err := db.ListNumbers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]platform.Number{}
	for _, n := range ns {
		out[n.E164] = n
	}
	return out
}

// writeAdminCSV writes a CSV file into the test's temporary directory.
func writeAdminCSV(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "inventory.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testAdminNumberAddAndSet(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	type number struct {
		NumberID, E164, Status         string
		APIClientID, CampaignRegID     *string
		SMSEnabled, MMSEnabled         bool
		NPA, NXX, City, State, ZipCode string
		RateCenter                     string
	}
	n := adminOKJSON[number](t, c, "admin", "number", "add", "--e164", "+15125550100", "--city", "Austin", "--state", "tx",
		"--zip", "78701", "--rate-center", "AUSTIN", "--mms=false")
	if !strings.HasPrefix(n.NumberID, platform.PrefixNumber) || n.APIClientID != nil || n.NPA != "512" || n.NXX != "555" ||
		n.State != "TX" || n.Status != redcloud.StatusActive || !n.SMSEnabled || n.MMSEnabled {
		t.Errorf("number add printed %+v", n)
	}
	stored := c.numbers(t)["+15125550100"]
	if stored.ID != n.NumberID || stored.APIClientID != "" || stored.City != "Austin" || stored.ZipCode != "78701" || stored.MMSEnabled {
		t.Errorf("stored %+v", stored)
	}
	out := strings.TrimSpace(c.ok(t, "admin", "number", "add", "--e164", "+15125550101", "--id", "num_owned",
		"--client", cl.APIClientID, "--campaign", "C1", "--status", "suspended"))
	if out != "num_owned" {
		t.Errorf("number add printed %q, want the id", out)
	}
	if s := c.numbers(t)["+15125550101"]; s.APIClientID != cl.APIClientID || s.CampaignRegID == nil || *s.CampaignRegID != "C1" || s.Status != redcloud.StatusSuspended {
		t.Errorf("stored %+v", s)
	}

	c.fails(t, 1, "number +15125550100 already exists", "admin", "number", "add", "--e164", "+15125550100")
	c.fails(t, 1, "number id num_owned already exists", "admin", "number", "add", "--e164", "+15125550199", "--id", "num_owned")
	c.fails(t, 1, "api client rc_x not found", "admin", "number", "add", "--e164", "+15125550198", "--client", "rc_x")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--e164 is required"},
		{[]string{"--e164", "5125550100"}, "is not an E.164 number"},
		{[]string{"--e164", "+1512555abcd"}, "is not an E.164 number"},
		{[]string{"--e164", "+442071838750"}, "+1 (NANP)"},
		{[]string{"--e164", "+151255501"}, "exactly 10 digits"},
		{[]string{"--e164", "+11125550100"}, "area code (NPA) 112"},
		{[]string{"--e164", "+15121550100"}, "exchange (NXX) 155"},
		{[]string{"--e164", "+15125550150", "--state", "Texas"}, "two letters"},
		{[]string{"--e164", "+15125550150", "--zip", "7870"}, "five digits"},
		{[]string{"--e164", "+15125550150", "--status", "DISABLED"}, "ACTIVE or SUSPENDED"},
		{[]string{"--e164", "+15125550150", "--campaign", ""}, "1-64 characters"},
		{[]string{"--e164", "+15125550150", "--id", "number_1"}, "num_ followed by"},
		{[]string{"--e164", "+15125550150", "--sms=perhaps"}, "invalid argument"},
	} {
		c.fails(t, 2, tc.want, append([]string{"admin", "number", "add"}, tc.args...)...)
	}
	if got := len(c.numbers(t)); got != 2 {
		t.Errorf("%d numbers stored after the rejected adds, want 2", got)
	}

	c.ok(t, "admin", "number", "set", n.NumberID, "--status", "SUSPENDED", "--campaign", "CAMP9", "--sms=false", "--mms=true")
	s := c.numbers(t)["+15125550100"]
	if s.Status != redcloud.StatusSuspended || s.CampaignRegID == nil || *s.CampaignRegID != "CAMP9" || s.SMSEnabled || !s.MMSEnabled {
		t.Errorf("after set: %+v", s)
	}
	c.ok(t, "admin", "number", "set", "+15125550100", "--clear-campaign", "--status", "active")
	if s := c.numbers(t)["+15125550100"]; s.CampaignRegID != nil || s.Status != redcloud.StatusActive || s.SMSEnabled {
		t.Errorf("after --clear-campaign: %+v", s)
	}
	c.fails(t, 2, "nothing to change", "admin", "number", "set", n.NumberID)
	c.fails(t, 2, "conflict", "admin", "number", "set", n.NumberID, "--campaign", "X", "--clear-campaign")
	c.fails(t, 2, "ACTIVE or SUSPENDED", "admin", "number", "set", n.NumberID, "--status", "gone")
	c.fails(t, 1, "number num_nope not found", "admin", "number", "set", "num_nope", "--sms=false")
}

func testAdminNumberImport(t *testing.T, c *adminCLI) {
	good := writeAdminCSV(t,
		"e164,city,state,zip_code,rate_center,sms_enabled,mms_enabled",
		"+15125550100,Austin,TX,78701,AUSTIN,true,true",
		"+15125550101,Austin,tx,78701,AUSTIN,true,false",
		`+12065550100,"Seattle",WA,98101,SEATTLE,,`,
	)
	r := c.run(t, "admin", "number", "import", good)
	if r.code != 0 || !strings.Contains(r.stdout, "imported 3 numbers") {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ns := c.numbers(t)
	if len(ns) != 3 {
		t.Fatalf("%d numbers stored, want 3", len(ns))
	}
	if n := ns["+15125550101"]; n.NPA != "512" || n.NXX != "555" || n.State != "TX" || n.ZipCode != "78701" ||
		n.RateCenter != "AUSTIN" || !n.SMSEnabled || n.MMSEnabled || n.APIClientID != "" || n.Status != redcloud.StatusActive {
		t.Errorf("stored %+v", n)
	}
	if n := ns["+12065550100"]; n.City != "Seattle" || !n.SMSEnabled || !n.MMSEnabled {
		t.Errorf("empty sms/mms cells did not default to true: %+v", n)
	}

	// Columns in another order, without the optional ones; one row repeats
	// a number already stored: nothing is imported, exit 1.
	again := writeAdminCSV(t,
		"city,e164,rate_center,state,zip_code",
		"Denver,+13035550100,DENVER,CO,80202",
		"Austin,+15125550100,AUSTIN,TX,78701",
	)
	c.fails(t, 1, "line 3: number +15125550100 already exists", "admin", "number", "import", again)
	if len(c.numbers(t)) != 3 {
		t.Error("a failed import inserted numbers")
	}
	avail := adminOKJSON[[]struct{ E164 string }](t, c, "admin", "number", "list", "--available")
	if len(avail) != 3 {
		t.Errorf("number list --available shows %d numbers, want 3", len(avail))
	}
}

func testAdminNumberImportBadRow(t *testing.T, c *adminCLI) {
	c.ok(t, "admin", "account", "create", "--name", "Acme")
	bad := writeAdminCSV(t,
		"e164,city,state,zip_code,rate_center",
		"+15125550100,Austin,TX,78701,AUSTIN",
		"+15125550101,Austin,TX,78701,AUSTIN",
		"+4420718387,London,LN,00000,LONDON",
		"+15125550102,Austin,TX,78701,AUSTIN",
	)
	r := c.fails(t, 2, "line 4: ", "admin", "number", "import", bad)
	if !strings.Contains(r.stderr, "+1 (NANP)") || !strings.Contains(r.stderr, "nothing imported") {
		t.Errorf("the error does not explain the bad row: %q", r.stderr)
	}
	if strings.Contains(r.stderr, "line 2") || strings.Contains(r.stderr, "line 3") || strings.Contains(r.stderr, "line 5") {
		t.Errorf("good rows reported as bad: %q", r.stderr)
	}
	if n := len(c.numbers(t)); n != 0 {
		t.Errorf("%d numbers inserted from a file with a bad row", n)
	}

	// Every bad row is reported, each with its line.
	many := writeAdminCSV(t,
		"e164,city,state,zip_code,rate_center,sms_enabled",
		"+15125550100,Austin,TX,78701,AUSTIN,yes",
		"+15125550100,Austin,TX,78701,AUSTIN,yes",
		"+15125550103,Austin,Texas,78701,AUSTIN,no",
		"+15125550104,Austin,TX,787,AUSTIN,no",
		"+15125550105,,TX,78701,AUSTIN,no",
		"+15125550106,Austin,TX,78701,AUSTIN,sometimes",
		"+15125550107,Austin,TX",
	)
	r = c.fails(t, 2, "6 bad rows", "admin", "number", "import", many)
	for _, want := range []string{"line 3: number +15125550100 is also on line 2", "line 4: ", "line 5: ", "line 6: city is required",
		`line 7: sms_enabled "sometimes"`, "line 8: 3 fields"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the error lacks %q:\n%s", want, r.stderr)
		}
	}
	c.fails(t, 2, `unknown column "phone"`, "admin", "number", "import", writeAdminCSV(t, "phone,city", "+15125550100,Austin"))
	c.fails(t, 2, `lacks column "rate_center"`, "admin", "number", "import", writeAdminCSV(t, "e164,city,state,zip_code", "+15125550100,Austin,TX,78701"))
	c.fails(t, 2, "no numbers to import", "admin", "number", "import", writeAdminCSV(t, "e164,city,state,zip_code,rate_center"))
	c.fails(t, 2, "no such file", "admin", "number", "import", filepath.Join(t.TempDir(), "missing.csv"))
	if n := len(c.numbers(t)); n != 0 {
		t.Errorf("%d numbers inserted by rejected imports", n)
	}
}

func testAdminNumberAssign(t *testing.T, c *adminCLI) {
	a := c.newClient(t)
	b := adminOKJSON[adminCreated](t, c, "admin", "client", "create", "--account", a.AccountID, "--name", "Other", "--id", "other_client")
	id := strings.TrimSpace(c.ok(t, "admin", "number", "add", "--e164", "+15125550100", "--campaign", "C1"))
	owner := func() string { t.Helper(); return c.numbers(t)["+15125550100"].APIClientID }

	c.ok(t, "admin", "number", "assign", id, "--client", a.APIClientID)
	if o := owner(); o != a.APIClientID {
		t.Fatalf("after assign the owner is %q", o)
	}
	mine := adminOKJSON[[]struct{ NumberID string }](t, c, "admin", "number", "list", "--client", a.APIClientID)
	if len(mine) != 1 || mine[0].NumberID != id {
		t.Errorf("number list --client = %+v", mine)
	}
	if avail := adminOKJSON[[]struct{ NumberID string }](t, c, "admin", "number", "list", "--available"); len(avail) != 0 {
		t.Errorf("an assigned number is listed as available: %+v", avail)
	}
	c.fails(t, 1, "is assigned to api client "+a.APIClientID, "admin", "number", "assign", id, "--client", b.APIClientID)
	if o := owner(); o != a.APIClientID {
		t.Errorf("a refused assign moved the number to %q", o)
	}
	if out := c.ok(t, "admin", "number", "assign", "+15125550100", "--client", a.APIClientID); !strings.Contains(out, "already assigned") {
		t.Errorf("assigning to the owner again says %q", out)
	}

	// Overrides set by the owner are cleared on unassign.
	db := c.open(t)
	del := "https://hooks.example.com/d"
	dp := &del
	if _, err := db.UpdateNumber(context.Background(), a.APIClientID, id, platform.NumberUpdateInput{WebhookDeliveryOverride: &dp}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	c.ok(t, "admin", "number", "unassign", id)
	if n := c.numbers(t)["+15125550100"]; n.APIClientID != "" || n.WebhookDeliveryOverride != nil || n.CampaignRegID == nil {
		t.Errorf("after unassign: %+v", n)
	}
	if out := c.ok(t, "admin", "number", "unassign", id); !strings.Contains(out, "not assigned") {
		t.Errorf("unassigning twice says %q", out)
	}
	c.ok(t, "admin", "number", "assign", "+15125550100", "--client", b.APIClientID)
	if o := owner(); o != b.APIClientID {
		t.Errorf("after assign by E.164 the owner is %q", o)
	}

	c.fails(t, 2, "--client is required", "admin", "number", "assign", id)
	c.fails(t, 1, "number num_nope not found", "admin", "number", "assign", "num_nope", "--client", a.APIClientID)
	c.fails(t, 1, "api client rc_nope not found", "admin", "number", "assign", id, "--client", "rc_nope")
	c.fails(t, 2, "--client and --available conflict", "admin", "number", "list", "--client", a.APIClientID, "--available")
	if out := c.ok(t, "admin", "number", "list"); !strings.Contains(out, "E164") || !strings.Contains(out, b.APIClientID) {
		t.Errorf("number list:\n%s", out)
	}
}
