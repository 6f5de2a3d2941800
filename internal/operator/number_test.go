package operator_test

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestNumberInputValidate(t *testing.T) {
	t.Parallel()
	ok := operator.NumberInput{E164: "+15125550150", Status: "ACTIVE"}
	with := func(f func(*operator.NumberInput)) operator.NumberInput { in := ok; f(&in); return in }
	for _, tc := range []struct {
		name       string
		in         operator.NumberInput
		field, msg string // "" when valid
	}{
		{"valid", ok, "", ""},
		{"everything", with(func(in *operator.NumberInput) {
			in.ID, in.Status, in.CampaignRegID = "num_a-1", "suspended", ptr("C1")
			in.Location = platform.Location{City: " Austin ", State: "tx", ZipCode: "78701", RateCenter: "AUSTIN"}
		}), "", ""},
		{"no number", with(func(in *operator.NumberInput) { in.E164 = "" }), "e164", "e164 is required"},
		{"not E.164", with(func(in *operator.NumberInput) { in.E164 = "5125550100" }), "e164", `e164 "5125550100" is not an E.164 number`},
		{"letters", with(func(in *operator.NumberInput) { in.E164 = "+1512555abcd" }), "e164", "is not an E.164 number"},
		{"not NANP", with(func(in *operator.NumberInput) { in.E164 = "+442071838750" }), "e164", "e164 +442071838750 is not a +1 (NANP) number"},
		{"short", with(func(in *operator.NumberInput) { in.E164 = "+151255501" }), "e164", "exactly 10 digits"},
		{"area code", with(func(in *operator.NumberInput) { in.E164 = "+11125550100" }), "e164", "area code (NPA) 112 must start with 2-9"},
		{"exchange", with(func(in *operator.NumberInput) { in.E164 = "+15121550100" }), "e164", "exchange (NXX) 155 must start with 2-9"},
		{"id", with(func(in *operator.NumberInput) { in.ID = "number_1" }), "id", `id "number_1": must be num_ followed by`},
		{"state", with(func(in *operator.NumberInput) { in.Location.State = "Texas" }), "state", `state "TEXAS" must be two letters`},
		{"zip", with(func(in *operator.NumberInput) { in.Location.ZipCode = "7870" }), "zipCode", `zip code "7870" must be five digits`},
		{"status", with(func(in *operator.NumberInput) { in.Status = "DISABLED" }), "status", `status "DISABLED": a status is ACTIVE or SUSPENDED`},
		{"no status", with(func(in *operator.NumberInput) { in.Status = "" }), "status", "a status is ACTIVE or SUSPENDED"},
		{"empty campaign", with(func(in *operator.NumberInput) { in.CampaignRegID = ptr("") }), "campaignRegId", `campaignRegId "": a campaign id is 1-64 characters without surrounding spaces`},
		{"spaced campaign", with(func(in *operator.NumberInput) { in.CampaignRegID = ptr(" C1") }), "campaignRegId", "without surrounding spaces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.in.Validate()
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.msg)
		})
	}
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		a, b := e.client(t, "client_a"), e.client(t, "client_b")
		n, err := e.op.AddNumber(e.ctx, operator.NumberInput{E164: "+15125550100", Status: "active", SMSEnabled: true,
			Location: platform.Location{City: " Austin", State: "tx", ZipCode: "78701", RateCenter: "AUSTIN "}})
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^num_[0-9a-z]{26}$`).MatchString(n.ID) || n.NPA != "512" || n.NXX != "555" || n.Status != redcloud.StatusActive ||
			n.City != "Austin" || n.State != "TX" || n.RateCenter != "AUSTIN" || !n.SMSEnabled || n.MMSEnabled || n.APIClientID != "" || !n.CreatedAt.Equal(t0) {
			t.Errorf("AddNumber = %+v", n)
		}
		owned := e.number(t, "num_owned", "+15125550101", a.ID)
		for _, tc := range []struct {
			in        operator.NumberInput
			code, msg string
		}{
			{operator.NumberInput{E164: "+15125550100", Status: "ACTIVE"}, redcloud.CodeConflict, "number +15125550100 already exists (" + n.ID + ")"},
			{operator.NumberInput{E164: "+15125550199", ID: "num_owned", Status: "ACTIVE"}, redcloud.CodeConflict, "number id num_owned already exists"},
			{operator.NumberInput{E164: "+15125550198", APIClientID: "rc_x", Status: "ACTIVE"}, redcloud.CodeNotFound, "api client rc_x not found"},
			{operator.NumberInput{E164: "+4420", Status: "ACTIVE"}, redcloud.CodeInvalidRequest, "is not an E.164 number"},
		} {
			_, err := e.op.AddNumber(e.ctx, tc.in)
			wantError(t, err, tc.code, "", tc.msg)
		}

		for _, ref := range []string{"num_owned", "+15125550101"} {
			if got, err := e.op.GetNumber(e.ctx, ref); err != nil || got.ID != owned.ID {
				t.Errorf("GetNumber(%q) = %+v, %v", ref, got, err)
			}
		}
		for _, ref := range []string{"num_nope", "+15125550199"} {
			_, err := e.op.GetNumber(e.ctx, ref)
			wantError(t, err, redcloud.CodeNotFound, "", "number "+ref+" not found")
		}
		ids := func(ns []platform.Number, err error) []string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range ns {
				out = append(out, n.ID)
			}
			return out
		}
		if got := ids(e.op.ListNumbers(e.ctx, "")); len(got) != 2 {
			t.Errorf("ListNumbers() = %v", got)
		}
		if got := ids(e.op.ListNumbers(e.ctx, a.ID)); len(got) != 1 || got[0] != "num_owned" {
			t.Errorf("ListNumbers(a) = %v", got)
		}
		if got := ids(e.op.ListInventory(e.ctx)); len(got) != 1 || got[0] != n.ID {
			t.Errorf("ListInventory = %v", got)
		}
		_, err = e.op.ListNumbers(e.ctx, "rc_x")
		wantError(t, err, redcloud.CodeNotFound, "", "api client rc_x not found")

		// Assign and unassign.
		got, changed, err := e.op.AssignNumber(e.ctx, "+15125550100", a.ID)
		if err != nil || !changed || got.APIClientID != a.ID {
			t.Fatalf("AssignNumber = %+v, %v, %v", got, changed, err)
		}
		if _, changed, err := e.op.AssignNumber(e.ctx, n.ID, a.ID); err != nil || changed {
			t.Errorf("assigning to the owner again: changed %v, %v", changed, err)
		}
		_, _, err = e.op.AssignNumber(e.ctx, n.ID, b.ID)
		wantError(t, err, redcloud.CodeConflict, "", "number "+n.ID+" (+15125550100) is assigned to api client "+a.ID+"; unassign it first")
		wantReason(t, err, operator.ReasonNumberAssigned)
		if pe, _ := platform.AsError(err); pe.Details["numberId"] != n.ID {
			t.Errorf("the conflict names number %v, want %s", pe.Details["numberId"], n.ID)
		}
		for _, tc := range []struct {
			ref, client, code, field, msg string
		}{
			{n.ID, "", redcloud.CodeInvalidRequest, "client", "client is required: the API client to assign " + n.ID + " to"},
			{"num_nope", b.ID, redcloud.CodeNotFound, "", "number num_nope not found"},
			{n.ID, "rc_nope", redcloud.CodeNotFound, "", "api client rc_nope not found"},
		} {
			_, _, err := e.op.AssignNumber(e.ctx, tc.ref, tc.client)
			wantError(t, err, tc.code, tc.field, tc.msg)
		}
		if operator.CheckAssign(n.ID, "") == nil || operator.CheckAssign(n.ID, b.ID) != nil {
			t.Error("CheckAssign disagrees with AssignNumber")
		}

		dp := ptr("https://hooks.example.com/d")
		if _, err := e.db.UpdateNumber(e.ctx, a.ID, n.ID, platform.NumberUpdateInput{WebhookDeliveryOverride: &dp, CampaignRegID: &dp}); err != nil {
			t.Fatal(err)
		}
		before, err := e.op.UnassignNumber(e.ctx, n.ID)
		if err != nil || before.APIClientID != a.ID {
			t.Fatalf("UnassignNumber = %+v, %v", before, err)
		}
		if after, _ := e.db.GetNumber(e.ctx, n.ID); after.APIClientID != "" || after.WebhookDeliveryOverride != nil || after.CampaignRegID == nil {
			t.Errorf("after unassign: %+v (the override goes, the campaign stays)", after)
		}
		if again, err := e.op.UnassignNumber(e.ctx, "+15125550100"); err != nil || again.APIClientID != "" {
			t.Errorf("unassigning twice: %+v, %v", again, err)
		}
		_, err = e.op.UnassignNumber(e.ctx, "num_nope")
		wantError(t, err, redcloud.CodeNotFound, "", "number num_nope not found")
		if _, _, err := e.op.AssignNumber(e.ctx, n.ID, b.ID); err != nil {
			t.Errorf("assigning a returned number: %v", err)
		}
	})
}

func TestUpdateNumber(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		e.number(t, "num_a", "+15125550100", "")
		var none *string
		camp := ptr("CAMP9")
		for _, tc := range []struct {
			name       string
			u          operator.NumberUpdate
			field, msg string // the error, when msg is not empty
			check      func(platform.Number) bool
		}{
			{"everything", operator.NumberUpdate{Status: ptr("suspended"), CampaignRegID: &camp, SMSEnabled: ptr(false), MMSEnabled: ptr(true)}, "", "",
				func(n platform.Number) bool {
					return n.Status == redcloud.StatusSuspended && n.CampaignRegID != nil && *n.CampaignRegID == "CAMP9" && !n.SMSEnabled && n.MMSEnabled
				}},
			{"nothing", operator.NumberUpdate{}, "", "", func(n platform.Number) bool { return n.Status == redcloud.StatusSuspended }},
			{"clear campaign", operator.NumberUpdate{CampaignRegID: &none, Status: ptr("ACTIVE")}, "", "",
				func(n platform.Number) bool {
					return n.CampaignRegID == nil && n.Status == redcloud.StatusActive && !n.SMSEnabled
				}},
			{"bad status", operator.NumberUpdate{Status: ptr("gone"), SMSEnabled: ptr(true)}, "status", `status "gone"`,
				func(n platform.Number) bool { return !n.SMSEnabled }},
			{"bad campaign", operator.NumberUpdate{CampaignRegID: func() **string { p := ptr(""); return &p }()}, "campaignRegId", "1-64 characters",
				func(n platform.Number) bool { return n.CampaignRegID == nil }},
		} {
			n, err := e.op.UpdateNumber(e.ctx, "+15125550100", tc.u)
			if tc.msg != "" {
				wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.msg)
				if tc.u.Validate() == nil {
					t.Errorf("%s: Validate = nil, UpdateNumber refused it", tc.name)
				}
				n, _ = e.db.GetNumber(e.ctx, "num_a")
			} else if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if stored, _ := e.db.GetNumber(e.ctx, "num_a"); !tc.check(n) || !tc.check(stored) {
				t.Errorf("%s: returned %+v, stored %+v", tc.name, n, stored)
			}
		}
		_, err := e.op.UpdateNumber(e.ctx, "num_nope", operator.NumberUpdate{SMSEnabled: ptr(true)})
		wantError(t, err, redcloud.CodeNotFound, "", "number num_nope not found")
	})
}

// TestSetNumberOverrides: set and clear an assigned number's overrides;
// the URL rules apply; an inventory number has none to set.
func TestSetNumberOverrides(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		e.client(t, "rc_a")
		e.number(t, "num_a", "+15125550100", "rc_a")
		e.number(t, "num_free", "+15125550101", "")
		u := ptr("https://a.example/d")
		n, err := e.op.SetNumberOverrides(e.ctx, "num_a", operator.WebhookInput{DeliveryURL: &u})
		if err != nil || n.WebhookDeliveryOverride == nil || *n.WebhookDeliveryOverride != "https://a.example/d" || n.WebhookInboundOverride != nil {
			t.Fatalf("set: %+v %v", n, err)
		}
		var none *string
		n, err = e.op.SetNumberOverrides(e.ctx, "+15125550100", operator.WebhookInput{DeliveryURL: &none})
		if err != nil || n.WebhookDeliveryOverride != nil {
			t.Errorf("clear: %+v %v", n, err)
		}
		bad := ptr("http://a.example/d")
		_, err = e.op.SetNumberOverrides(e.ctx, "num_a", operator.WebhookInput{DeliveryURL: &bad})
		wantError(t, err, redcloud.CodeInvalidRequest, "deliveryUrl", "deliveryUrl")
		_, err = e.op.SetNumberOverrides(e.ctx, "num_free", operator.WebhookInput{DeliveryURL: &u})
		wantError(t, err, redcloud.CodeConflict, "", "is in the inventory")
		_, err = e.op.SetNumberOverrides(e.ctx, "num_nope", operator.WebhookInput{DeliveryURL: &u})
		wantError(t, err, redcloud.CodeNotFound, "", "not found")
	})
}

// TestUpdateNumberMPS: a number's rate is set, set to 0 (unlimited) and
// cleared (the server's default again), and shaping reads it that way; a
// bad rate changes nothing.
func TestUpdateNumberMPS(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		e.number(t, "num_a", "+15125550100", "")
		const defaultMPS = 2
		var none *float64
		for _, tc := range []struct {
			name string
			mps  **float64
			want *float64 // stored
			rate float64  // the number bucket's rate; 0 for none
		}{
			{"set", ptr(ptr(1.5)), ptr(1.5), 1.5},
			{"slowest", ptr(ptr(operator.MinNumberMPS)), ptr(operator.MinNumberMPS), operator.MinNumberMPS},
			{"unlimited", ptr(ptr(0.0)), ptr(0.0), 0},
			{"default", &none, nil, defaultMPS},
			{"again", ptr(ptr(30.0)), ptr(30.0), 30},
		} {
			n, err := e.op.UpdateNumber(e.ctx, "num_a", operator.NumberUpdate{MPS: tc.mps})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			stored, err := e.db.GetNumber(e.ctx, "num_a")
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []*float64{n.MPS, stored.MPS} {
				if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
					t.Errorf("%s: mps %v, want %v", tc.name, deref(got), deref(tc.want))
				}
			}
			rate := 0.0
			for _, b := range platform.ShapingPath(stored, redcloud.MessageTypeSMS, defaultMPS, platform.Campaign{}) {
				rate = b.Rate
			}
			if rate != tc.rate {
				t.Errorf("%s: shaping rate %v, want %v", tc.name, rate, tc.rate)
			}
		}
		page, _, err := e.op.ListAudit(e.ctx, operator.AuditFilter{Action: operator.ActionNumberUpdate, Target: "num_a", Limit: 1})
		if err != nil || len(page) != 1 || !strings.Contains(string(page[0].Before), `"mps":null`) || !strings.Contains(string(page[0].After), `"mps":30`) {
			t.Errorf("audit: %+v, %v", page, err)
		}

		for _, bad := range []float64{-1, 0.0009, math.NaN(), math.Inf(1), math.Inf(-1)} {
			_, err := e.op.UpdateNumber(e.ctx, "num_a", operator.NumberUpdate{MPS: ptr(ptr(bad)), SMSEnabled: ptr(false)})
			wantError(t, err, redcloud.CodeInvalidRequest, "mps", fmt.Sprintf("mps %v: want segments per second, at least 0.001, or 0 for unlimited", bad))
			if operator.CheckMPS(bad) == nil {
				t.Errorf("CheckMPS(%v) = nil", bad)
			}
		}
		if n, _ := e.db.GetNumber(e.ctx, "num_a"); n.MPS == nil || *n.MPS != 30 || !n.SMSEnabled {
			t.Errorf("refused updates changed the number: %+v", n)
		}
		_, err = e.op.UpdateNumber(e.ctx, "num_nope", operator.NumberUpdate{MPS: ptr(ptr(1.0))})
		wantError(t, err, redcloud.CodeNotFound, "", "number num_nope not found")
	})
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
