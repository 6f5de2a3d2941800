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

		_, err = e.op.RemoveOptOut(e.ctx, c.ID, person, " ")
		wantError(t, err, redcloud.CodeInvalidRequest, "reason", "reason is required to lift a keyword opt-out")
		if _, err := e.op.RemoveOptOut(e.ctx, c.ID, person, "asked by phone, ticket 4711"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.op.RemoveOptOut(e.ctx, c.ID, "+15550000001", ""); err != nil {
			t.Fatalf("removing an api opt-out without a reason: %v", err)
		}
		_, err = e.op.RemoveOptOut(e.ctx, c.ID, person, "again")
		wantError(t, err, redcloud.CodeNotFound, "", "has no opt-out")
	})
}
