package operator_test

import (
	"slices"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// inbound stores an inbound message to number n of client c; its event's
// delivery fails at t0 with status unless status is 0 (left PENDING).
func (e *env) inbound(t *testing.T, c platform.APIClient, n platform.Number, status int) platform.Event {
	t.Helper()
	m, ev, d := platform.NewInbound(c, n, platform.InboundInput{NumberID: n.ID, From: "+15005550006", Text: "hi"}, t0)
	if err := e.db.InsertInbound(e.ctx, m, ev, d); err != nil {
		t.Fatal(err)
	}
	if status == 0 {
		return ev
	}
	jobs, err := e.db.ClaimDeliveries(e.ctx, "test", t0.Add(time.Second), t0.Add(time.Minute), 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v, %d jobs", err, len(jobs))
	}
	if err := e.db.RecordAttempts(e.ctx, []store.Attempt{{DeliveryID: jobs[0].ID, LeaseOwner: "test", Number: 1, At: t0,
		StatusCode: status, State: platform.DeliveryFailed}}); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestDeliveryFilterValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f          operator.DeliveryFilter
		field, msg string // "" when valid
	}{
		{operator.DeliveryFilter{Limit: 50}, "", ""},
		{operator.DeliveryFilter{State: " failed ", Limit: 1}, "", ""},
		{operator.DeliveryFilter{State: "NO_ENDPOINT", Limit: operator.MaxDeliveryLimit}, "", ""},
		{operator.DeliveryFilter{State: "bogus", Limit: 50}, "state", `state "bogus": a delivery state is PENDING, DELIVERED, FAILED or NO_ENDPOINT`},
		{operator.DeliveryFilter{Limit: 0}, "limit", "limit must be 1-10000"},
		{operator.DeliveryFilter{Limit: operator.MaxDeliveryLimit + 1}, "limit", "limit must be 1-10000"},
	} {
		err := tc.f.Validate()
		if tc.msg == "" {
			if err != nil {
				t.Errorf("Validate(%+v) = %v", tc.f, err)
			}
			continue
		}
		wantError(t, err, redcloud.CodeInvalidRequest, tc.field, tc.msg)
	}
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Time // zero: an error
	}{
		{"2026-11-25T00:00:00Z", time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		{"24h", t0.Add(-24 * time.Hour)},
		{"90m", t0.Add(-90 * time.Minute)},
		{"yesterday", time.Time{}},
		{"-1h", time.Time{}},
		{"0s", time.Time{}},
		{"", time.Time{}},
	} {
		got, err := operator.ParseSince(tc.in, t0)
		if tc.want.IsZero() {
			wantError(t, err, redcloud.CodeInvalidRequest, "failedSince", `failedSince "`+tc.in+`": give an RFC 3339 time`)
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestEventsAndReplay(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.client(t, "acme")
		if _, err := e.op.SetWebhooks(e.ctx, c.ID, operator.WebhookInput{InboundURL: change("https://hooks.example.com/i")}); err != nil {
			t.Fatal(err)
		}
		n := e.number(t, "num_a", "+15125550100", c.ID)
		c.APIClient, _ = e.db.GetAPIClient(e.ctx, c.ID)
		failed := e.inbound(t, c.APIClient, n, 503)
		pending := e.inbound(t, c.APIClient, n, 0)

		list := func(state string) []string {
			t.Helper()
			ds, err := e.op.ListDeliveries(e.ctx, operator.DeliveryFilter{State: state, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range ds {
				ids = append(ids, d.EventID)
			}
			slices.Sort(ids)
			return ids
		}
		if got := list("failed"); !slices.Equal(got, []string{failed.ID}) {
			t.Errorf("FAILED deliveries of %v, want %s", got, failed.ID)
		}
		if got := list(""); len(got) != 2 {
			t.Errorf("every delivery: %v", got)
		}
		_, err := e.op.ListDeliveries(e.ctx, operator.DeliveryFilter{State: "bogus", Limit: 10})
		wantError(t, err, redcloud.CodeInvalidRequest, "state", "a delivery state is")

		ev, ds, err := e.op.GetEvent(e.ctx, failed.ID)
		if err != nil || ev.ID != failed.ID || len(ds) != 1 || ds[0].State != platform.DeliveryFailed || len(ds[0].Attempts) != 1 || ds[0].Attempts[0].StatusCode != 503 {
			t.Errorf("GetEvent = %+v, %+v, %v", ev, ds, err)
		}
		_, _, err = e.op.GetEvent(e.ctx, "evt_nope")
		wantError(t, err, redcloud.CodeNotFound, "", "event evt_nope not found")

		// Replay goes to the URL routing gives now.
		if _, err := e.op.SetWebhooks(e.ctx, c.ID, operator.WebhookInput{InboundURL: change("https://hooks.example.com/new")}); err != nil {
			t.Fatal(err)
		}
		if got, err := e.op.ReplayFailedSince(e.ctx, t0.Add(time.Second)); err != nil || len(got) != 0 {
			t.Errorf("ReplayFailedSince after the failure = %+v, %v", got, err)
		}
		got, err := e.op.ReplayFailedSince(e.ctx, t0.Add(-time.Hour))
		if err != nil || len(got) != 1 || got[0].EventID != failed.ID || got[0].State != platform.DeliveryPending ||
			got[0].URL != "https://hooks.example.com/new" || got[0].NextAttemptAt == nil || !got[0].NextAttemptAt.Equal(t0) {
			t.Fatalf("ReplayFailedSince = %+v, %v", got, err)
		}
		if again, err := e.op.ReplayFailedSince(e.ctx, t0.Add(-time.Hour)); err != nil || len(again) != 0 {
			t.Errorf("a replayed event is replayed again: %+v, %v", again, err)
		}
		got, err = e.op.ReplayEvents(e.ctx, []string{pending.ID, failed.ID})
		if err != nil || len(got) != 2 || got[0].EventID != pending.ID || got[1].EventID != failed.ID {
			t.Errorf("ReplayEvents = %+v, %v", got, err)
		}
		_, err = e.op.ReplayEvents(e.ctx, []string{failed.ID, "evt_nope"})
		wantError(t, err, redcloud.CodeNotFound, "", "event not found")
		if got := list("PENDING"); len(got) != 4 {
			t.Errorf("PENDING deliveries of %v, want 4: the original, three replays, none of the failed replay", got)
		}
	})
}
