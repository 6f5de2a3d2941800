package operator_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestCampaignUpdateValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		id         string
		u          operator.CampaignUpdate
		field, msg string // "" when valid
	}{
		{"valid", "C7X9Q2", operator.CampaignUpdate{SMSTPM: ptr[int64](240), MMSTPM: ptr[int64](0), DailyCap: ptr[int64](2000)}, "", ""},
		{"nothing", "C7X9Q2", operator.CampaignUpdate{}, "", ""},
		{"empty id", "", operator.CampaignUpdate{SMSTPM: ptr[int64](1)}, "campaignId", `campaignId "": a campaign id`},
		{"spaced id", " C1", operator.CampaignUpdate{SMSTPM: ptr[int64](1)}, "campaignId", "without surrounding spaces"},
		{"negative sms", "C1", operator.CampaignUpdate{SMSTPM: ptr[int64](-1)}, "smsTpm", "smsTpm -1: want SMS segments per minute, or 0 to remove the limit"},
		{"negative mms", "C1", operator.CampaignUpdate{MMSTPM: ptr[int64](-5)}, "mmsTpm", "mmsTpm -5: want MMS per minute"},
		{"negative cap", "C1", operator.CampaignUpdate{SMSTPM: ptr[int64](10), DailyCap: ptr[int64](-2)}, "dailyCap", "dailyCap -2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.u.Validate(tc.id)
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

// TestCampaigns: partial updates keep the limits they do not name; show
// finds a campaign by its limits or by its numbers; list shows both kinds;
// a refused update changes nothing and is not audited.
func TestCampaigns(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		e.number(t, "num_a", "+15125550100", "")
		e.number(t, "num_b", "+15125550101", "")
		e.number(t, "num_c", "+15125550102", "")
		for id, camp := range map[string]string{"num_a": "C1", "num_b": "C1", "num_c": "C2"} {
			c := ptr(camp)
			if _, err := e.op.UpdateNumber(e.ctx, id, operator.NumberUpdate{CampaignRegID: &c}); err != nil {
				t.Fatal(err)
			}
		}
		one := ptr(1.0)
		if _, err := e.op.UpdateNumber(e.ctx, "num_b", operator.NumberUpdate{MPS: &one}); err != nil {
			t.Fatal(err)
		}

		// C2 has numbers and no limits: shown, with none.
		c2, err := e.op.GetCampaign(e.ctx, "C2")
		if err != nil || c2.Limited() || c2.ID != "C2" || len(c2.Numbers) != 1 || c2.Numbers[0].ID != "num_c" {
			t.Errorf("GetCampaign(C2) = %+v, %v", c2, err)
		}
		_, err = e.op.GetCampaign(e.ctx, "C9")
		wantError(t, err, redcloud.CodeNotFound, "", "campaign C9 not found")
		_, err = e.op.GetCampaign(e.ctx, "")
		wantError(t, err, redcloud.CodeInvalidRequest, "campaignId", "campaignId")

		c, err := e.op.SetCampaign(e.ctx, "C1", operator.CampaignUpdate{SMSTPM: ptr[int64](240)})
		if err != nil || c.Campaign != (platform.Campaign{ID: "C1", SMSTPM: 240}) || len(c.Numbers) != 2 {
			t.Fatalf("SetCampaign = %+v, %v", c, err)
		}
		c, err = e.op.SetCampaign(e.ctx, "C1", operator.CampaignUpdate{MMSTPM: ptr[int64](60), DailyCap: ptr[int64](5000)})
		if want := (platform.Campaign{ID: "C1", SMSTPM: 240, MMSTPM: 60, DailyCap: 5000}); err != nil || c.Campaign != want {
			t.Fatalf("second SetCampaign = %+v, %v; want %+v", c.Campaign, err, want)
		}
		got, err := e.op.GetCampaign(e.ctx, "C1")
		if err != nil || got.Campaign != c.Campaign || len(got.Numbers) != 2 || got.Numbers[0].MPS != nil ||
			got.Numbers[1].MPS == nil || *got.Numbers[1].MPS != 1 {
			t.Errorf("GetCampaign(C1) = %+v, %v", got, err)
		}
		// Limits may come before the numbers.
		if _, err := e.op.SetCampaign(e.ctx, "C0", operator.CampaignUpdate{DailyCap: ptr[int64](10)}); err != nil {
			t.Fatal(err)
		}
		list, err := e.op.ListCampaigns(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []operator.CampaignSummary{
			{Campaign: platform.Campaign{ID: "C0", DailyCap: 10}},
			{Campaign: platform.Campaign{ID: "C1", SMSTPM: 240, MMSTPM: 60, DailyCap: 5000}, Numbers: 2},
			{Campaign: platform.Campaign{ID: "C2"}, Numbers: 1},
		}
		if !reflect.DeepEqual(list, want) {
			t.Errorf("ListCampaigns =\n%+v\nwant\n%+v", list, want)
		}

		// Refused updates change nothing and leave no audit entry.
		entries := func() int {
			t.Helper()
			page, _, err := e.op.ListAudit(e.ctx, operator.AuditFilter{Action: operator.ActionCampaignSet, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(page)
		}
		audited := entries()
		for _, tc := range []struct {
			id    string
			u     operator.CampaignUpdate
			field string
		}{
			{"C1", operator.CampaignUpdate{SMSTPM: ptr[int64](1), MMSTPM: ptr[int64](-1)}, "mmsTpm"},
			{"C1", operator.CampaignUpdate{DailyCap: ptr[int64](math.MinInt64)}, "dailyCap"},
			{" C1 ", operator.CampaignUpdate{SMSTPM: ptr[int64](1)}, "campaignId"},
		} {
			_, err := e.op.SetCampaign(e.ctx, tc.id, tc.u)
			wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.field)
		}
		if got, _ := e.op.GetCampaign(e.ctx, "C1"); got.Campaign != c.Campaign {
			t.Errorf("a refused update changed C1: %+v", got.Campaign)
		}
		if n := entries(); n != audited {
			t.Errorf("%d campaign.set entries after refused updates, want %d", n, audited)
		}

		// 0 removes a limit; removing the last removes the campaign, whose
		// numbers still show it.
		c, err = e.op.SetCampaign(e.ctx, "C1", operator.CampaignUpdate{SMSTPM: ptr[int64](0), MMSTPM: ptr[int64](0), DailyCap: ptr[int64](0)})
		if err != nil || c.Limited() || len(c.Numbers) != 2 {
			t.Errorf("removing every limit: %+v, %v", c, err)
		}
		if got, err := e.op.GetCampaign(e.ctx, "C1"); err != nil || got.Limited() {
			t.Errorf("GetCampaign(C1) after removing its limits = %+v, %v", got, err)
		}
		page, _, err := e.op.ListAudit(e.ctx, operator.AuditFilter{Action: operator.ActionCampaignSet, Target: "C1", Limit: 1})
		if err != nil || len(page) != 1 || string(page[0].Before) != `{"dailyCap":5000,"mmsTpm":60,"smsTpm":240}` || string(page[0].After) != "{}" {
			t.Errorf("audit of the removal: %+v, %v", page, err)
		}
	})
}
