package admin_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// testAdminNumberMPS: number set --mps sets a rate, --mps 0 unlimited,
// --clear-mps the server's default again; bad rates change nothing.
func testAdminNumberMPS(t *testing.T, c *adminCLI) {
	c.ok(t, "admin", "number", "add", "--e164", "+15125550100", "--id", "num_a")
	type number struct {
		NumberID string
		MPS      *float64 `json:"mps"`
	}
	mps := func() *float64 {
		t.Helper()
		return c.numbers(t)["+15125550100"].MPS
	}
	if n := adminOKJSON[map[string]any](t, c, "admin", "number", "set", "num_a", "--sms=true"); n["mps"] != nil {
		t.Errorf("a number without a rate shows mps %v, want null", n["mps"])
	} else if _, ok := n["mps"]; !ok {
		t.Error("number JSON lacks mps")
	}
	if n := adminOKJSON[number](t, c, "admin", "number", "set", "num_a", "--mps", "1.5"); n.MPS == nil || *n.MPS != 1.5 {
		t.Errorf("--mps 1.5 printed %v", n.MPS)
	}
	if m := mps(); m == nil || *m != 1.5 {
		t.Errorf("stored mps %v, want 1.5", m)
	}
	if out := c.ok(t, "admin", "number", "set", "+15125550100", "--mps", "0"); !strings.Contains(out, "MPS") || !strings.Contains(out, "unlimited") {
		t.Errorf("--mps 0 printed %q, want the rate unlimited", out)
	}
	if m := mps(); m == nil || *m != 0 {
		t.Errorf("stored mps %v after --mps 0, want 0 (unlimited, not the default)", m)
	}
	c.ok(t, "admin", "number", "set", "num_a", "--mps", "2")
	if out := c.ok(t, "admin", "number", "list"); !strings.Contains(out, "2/s") {
		t.Errorf("number list does not show the rate:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--mps", "-1"}, "--mps -1: want segments per second, at least 0.001, or 0 for unlimited"},
		{[]string{"--mps", "0.0005"}, "--mps 0.0005"},
		{[]string{"--mps", "NaN"}, "--mps NaN"},
		{[]string{"--mps", "+Inf"}, "--mps +Inf"},
		{[]string{"--mps", "fast"}, `invalid argument "fast" for "--mps"`},
		{[]string{"--mps", "1", "--clear-mps"}, "--mps and --clear-mps conflict"},
		{[]string{"--mps", "-1", "--sms=false"}, "--mps -1"},
	} {
		c.fails(t, 2, tc.want, append([]string{"admin", "number", "set", "num_a"}, tc.args...)...)
	}
	c.fails(t, 1, "number num_nope not found", "admin", "number", "set", "num_nope", "--mps", "1")
	if n := c.numbers(t)["+15125550100"]; n.MPS == nil || *n.MPS != 2 || !n.SMSEnabled {
		t.Errorf("refused commands changed the number: mps %v, sms %v", n.MPS, n.SMSEnabled)
	}
	c.ok(t, "admin", "number", "set", "num_a", "--clear-mps")
	if m := mps(); m != nil {
		t.Errorf("stored mps %v after --clear-mps, want none", *m)
	}
	if out := c.ok(t, "admin", "number", "list"); !strings.Contains(out, "default") {
		t.Errorf("number list does not show the default rate:\n%s", out)
	}
}

// campaignOut is campaign set's and show's --json output.
type campaignOut struct {
	CampaignID string `json:"campaignId"`
	SMSTPM     *int64 `json:"smsTpm"`
	MMSTPM     *int64 `json:"mmsTpm"`
	DailyCap   *int64 `json:"dailyCap"`
	Numbers    []struct {
		NumberID string   `json:"numberId"`
		MPS      *float64 `json:"mps"`
	} `json:"numbers"`
}

// limits are the campaign's limits, 0 for none.
func (c campaignOut) limits() [3]int64 {
	v := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	return [3]int64{v(c.SMSTPM), v(c.MMSTPM), v(c.DailyCap)}
}

// testAdminCampaign: campaign set changes only the limits given, show finds
// a campaign by its limits or its numbers, list shows both; bad input
// changes nothing.
func testAdminCampaign(t *testing.T, c *adminCLI) {
	c.ok(t, "admin", "number", "add", "--e164", "+15125550100", "--id", "num_a", "--campaign", "C7X9Q2")
	c.ok(t, "admin", "number", "add", "--e164", "+15125550101", "--id", "num_b", "--campaign", "C7X9Q2")
	c.ok(t, "admin", "number", "add", "--e164", "+15125550102", "--id", "num_c", "--campaign", "OTHER")
	c.ok(t, "admin", "number", "set", "num_b", "--mps", "1")

	// Numbers name it, no limits yet: shown with none.
	out := c.ok(t, "admin", "campaign", "show", "C7X9Q2")
	for _, want := range []string{"no limit", "num_a", "num_b", "default", "1/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("campaign show lacks %q:\n%s", want, out)
		}
	}
	c.fails(t, 1, "campaign NOPE not found", "admin", "campaign", "show", "NOPE")

	fromJSON := func(args ...string) campaignOut {
		t.Helper()
		out := c.ok(t, append(args, "--json")...)
		var o map[string]any
		var j campaignOut
		if err := json.Unmarshal([]byte(out), &o); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		for _, k := range []string{"smsTpm", "mmsTpm", "dailyCap", "numbers"} {
			if _, ok := o[k]; !ok {
				t.Errorf("%q: JSON lacks %s: %s", args, k, out)
			}
		}
		return j
	}
	if got := fromJSON("admin", "campaign", "set", "C7X9Q2", "--sms-tpm", "240"); got.limits() != [3]int64{240, 0, 0} || len(got.Numbers) != 2 {
		t.Errorf("set --sms-tpm: %+v", got)
	}
	if got := fromJSON("admin", "campaign", "set", "C7X9Q2", "--mms-tpm", "50", "--daily-cap", "2000"); got.limits() != [3]int64{240, 50, 2000} {
		t.Errorf("set --mms-tpm --daily-cap: %+v (the SMS limit must stay)", got)
	}
	got := fromJSON("admin", "campaign", "show", "C7X9Q2")
	if got.CampaignID != "C7X9Q2" || got.limits() != [3]int64{240, 50, 2000} || len(got.Numbers) != 2 ||
		got.Numbers[0].NumberID != "num_a" || got.Numbers[0].MPS != nil || got.Numbers[1].MPS == nil || *got.Numbers[1].MPS != 1 {
		t.Errorf("show --json: %+v", got)
	}
	out = c.ok(t, "admin", "campaign", "set", "C7X9Q2", "--daily-cap", "0")
	if !strings.Contains(out, "240 segments per minute") || !strings.Contains(out, "no limit") {
		t.Errorf("set --daily-cap 0 printed:\n%s", out)
	}
	c.ok(t, "admin", "campaign", "set", "LATER", "--sms-tpm", "60")

	want := platform.Campaign{ID: "C7X9Q2", SMSTPM: 240, MMSTPM: 50}
	stored := func() platform.Campaign {
		t.Helper()
		got, err := c.open(t).GetCampaign(context.Background(), "C7X9Q2")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := stored(); got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "nothing to change: give --sms-tpm, --mms-tpm or --daily-cap"},
		{[]string{"--json"}, "nothing to change"},
		{[]string{"--sms-tpm", "-1"}, "--sms-tpm -1: want SMS segments per minute, or 0 to remove the limit"},
		{[]string{"--sms-tpm", "1", "--mms-tpm", "-5"}, "--mms-tpm -5"},
		{[]string{"--daily-cap", "-2"}, "--daily-cap -2"},
		{[]string{"--sms-tpm", "many"}, `invalid argument "many" for "--sms-tpm"`},
		{[]string{"--daily-cap", "1.5"}, `invalid argument "1.5" for "--daily-cap"`},
	} {
		c.fails(t, 2, tc.want, append([]string{"admin", "campaign", "set", "C7X9Q2"}, tc.args...)...)
	}
	c.fails(t, 2, "usage: redcloud admin campaign set CAMPAIGN_ID", "admin", "campaign", "set", "--sms-tpm", "1")
	c.fails(t, 2, "without surrounding spaces", "admin", "campaign", "set", " C7X9Q2", "--sms-tpm", "1")
	if got := stored(); got != want {
		t.Errorf("refused commands changed the campaign: %+v", got)
	}

	type listed struct {
		CampaignID  string `json:"campaignId"`
		SMSTPM      *int64 `json:"smsTpm"`
		NumberCount int    `json:"numberCount"`
	}
	list := adminOKJSON[[]listed](t, c, "admin", "campaign", "list")
	var ids []string
	counts := map[string]int{}
	for _, l := range list {
		ids = append(ids, l.CampaignID)
		counts[l.CampaignID] = l.NumberCount
	}
	if !reflect.DeepEqual(ids, []string{"C7X9Q2", "LATER", "OTHER"}) || counts["C7X9Q2"] != 2 || counts["OTHER"] != 1 ||
		list[0].SMSTPM == nil || *list[0].SMSTPM != 240 || list[2].SMSTPM != nil {
		t.Errorf("campaign list --json: %+v", list)
	}
	out = c.ok(t, "admin", "campaign", "list")
	if !strings.Contains(out, "CAMPAIGN") || !strings.Contains(out, "LATER") || !strings.Contains(out, "OTHER") {
		t.Errorf("campaign list:\n%s", out)
	}
}
