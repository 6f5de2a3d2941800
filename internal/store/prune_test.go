package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

func TestQueueDepthListSentPrune(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, n, ids := queueN(t, db, 3)
		msgs, dels, err := db.QueueDepth(ctx)
		must(t, err)
		if msgs != 3 || dels != 3 {
			t.Fatalf("depth %d/%d", msgs, dels)
		}
		ms, err := db.ClaimMessages(ctx, "w", t0, t0.Add(time.Minute), 1)
		must(t, err)
		m := ms[0]
		next := m
		next.Status, next.Sequence, next.NextAttemptAt, next.UpdatedAt = redcloud.MessageSent, 2, nil, t0
		e := platform.NewLifecycleEvent(next, webhook.TypeSent, t0)
		_, err = db.ApplyTransitions(ctx, []store.Transition{{Message: next, FromStatus: m.Status, FromSequence: 1, LeaseOwner: "w", Event: &e,
			Deliveries: []platform.Delivery{platform.NewDelivery(e, "", t0)}}})
		must(t, err)
		sent, err := db.ListSent(ctx, time.Time{}, t0.Add(time.Second), "", 10)
		must(t, err)
		if len(sent) != 1 || sent[0].ID != m.ID {
			t.Fatalf("list sent: %v", sent)
		}
		if sent, _ := db.ListSent(ctx, t0.Add(time.Second), t0.Add(time.Hour), "", 10); len(sent) != 0 {
			t.Fatalf("list sent outside the window: %v", sent)
		}
		// Prune keeps the SENT message while its deliveries are PENDING,
		// and QUEUED messages always.
		if n, err := db.PruneMessages(ctx, t0.Add(time.Hour), 10); err != nil || n != 0 {
			t.Fatalf("pruned %d (%v) with work pending", n, err)
		}
		_, _, err = db.Routing(ctx, c.ID, n.ID)
		must(t, err)
		jobs, err := db.ClaimDeliveries(ctx, "w", t0, t0.Add(time.Minute), 10)
		must(t, err)
		for _, j := range jobs {
			{
				must(t, db.RecordAttempts(ctx, []store.Attempt{{DeliveryID: j.ID, LeaseOwner: "w", Number: 1, At: t0, StatusCode: 200, State: platform.DeliveryDelivered}}))
			}
		}
		pruned, err := db.PruneMessages(ctx, t0.Add(time.Hour), 10)
		must(t, err)
		if pruned != 1 {
			t.Fatalf("pruned %d, want the one SENT message", pruned)
		}
		if _, _, err := db.GetMessage(ctx, c.ID, m.ID); !errorsIsNotFound(err) {
			t.Fatalf("pruned message still there: %v", err)
		}
		for _, id := range ids[1:] {
			if _, _, err := db.GetMessage(ctx, c.ID, id); err != nil {
				t.Fatalf("QUEUED message %s pruned: %v", id, err)
			}
		}
	})
}
