package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// queueN accepts n single-recipient sends, all due at t0, with the client's
// delivery URL set so every event gets a PENDING delivery.
func queueN(t *testing.T, db *store.DB, n int) (platform.APIClient, platform.Number, []string) {
	t.Helper()
	ctx := context.Background()
	c, _, na, _ := twoClients(t, db)
	url := "https://example.com/hooks"
	c.DeliveryURL = &url
	u := &url
	must(t, db.SetWebhookURLs(ctx, c.ID, &u, nil))
	var ids []string
	for i := 0; i < n; i++ {
		body := fmt.Sprintf(`{"sendFrom":"num_a","to":["+1555000%04d"],"messageType":"SMS","text":"m"}`, i)
		a := acceptance(t, c, na, fmt.Sprintf("k%d", i), t0, time.Hour, body)
		if _, created, err := db.Accept(ctx, a); err != nil || !created {
			t.Fatalf("accept %d: %v %v", i, created, err)
		}
		ids = append(ids, a.Messages[0].ID)
	}
	return c, na, ids
}

// Concurrent claimers (workers of one or several processes) never get the
// same row.
func TestClaimMessagesDisjoint(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		_, _, ids := queueN(t, db, 120)
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			owner := fmt.Sprintf("w%d", w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					ms, err := db.ClaimMessages(context.Background(), owner, t0, t0.Add(time.Minute), 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ms) == 0 {
						return
					}
					mu.Lock()
					for _, m := range ms {
						if prev, dup := seen[m.ID]; dup {
							t.Errorf("message %s claimed by %s and %s", m.ID, prev, owner)
						}
						seen[m.ID] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != len(ids) {
			t.Fatalf("claimed %d of %d", len(seen), len(ids))
		}
	})
}

// A row whose lease expired (its worker died) is claimable again; one whose
// lease holds is not; one not yet due is not.
func TestClaimAfterLeaseExpiry(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		queueN(t, db, 1)
		first, err := db.ClaimMessages(ctx, "dead", t0, t0.Add(50*time.Millisecond), 10)
		must(t, err)
		if len(first) != 1 {
			t.Fatalf("first claim: %d rows", len(first))
		}
		again, err := db.ClaimMessages(ctx, "other", t0.Add(10*time.Millisecond), t0.Add(time.Minute), 10)
		must(t, err)
		if len(again) != 0 {
			t.Fatalf("claimed while the lease holds")
		}
		again, err = db.ClaimMessages(ctx, "other", t0.Add(100*time.Millisecond), t0.Add(time.Minute), 10)
		must(t, err)
		if len(again) != 1 || again[0].ID != first[0].ID {
			t.Fatalf("after expiry: %v", again)
		}
		// The second claim found the first one's lease: that worker may
		// have handed the message to the provider.
		if first[0].Reclaimed || !again[0].Reclaimed {
			t.Fatalf("reclaimed: first claim %v, claim after expiry %v; want false, true", first[0].Reclaimed, again[0].Reclaimed)
		}
		// An outcome written (a retry) clears the lease: the next claim is
		// an ordinary one.
		step, err := platform.Retry(again[0], t0.Add(200*time.Millisecond), t0.Add(100*time.Millisecond))
		must(t, err)
		ok, err := db.ApplyTransitions(ctx, []store.Transition{{Message: step.Message, FromStatus: step.FromStatus,
			FromSequence: step.FromSequence, LeaseOwner: "other"}})
		must(t, err)
		if !ok[0] {
			t.Fatal("retry not applied")
		}
		third, err := db.ClaimMessages(ctx, "third", t0.Add(300*time.Millisecond), t0.Add(time.Minute), 10)
		must(t, err)
		if len(third) != 1 || third[0].Reclaimed {
			t.Fatalf("claim after a retry: %+v, want one message, not reclaimed", third)
		}
		if early, _ := db.ClaimMessages(ctx, "x", t0.Add(-time.Second), t0.Add(time.Minute), 10); len(early) != 0 {
			t.Fatalf("claimed before due")
		}
		ds, err := db.ClaimDeliveries(ctx, "dead", t0, t0.Add(50*time.Millisecond), 10)
		must(t, err)
		if len(ds) != 1 || ds[0].EventType != webhook.TypeQueued || len(ds[0].Body) == 0 || ds[0].Secret != "whsec_rc_a" {
			t.Fatalf("delivery job: %+v", ds)
		}
		if again, _ := db.ClaimDeliveries(ctx, "other", t0.Add(10*time.Millisecond), t0.Add(time.Minute), 10); len(again) != 0 {
			t.Fatalf("delivery claimed while the lease holds")
		}
		if again, _ := db.ClaimDeliveries(ctx, "other", t0.Add(time.Second), t0.Add(time.Minute), 10); len(again) != 1 {
			t.Fatalf("delivery not claimable after expiry")
		}
	})
}

// Two workers racing to move one message on: exactly one transition
// applies, so the message gets exactly one event per step (no repeat, no gap).
func TestApplyTransitionsRace(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, n, _ := queueN(t, db, 20)
		ms, err := db.ClaimMessages(ctx, "w", t0, t0.Add(time.Minute), 100)
		must(t, err)
		var wg sync.WaitGroup
		var mu sync.Mutex
		applied := map[string]int{}
		for _, m := range ms {
			for w := 0; w < 3; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					next := m
					next.Status, next.Sequence, next.ProviderRef, next.NextAttemptAt = redcloud.MessageSent, m.Sequence+1, "ref", nil
					e := platform.NewLifecycleEvent(next, webhook.TypeSent, t0)
					ok, err := db.ApplyTransitions(ctx, []store.Transition{{Message: next, FromStatus: m.Status,
						FromSequence: m.Sequence, Event: &e, Deliveries: []platform.Delivery{platform.NewDelivery(e, platform.LifecycleURL(c, n), t0)}}})
					if err != nil {
						t.Error(err)
						return
					}
					if ok[0] {
						mu.Lock()
						applied[m.ID]++
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		for _, m := range ms {
			if applied[m.ID] != 1 {
				t.Errorf("message %s: %d transitions applied", m.ID, applied[m.ID])
			}
			got, events, err := db.GetMessage(ctx, c.ID, m.ID)
			must(t, err)
			if got.Status != redcloud.MessageSent || len(events) != 2 || events[1].Sequence != 2 {
				t.Errorf("message %s: %s with %d events", m.ID, got.Status, len(events))
			}
		}
		// A stale transition (the message moved on) applies nothing.
		m := ms[0]
		late := m
		late.Status = redcloud.MessageFailed
		ok, err := db.ApplyTransitions(ctx, []store.Transition{{Message: late, FromStatus: redcloud.MessageQueued, FromSequence: 1}})
		must(t, err)
		if ok[0] {
			t.Fatal("stale transition applied")
		}
	})
}

// Attempts are recorded; an attempt whose lease was lost does not change
// the delivery; ListDeliveries, GetEvent, FailedEventsSince, ReplayEvents.
func TestDeliveryAttemptsAndReplay(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		queueN(t, db, 1)
		jobs, err := db.ClaimDeliveries(ctx, "w1", t0, t0.Add(time.Minute), 10)
		must(t, err)
		j := jobs[0]
		must(t, db.RecordAttempts(ctx, []store.Attempt{{DeliveryID: j.ID, LeaseOwner: "someone-else", Number: 1, At: t0,
			StatusCode: 500, Latency: time.Millisecond, State: platform.DeliveryFailed}}))
		ds, err := db.ListDeliveries(ctx, platform.DeliveryPending, 10)
		must(t, err)
		if len(ds) != 1 {
			t.Fatalf("a lost lease changed the delivery: %d pending", len(ds))
		}
		must(t, db.RecordAttempts(ctx, []store.Attempt{{DeliveryID: j.ID, LeaseOwner: "w1", Number: 2, At: t0.Add(time.Second),
			StatusCode: 503, Error: "", Latency: 2 * time.Millisecond, State: platform.DeliveryFailed}}))
		failed, err := db.ListDeliveries(ctx, platform.DeliveryFailed, 10)
		must(t, err)
		if len(failed) != 1 || failed[0].LastStatus != 503 || failed[0].EventType != webhook.TypeQueued {
			t.Fatalf("failed deliveries: %+v", failed)
		}
		e, dd, err := db.GetEvent(ctx, j.EventID)
		must(t, err)
		if e.ID != j.EventID || len(dd) != 1 || len(dd[0].Attempts) != 2 || dd[0].Attempts[1].StatusCode != 503 {
			t.Fatalf("event detail: %+v %+v", e, dd)
		}
		ids, err := db.FailedEventsSince(ctx, t0)
		must(t, err)
		if len(ids) != 1 || ids[0] != j.EventID {
			t.Fatalf("failed since: %v", ids)
		}
		replayed, err := db.ReplayEvents(ctx, ids, t0.Add(time.Minute))
		must(t, err)
		if len(replayed) != 1 || replayed[0].State != platform.DeliveryPending || replayed[0].URL != "https://example.com/hooks" {
			t.Fatalf("replay: %+v", replayed)
		}
		if ids, _ := db.FailedEventsSince(ctx, t0); len(ids) != 0 {
			t.Fatalf("an event with a pending replay is still listed: %v", ids)
		}
		again, err := db.ClaimDeliveries(ctx, "w2", t0.Add(time.Minute), t0.Add(2*time.Minute), 10)
		must(t, err)
		if len(again) != 1 || again[0].EventID != j.EventID || string(again[0].Body) != string(j.Body) || again[0].Attempts != 0 {
			t.Fatalf("replayed job: %+v", again)
		}
		if _, err := db.ReplayEvents(ctx, []string{"evt_missing"}, t0); !errorsIsNotFound(err) {
			t.Fatalf("replay of a missing event: %v", err)
		}
	})
}

// A claimed delivery is not due while its lease holds — not to a poll, not
// to another claim — and is due again, with its attempt count, once the
// lease has run out (its worker died).
func TestClaimedDeliveryDueAtLeaseEnd(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		queueN(t, db, 1)
		lease := t0.Add(time.Minute)
		jobs, err := db.ClaimDeliveries(ctx, "w1", t0, lease, 10)
		must(t, err)
		if len(jobs) != 1 {
			t.Fatalf("claimed %d deliveries, want 1", len(jobs))
		}
		during := lease.Add(-time.Millisecond)
		if due, err := db.HasDueDeliveries(ctx, during); err != nil || due {
			t.Fatalf("due during the lease: %v %v", due, err)
		}
		if again, err := db.ClaimDeliveries(ctx, "w2", during, during.Add(time.Minute), 10); err != nil || len(again) != 0 {
			t.Fatalf("claimed during the lease: %d %v", len(again), err)
		}
		ds, err := db.ListDeliveries(ctx, platform.DeliveryPending, 10)
		must(t, err)
		if len(ds) != 1 || ds[0].NextAttemptAt == nil || !ds[0].NextAttemptAt.Equal(lease) {
			t.Fatalf("in flight: %+v, want next attempt at the lease's end %v", ds, lease)
		}
		after := lease.Add(time.Millisecond)
		if due, err := db.HasDueDeliveries(ctx, after); err != nil || !due {
			t.Fatalf("not due after the lease: %v %v", due, err)
		}
		again, err := db.ClaimDeliveries(ctx, "w2", after, after.Add(time.Minute), 10)
		if err != nil || len(again) != 1 || again[0].ID != jobs[0].ID {
			t.Fatalf("reclaim after the lease: %+v %v", again, err)
		}
	})
}
