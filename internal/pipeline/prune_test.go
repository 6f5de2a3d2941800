package pipeline_test

import (
	"database/sql"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestPrune: pruning at a time far past the retention removes finished
// messages with their events, deliveries and attempts, and keeps a QUEUED
// message and a finished message whose delivery is still PENDING.
func TestPrune(t *testing.T) {
	e := newEnv(t)
	e.setWebhooks(t, "/delivery", "")

	// Finished: DELIVERED, three events each delivered once.
	done := e.send(t, plainRecipient)[0]
	dm := e.waitStatus(t, done, redcloud.MessageDelivered, 3)
	var doneEvents []string
	for _, me := range dm.Events {
		e.waitDelivery(t, me.EventID, platform.DeliveryDelivered)
		doneEvents = append(doneEvents, me.EventID)
	}
	// Finished but with a delivery still PENDING (retry due in an hour).
	pending := e.send(t, sandbox.NoReceipt)[0]
	pm := e.waitStatus(t, pending, redcloud.MessageSent, 2)
	for _, me := range pm.Events {
		e.waitDelivery(t, me.EventID, platform.DeliveryDelivered)
	}
	e.pipe.Stop() // nothing moves from here on but what the test does
	now := time.Now()
	pmsg, err := e.db.GetMessageByID(e.ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	failed, err := platform.Undelivered(pmsg, redcloud.FailureUndeliverable, "undeliverable", "", now)
	if err != nil {
		t.Fatal(err)
	}
	d := platform.NewDelivery(*failed.Event, e.recv.URL("/delivery"), now)
	later := now.Add(time.Hour)
	d.NextAttemptAt = &later
	if ok, err := e.db.ApplyTransitions(e.ctx, []store.Transition{{Message: failed.Message, FromStatus: failed.FromStatus,
		FromSequence: failed.FromSequence, Event: failed.Event, Deliveries: []platform.Delivery{d}}}); err != nil || !ok[0] {
		t.Fatalf("make a FAILED message with a PENDING delivery: %v %v", ok, err)
	}
	// QUEUED: accepted, not due for a long time, and no webhook work (its
	// event had no URL), so only its status keeps it.
	acc := e.acceptQueued(t, "idem_prune", now.Add(-time.Hour), now.Add(100*time.Hour), true)
	queued := acc.Messages[0].ID
	if acc.Deliveries[0].State != platform.DeliveryNoEndpoint {
		t.Fatalf("the QUEUED message's delivery is %s, want NO_ENDPOINT", acc.Deliveries[0].State)
	}

	prune := func(at time.Time) {
		t.Helper()
		p, err := pipeline.New(pipeline.Config{Store: e.db, Provider: sandbox.New(0), Now: func() time.Time { return at },
			Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		p.Prune(e.ctx)
	}
	exists := func(id string) bool {
		t.Helper()
		_, err := e.db.GetMessageByID(e.ctx, id)
		if err != nil && !errors.Is(err, platform.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	// Within the retention nothing goes.
	prune(now)
	for _, id := range []string{done, pending, queued} {
		if !exists(id) {
			t.Fatalf("message %s pruned within the retention", id)
		}
	}
	attemptsBefore := countRows(t, e, "delivery_attempts")

	prune(now.Add(10 * 365 * 24 * time.Hour))
	if exists(done) {
		t.Errorf("finished message %s was kept", done)
	}
	for _, id := range doneEvents {
		if _, _, err := e.db.GetEvent(e.ctx, id); !errors.Is(err, platform.ErrNotFound) {
			t.Errorf("event %s of a pruned message: err = %v, want not found", id, err)
		}
	}
	if !exists(queued) {
		t.Errorf("QUEUED message %s was pruned", queued)
	}
	if !exists(pending) {
		t.Errorf("message %s with a PENDING delivery was pruned", pending)
	}
	_, ds := e.event(t, failed.Event.ID)
	if len(ds) != 1 || ds[0].State != platform.DeliveryPending {
		t.Errorf("the PENDING delivery: %+v", ds)
	}
	// What is left is exactly what belongs to the kept messages: no orphans.
	if got := countRows(t, e, "delivery_attempts"); got != attemptsBefore-3 {
		t.Errorf("delivery_attempts: %d rows, want %d (the pruned message's 3 gone)", got, attemptsBefore-3)
	}
	for table, want := range map[string]int{"messages": 2, "events": 4, "deliveries": 4} {
		if got := countRows(t, e, table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
	}
}

// countRows counts rows straight from the SQLite file: from is a table,
// optionally with a WHERE clause.
func countRows(t *testing.T, e *env, from string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+e.path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM "+from).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
