package operator_test

import (
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestOptOuts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.client(t, "rc_a")
		c, err := e.db.GetAPIClient(e.ctx, "rc_a")
		if err != nil {
			t.Fatal(err)
		}
		n := e.number(t, "num_a", "+15552230001", c.ID)
		n, _ = e.db.GetNumber(e.ctx, n.ID)
		person := "+15557654321"
		// The person texts STOP.
		if err := e.db.ReceiveInbound(e.ctx, platform.ReceiveInbound(c, n, platform.InboundInput{From: person, Text: "STOP"}, t0)); err != nil {
			t.Fatal(err)
		}
		if _, created, err := e.op.AddOptOut(e.ctx, c.ID, "+15550000001"); err != nil || !created {
			t.Fatalf("AddOptOut: %v, %v", created, err)
		}
		_, _, err = e.op.AddOptOut(e.ctx, "rc_nobody", "+15550000001")
		wantError(t, err, redcloud.CodeNotFound, "", "no API client rc_nobody")
		_, _, err = e.op.AddOptOut(e.ctx, c.ID, "555")
		wantError(t, err, redcloud.CodeInvalidRequest, "e164", "not an E.164")

		list, err := e.op.ListOptOuts(e.ctx, c.ID, 10)
		if err != nil || len(list) != 2 || list[0].E164 != "+15550000001" || list[1].Source != platform.SuppressionKeyword {
			t.Fatalf("ListOptOuts = %+v, %v", list, err)
		}

		// A keyword opt-out needs a reason: refused without one, and
		// nothing changes.
		for _, blank := range []string{"", " \t"} {
			_, err = e.op.RemoveOptOut(e.ctx, c.ID, person, blank)
			wantError(t, err, redcloud.CodeInvalidRequest, "reason", "reason is required to lift a keyword opt-out (the person texted STOP)")
		}
		if _, err := e.db.GetSuppression(e.ctx, c.ID, person); err != nil {
			t.Errorf("a refused removal lifted the opt-out: %v", err)
		}
		if rs, err := e.db.SuppressionRemovals(e.ctx, c.ID); err != nil || len(rs) != 0 {
			t.Errorf("a refused removal was recorded: %+v (err %v)", rs, err)
		}
		removed, err := e.op.RemoveOptOut(e.ctx, c.ID, person, "  asked by phone, ticket 4711 ")
		if err != nil || removed.Source != platform.SuppressionKeyword || removed.E164 != person {
			t.Fatalf("RemoveOptOut = %+v, %v", removed, err)
		}
		if _, err := e.op.RemoveOptOut(e.ctx, c.ID, "+15550000001", ""); err != nil {
			t.Fatalf("removing an api opt-out without a reason: %v", err)
		}
		// Both removals are recorded, the keyword one with its reason
		// (trimmed), the operator's time and what the person had texted.
		rs, err := e.db.SuppressionRemovals(e.ctx, c.ID)
		if err != nil || len(rs) != 2 {
			t.Fatalf("removals %+v (err %v), want 2", rs, err)
		}
		byNumber := map[string]platform.SuppressionRemoval{rs[0].E164: rs[0], rs[1].E164: rs[1]}
		if r := byNumber[person]; r.Reason != "asked by phone, ticket 4711" || r.Source != platform.SuppressionKeyword ||
			r.Keyword != "STOP" || !r.RemovedAt.Equal(t0) || !r.CreatedAt.Equal(t0) {
			t.Errorf("keyword removal recorded as %+v", r)
		}
		if r := byNumber["+15550000001"]; r.Reason != "" || r.Source != platform.SuppressionAPI {
			t.Errorf("api removal recorded as %+v", r)
		}
		_, err = e.op.RemoveOptOut(e.ctx, c.ID, person, "again")
		wantError(t, err, redcloud.CodeNotFound, "", "has no opt-out")
	})
}
