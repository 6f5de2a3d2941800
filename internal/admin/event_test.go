package admin_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// failedInbound stores an inbound message for the number, whose event's
// one delivery then fails with a 503, and returns the event's id.
func failedInbound(t *testing.T, db *store.DB, clientID, numberRef string) string {
	t.Helper()
	ctx := context.Background()
	c, err := db.GetAPIClient(ctx, clientID)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.GetNumberByE164(ctx, numberRef)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	m, e, d := platform.NewInbound(c, n, platform.InboundInput{NumberID: n.ID, From: "+15005550006", Text: "hi"}, now)
	if err := db.InsertInbound(ctx, m, e, d); err != nil {
		t.Fatal(err)
	}
	jobs, err := db.ClaimDeliveries(ctx, "test", now.Add(time.Second), now.Add(time.Minute), 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim the inbound delivery: %v, %d jobs", err, len(jobs))
	}
	if err := db.RecordAttempts(ctx, []store.Attempt{{DeliveryID: jobs[0].ID, LeaseOwner: "test", Number: 1, At: now,
		StatusCode: 503, State: platform.DeliveryFailed, Latency: 12 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func testAdminDeliveries(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	c.ok(t, "admin", "client", "set-webhooks", cl.APIClientID, "--inbound-url", "https://hooks.example.com/i")
	c.ok(t, "admin", "number", "add", "--e164", "+15125550100", "--client", cl.APIClientID)
	evt := failedInbound(t, c.open(t), cl.APIClientID, "+15125550100")

	type delivery struct {
		DeliveryID, EventID, EventType, State, URL string
		Attempts, LastStatus                       int
		AttemptLog                                 []struct{ Attempt, StatusCode int }
	}
	failed := adminOKJSON[[]delivery](t, c, "admin", "delivery", "list", "--state", "failed")
	if len(failed) != 1 || failed[0].EventID != evt || failed[0].State != platform.DeliveryFailed || failed[0].LastStatus != 503 ||
		failed[0].URL != "https://hooks.example.com/i" || failed[0].EventType != "message.inbound" {
		t.Fatalf("delivery list --state failed = %+v", failed)
	}
	if out := c.ok(t, "admin", "delivery", "list"); !strings.Contains(out, "LAST STATUS") || !strings.Contains(out, evt) {
		t.Errorf("delivery list:\n%s", out)
	}
	if pending := adminOKJSON[[]delivery](t, c, "admin", "delivery", "list", "--state", "PENDING"); len(pending) != 0 {
		t.Errorf("delivery list --state PENDING = %+v", pending)
	}

	show := c.ok(t, "admin", "event", "show", evt)
	for _, want := range []string{"message.inbound", "FAILED", "503", "https://hooks.example.com/i"} {
		if !strings.Contains(show, want) {
			t.Errorf("event show lacks %q:\n%s", want, show)
		}
	}
	var ev struct {
		EventID    string
		Body       json.RawMessage
		Deliveries []delivery
	}
	if err := json.Unmarshal([]byte(c.ok(t, "admin", "event", "show", evt, "--json")), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.EventID != evt || !json.Valid(ev.Body) || len(ev.Deliveries) != 1 || len(ev.Deliveries[0].AttemptLog) != 1 ||
		ev.Deliveries[0].AttemptLog[0].StatusCode != 503 {
		t.Errorf("event show --json = %+v", ev)
	}

	out := c.ok(t, "admin", "event", "replay", "--failed-since", "1h")
	if !strings.Contains(out, "1 event(s) queued for replay") || !strings.Contains(out, evt) {
		t.Errorf("replay --failed-since:\n%s", out)
	}
	// The replayed event has a PENDING delivery now: nothing is left to replay.
	if out := c.ok(t, "admin", "event", "replay", "--failed-since", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)); !strings.Contains(out, "0 event(s)") {
		t.Errorf("second replay:\n%s", out)
	}
	if out := c.ok(t, "admin", "event", "replay", evt); !strings.Contains(out, "1 event(s) queued for replay") {
		t.Errorf("replay by id:\n%s", out)
	}
	if pending := adminOKJSON[[]delivery](t, c, "admin", "delivery", "list", "--state", "pending"); len(pending) != 2 {
		t.Errorf("after two replays, %d PENDING deliveries, want 2", len(pending))
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"delivery", "list", "--state", "bogus"}, 2, `--state "bogus": a delivery state is PENDING, DELIVERED, FAILED or NO_ENDPOINT`},
		{[]string{"delivery", "list", "--limit", "0"}, 2, "--limit must be 1-10000"},
		{[]string{"delivery", "list", "--limit", "10001"}, 2, "--limit must be 1-10000"},
		{[]string{"event", "show", "evt_nope"}, 1, "event evt_nope not found"},
		{[]string{"event", "replay"}, 2, "give event ids or --failed-since"},
		{[]string{"event", "replay", evt, "--failed-since", "1h"}, 2, "give event ids or --failed-since"},
		{[]string{"event", "replay", "--failed-since", "yesterday"}, 2, `--failed-since "yesterday": give an RFC 3339 time`},
		{[]string{"event", "replay", "--failed-since", "-1h"}, 2, "--failed-since"},
		{[]string{"event", "replay", evt, "evt_nope"}, 1, "event not found"},
	} {
		c.fails(t, tc.code, tc.want, append([]string{"admin"}, tc.args...)...)
	}
	if pending := adminOKJSON[[]delivery](t, c, "admin", "delivery", "list", "--state", "pending"); len(pending) != 2 {
		t.Errorf("a replay that failed queued deliveries: %d PENDING, want 2", len(pending))
	}
}
