package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// deliveryFixture stores six inbound messages of rc_a with deliveries to
// its inbound URL and records outcomes: two DELIVERED, two FAILED (the
// second with a 503), one PENDING after a timeout, one never attempted. It
// returns the events by outcome.
func deliveryFixture(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	a, _, na, _ := twoClients(t, db)
	url := "https://a.example/in"
	a.InboundURL = &url
	out := map[string][]string{}
	for i := range 6 {
		_, e, d := func() (platform.Message, platform.Event, platform.Delivery) {
			m, e, d := platform.NewInbound(a, na, platform.InboundInput{From: "+15550000001", Text: fmt.Sprint(i)}, t0)
			must(t, db.InsertInbound(ctx, m, e, d))
			return m, e, d
		}()
		if d.URL != url {
			t.Fatalf("delivery to %q", d.URL)
		}
		if i == 5 {
			out["untried"] = append(out["untried"], e.ID)
			continue
		}
		jobs, err := db.ClaimDeliveries(ctx, "w", t0, t0.Add(time.Minute), 10)
		must(t, err)
		if len(jobs) != 1 {
			t.Fatalf("claimed %d", len(jobs))
		}
		at := t0.Add(time.Duration(i+1) * time.Second)
		att := store.Attempt{DeliveryID: d.ID, LeaseOwner: "w", Number: 1, At: at}
		switch i {
		case 0, 1:
			att.StatusCode, att.State = 200, platform.DeliveryDelivered
			out["delivered"] = append(out["delivered"], e.ID)
		case 2:
			att.Error, att.State = "connection refused", platform.DeliveryFailed
			out["failed"] = append(out["failed"], e.ID)
		case 3:
			att.StatusCode, att.Error, att.State = 503, "HTTP 503", platform.DeliveryFailed
			out["failed"] = append(out["failed"], e.ID)
		case 4:
			next := t0.Add(time.Hour)
			att.Error, att.State, att.NextAttemptAt = "timeout", platform.DeliveryPending, &next
			out["pending"] = append(out["pending"], e.ID)
		}
		must(t, db.RecordAttempts(ctx, []store.Attempt{att}))
	}
	return out
}

// TestEndpointHealth: counts per client and URL, and the newest error.
func TestEndpointHealth(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		deliveryFixture(t, db)
		hs, err := db.EndpointHealth(ctx, t0)
		must(t, err)
		if len(hs) != 1 {
			t.Fatalf("health %+v", hs)
		}
		h := hs[0]
		if h.APIClientID != "rc_a" || h.URL != "https://a.example/in" || h.Delivered != 2 || h.Failed != 2 || h.Pending != 2 ||
			h.LastError != "timeout" || h.LastStatus != 0 || !h.LastErrorAt.Equal(t0.Add(5*time.Second)) {
			t.Errorf("health %+v", h)
		}
		// Outside the window only the pending ones remain.
		hs, err = db.EndpointHealth(ctx, t0.Add(time.Hour))
		must(t, err)
		if len(hs) != 1 || hs[0].Delivered != 0 || hs[0].Failed != 0 || hs[0].Pending != 2 || hs[0].LastError != "" {
			t.Errorf("later health %+v", hs)
		}
	})
}

// TestFailedEvents: the filter by client and URL.
func TestFailedEvents(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		want := deliveryFixture(t, db)
		for _, tc := range []struct {
			f    store.FailedFilter
			want int
		}{
			{store.FailedFilter{Since: t0}, 2},
			{store.FailedFilter{Since: t0, APIClientID: "rc_a", URL: "https://a.example/in"}, 2},
			{store.FailedFilter{Since: t0, APIClientID: "rc_b"}, 0},
			{store.FailedFilter{Since: t0, URL: "https://other.example/"}, 0},
			{store.FailedFilter{Since: t0.Add(4 * time.Second)}, 1},
		} {
			ids, err := db.FailedEvents(ctx, tc.f)
			must(t, err)
			if len(ids) != tc.want {
				t.Errorf("%+v: %v", tc.f, ids)
			}
			for _, id := range ids {
				if id != want["failed"][0] && id != want["failed"][1] {
					t.Errorf("%+v: listed %s, not a failed event", tc.f, id)
				}
			}
		}
	})
}

// TestCountEvents: buckets cover the range, oldest first, counting only
// the types asked for.
func TestCountEvents(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		deliveryFixture(t, db) // six message.inbound events at t0
		bs, err := db.CountEvents(ctx, t0.Add(-2*time.Minute), t0.Add(30*time.Second), time.Minute, []string{webhook.TypeInbound})
		must(t, err)
		if len(bs) != 3 || !bs[0].Start.Equal(t0.Add(-2*time.Minute)) || bs[2].Counts[webhook.TypeInbound] != 6 ||
			bs[0].Counts[webhook.TypeInbound] != 0 || bs[1].Counts[webhook.TypeInbound] != 0 {
			t.Errorf("buckets %+v", bs)
		}
		bs, err = db.CountEvents(ctx, t0.Add(-time.Minute), t0.Add(time.Minute), time.Minute, []string{webhook.TypeQueued})
		must(t, err)
		if len(bs) != 2 || bs[1].Counts[webhook.TypeInbound] != 0 {
			t.Errorf("other types counted: %+v", bs)
		}
		if _, err := db.CountEvents(ctx, t0, t0, time.Minute, nil); err == nil {
			t.Error("empty range accepted")
		}
	})
}
