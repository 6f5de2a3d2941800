package admin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// testAdminOptOutRemove: lifting a keyword opt-out needs --reason, which is
// recorded; without it nothing changes.
func testAdminOptOutRemove(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	db := c.open(t)
	ctx := context.Background()
	client, err := db.GetAPIClient(ctx, cl.APIClientID)
	if err != nil {
		t.Fatal(err)
	}
	n := platform.Number{ID: "num_optout", E164: "+15552240001", APIClientID: client.ID, Status: "ACTIVE", SMSEnabled: true}
	if err := db.InsertNumbers(ctx, []platform.Number{n}); err != nil {
		t.Fatal(err)
	}
	person := "+15557654321"
	if err := db.ReceiveInbound(ctx, platform.ReceiveInbound(client, n, platform.InboundInput{From: person, Text: "STOP"}, time.Now())); err != nil {
		t.Fatal(err)
	}

	c.fails(t, 2, "--reason is required to lift a keyword opt-out (the person texted STOP)", "admin", "opt-out", "remove", person, "--client", client.ID)
	if _, err := db.GetSuppression(ctx, client.ID, person); err != nil {
		t.Errorf("a refused removal lifted the opt-out: %v", err)
	}
	out := c.ok(t, "admin", "opt-out", "remove", person, "--client", client.ID, "--reason", "ticket 4711: asked by phone")
	if !strings.Contains(out, "lifted the keyword opt-out of "+person) {
		t.Errorf("remove: %q", out)
	}
	rs, err := db.SuppressionRemovals(ctx, client.ID)
	if err != nil || len(rs) != 1 || rs[0].Reason != "ticket 4711: asked by phone" || rs[0].Keyword != "STOP" {
		t.Errorf("removals %+v (err %v)", rs, err)
	}
}
