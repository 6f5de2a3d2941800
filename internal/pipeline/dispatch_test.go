package pipeline_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// slack absorbs the store's millisecond truncation of next_attempt_at: a
// retry due at 12.3456s is stored as 12.345s and may start up to 1ms early.
const slack = 2 * time.Millisecond

// twoEvents sends to +15005550001 (queued, then failed: two events) and
// returns the message id and its two event ids once both are final.
func twoEvents(t *testing.T, e *env) (string, []string) {
	t.Helper()
	id := e.send(t, sandbox.InvalidDestination)[0]
	m := e.waitStatus(t, id, redcloud.MessageFailed, 2)
	return id, []string{m.Events[0].EventID, m.Events[1].EventID}
}

// TestWebhookRetriesThenDelivered: a receiver that fails the first two
// attempts of each event (503, slowly) gets attempts 1, 2, 3 in order, spaced
// at least by the schedule, with the same bytes each time; the store records
// the three attempts with their status codes and latencies.
func TestWebhookRetriesThenDelivered(t *testing.T) {
	const failing = 20 * time.Millisecond
	e := newEnv(t)
	e.setWebhooks(t, "/delivery", "")
	e.recv.setPolicy(func(h hit, n int) reply {
		if n <= 2 {
			return reply{status: http.StatusServiceUnavailable, delay: failing}
		}
		return reply{status: http.StatusOK}
	})
	_, events := twoEvents(t, e)
	for _, evID := range events {
		d := e.waitDelivery(t, evID, platform.DeliveryDelivered)
		hs := e.recv.forEvent(evID)
		if len(hs) != 3 {
			t.Fatalf("event %s: %d requests, want 3: %s", evID, len(hs), describeHits(hs))
		}
		for i, h := range hs {
			if h.Attempt != i+1 {
				t.Errorf("event %s request %d: X-RedCloud-Attempt %d, want %d", evID, i, h.Attempt, i+1)
			}
			if string(h.Body) != string(hs[0].Body) {
				t.Errorf("event %s attempt %d: body differs from attempt 1", evID, h.Attempt)
			}
			if i > 0 {
				// The wait counts from the end of the failed attempt, so the
				// gap between arrivals includes the receiver's delay too.
				min := failing + webhookSchedule[i-1] - slack
				if gap := h.At.Sub(hs[i-1].At); gap < min {
					t.Errorf("event %s: attempt %d came %v after attempt %d; want at least %v", evID, i+1, gap, i, min)
				}
			}
		}
		if d.Delivery.Attempts != 3 || d.LastStatus != http.StatusOK || d.LastError != "" || d.NextAttemptAt != nil {
			t.Errorf("delivery = %+v; want 3 attempts, last status 200, no error, nothing due", d.Delivery)
		}
		if len(d.Attempts) != 3 {
			t.Fatalf("recorded attempts = %+v, want 3", d.Attempts)
		}
		for i, a := range d.Attempts {
			want := http.StatusServiceUnavailable
			if i == 2 {
				want = http.StatusOK
			}
			if a.Number != i+1 || a.StatusCode != want || a.Error != "" {
				t.Errorf("attempt %d = %+v, want number %d status %d and no error", i, a, i+1, want)
			}
			if i < 2 && a.Latency < failing-slack {
				t.Errorf("attempt %d latency = %v, want at least the receiver's %v", i+1, a.Latency, failing)
			}
			if i > 0 && a.At.Before(d.Attempts[i-1].At.Add(webhookSchedule[i-1])) {
				t.Errorf("attempt %d at %v, attempt %d at %v: closer than the schedule's %v", i+1, a.At, i, d.Attempts[i-1].At, webhookSchedule[i-1])
			}
		}
	}
}

// waitFailedDelivery waits until the event's single delivery is FAILED and
// checks it made exactly 1 + len(schedule) attempts.
func waitFailedDelivery(t *testing.T, e *env, evID string) store.DeliveryDetail {
	t.Helper()
	d := e.waitDelivery(t, evID, platform.DeliveryFailed)
	want := 1 + len(webhookSchedule)
	if d.Delivery.Attempts != want || len(d.Attempts) != want || d.NextAttemptAt != nil {
		t.Errorf("FAILED delivery: %d attempts (%d recorded), next %v; want %d and nothing due",
			d.Delivery.Attempts, len(d.Attempts), d.NextAttemptAt, want)
	}
	if hs := e.recv.forEvent(evID); len(hs) != want {
		t.Errorf("receiver got %d requests for %s, want %d: %s", len(hs), evID, want, describeHits(hs))
	}
	return d
}

// TestWebhookAlwaysFailing: 5 attempts (1 + 4 retries), then FAILED, and
// nothing more is sent.
func TestWebhookAlwaysFailing(t *testing.T) {
	e := newEnv(t)
	e.setWebhooks(t, "/delivery", "")
	e.recv.setPolicy(func(hit, int) reply { return reply{status: http.StatusInternalServerError} })
	_, events := twoEvents(t, e)
	for _, evID := range events {
		d := waitFailedDelivery(t, e, evID)
		for i, a := range d.Attempts {
			if a.Number != i+1 || a.StatusCode != http.StatusInternalServerError {
				t.Errorf("attempt %d = %+v, want number %d status 500", i, a, i+1)
			}
		}
		hs := e.recv.forEvent(evID)
		for i, h := range hs {
			if h.Attempt != i+1 {
				t.Errorf("request %d: X-RedCloud-Attempt %d, want %d", i, h.Attempt, i+1)
			}
		}
	}
	// A FAILED delivery is no work: the queue is empty.
	if _, pending, err := e.db.QueueDepth(e.ctx); err != nil || pending != 0 {
		t.Errorf("pending deliveries = %d (err %v), want 0", pending, err)
	}
}

// TestWebhookRedirectIsFailure: a 3xx fails the attempt and is not followed.
func TestWebhookRedirectIsFailure(t *testing.T) {
	e := newEnv(t)
	e.setWebhooks(t, "/delivery", "")
	target := e.recv.URL("/target")
	e.recv.setPolicy(func(hit, int) reply { return reply{status: http.StatusFound, location: target} })
	_, events := twoEvents(t, e)
	for _, evID := range events {
		d := waitFailedDelivery(t, e, evID)
		for _, a := range d.Attempts {
			if a.StatusCode != http.StatusFound || !strings.Contains(a.Error, "redirect") {
				t.Errorf("attempt %d = %+v, want status 302 and a redirect error", a.Number, a)
			}
		}
	}
	if n := e.recv.requests("/target"); n != 0 {
		t.Errorf("redirect target got %d requests, want 0 (redirects are not followed)", n)
	}
}

// TestWebhookTimeout: an attempt that outlasts WebhookTimeout fails with a
// timeout recorded, and the retry then succeeds.
func TestWebhookTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	e := newEnv(t, withPipeline(func(c *pipeline.Config) { c.WebhookTimeout = timeout }))
	e.setWebhooks(t, "/delivery", "")
	e.recv.setPolicy(func(h hit, n int) reply {
		if n == 1 {
			return reply{status: hang}
		}
		return reply{status: http.StatusNoContent}
	})
	id := e.send(t, sandbox.NoReceipt)[0]
	m := e.waitStatus(t, id, redcloud.MessageSent, 2)
	for _, me := range m.Events {
		d := e.waitDelivery(t, me.EventID, platform.DeliveryDelivered)
		if len(d.Attempts) != 2 {
			t.Fatalf("event %s: attempts %+v, want 2", me.EventID, d.Attempts)
		}
		a := d.Attempts[0]
		if a.StatusCode != 0 || !strings.Contains(strings.ToLower(a.Error), "timeout") {
			t.Errorf("attempt 1 = %+v, want no status and a timeout error", a)
		}
		if a.Latency < timeout-slack || a.Latency > timeout+5*time.Second {
			t.Errorf("attempt 1 latency = %v, want about the timeout %v", a.Latency, timeout)
		}
		if b := d.Attempts[1]; b.StatusCode != http.StatusNoContent || b.Error != "" {
			t.Errorf("attempt 2 = %+v, want 204", b)
		}
	}
}

// TestReplay: an event whose delivery FAILED is listed by FailedEventsSince;
// replayed after the receiver is fixed, it arrives again with the same
// eventId and byte-identical body, and is no longer listed.
func TestReplay(t *testing.T) {
	e := newEnv(t)
	e.setWebhooks(t, "/delivery", "")
	e.recv.setPolicy(func(hit, int) reply { return reply{status: http.StatusBadGateway} })
	since := time.Now().Add(-time.Minute)
	_, events := twoEvents(t, e)
	for _, evID := range events {
		waitFailedDelivery(t, e, evID)
	}
	failed, err := e.db.FailedEventsSince(e.ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(events)
	if !slices.Equal(failed, events) {
		t.Fatalf("FailedEventsSince = %v, want %v", failed, events)
	}
	if later, _ := e.db.FailedEventsSince(e.ctx, time.Now().Add(time.Minute)); len(later) != 0 {
		t.Errorf("FailedEventsSince(the future) = %v, want none", later)
	}

	e.recv.setPolicy(nil) // fixed: 204
	replayed := events[0]
	before := e.recv.forEvent(replayed)
	ds, err := e.db.ReplayEvents(e.ctx, []string{replayed}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].EventID != replayed || ds[0].State != platform.DeliveryPending || ds[0].URL != e.recv.URL("/delivery") {
		t.Fatalf("ReplayEvents = %+v, want one PENDING delivery of %s to the delivery URL", ds, replayed)
	}
	e.pipe.Notify()
	var hs []hit
	eventually(t, waitFor, func() bool { hs = e.recv.forEvent(replayed); return len(hs) == len(before)+1 },
		func() string { return describeHits(e.recv.forEvent(replayed)) })
	got := hs[len(hs)-1]
	if got.Event.EventID != replayed || string(got.Body) != string(before[0].Body) || got.Attempt != 1 {
		t.Errorf("replay: event %s attempt %d body\n%s\nwant event %s attempt 1 body\n%s",
			got.Event.EventID, got.Attempt, got.Body, replayed, before[0].Body)
	}
	var all []store.DeliveryDetail
	eventually(t, waitFor, func() bool {
		_, all = e.event(t, replayed)
		return len(all) == 2 && all[1].State == platform.DeliveryDelivered
	}, func() string { return fmt.Sprintf("deliveries %+v, want the FAILED one and a DELIVERED replay", all) })
	if all[0].State != platform.DeliveryFailed || len(all[1].Attempts) != 1 {
		t.Errorf("deliveries = %+v; want the original FAILED and one attempt of the replay", all)
	}
	failed, err = e.db.FailedEventsSince(e.ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(failed, []string{events[1]}) {
		t.Errorf("FailedEventsSince after replay = %v, want only %s", failed, events[1])
	}
}

// TestRouting: lifecycle events go to the number's webhookDeliveryOverride
// when set, else the client's delivery URL; message.inbound to the number's
// webhookInboundOverride, else the client's inbound URL (CONTRACT §8.1).
func TestRouting(t *testing.T) {
	e := newEnv(t)
	e.setWebhooks(t, "/client-delivery", "/client-inbound")

	paths := func(id string) []string {
		var out []string
		for _, h := range e.recv.forMessage(id) {
			out = append(out, h.Path)
		}
		return out
	}
	lifecycle := func(wantPath string) string {
		t.Helper()
		id := e.send(t, plainRecipient)[0]
		e.waitStatus(t, id, redcloud.MessageDelivered, 3)
		eventually(t, waitFor, func() bool { return len(e.recv.forMessage(id)) == 3 },
			func() string { return describeHits(e.recv.forMessage(id)) })
		if got := paths(id); !slices.Equal(got, []string{wantPath, wantPath, wantPath}) {
			t.Errorf("lifecycle events went to %v, want all to %s", got, wantPath)
		}
		return e.recv.forMessage(id)[0].Event.EventID
	}
	inbound := func(wantPath string) string {
		t.Helper()
		res := e.inbound(t, otherE164, "STOP")
		var hs []hit
		eventually(t, waitFor, func() bool { hs = e.recv.forMessage(res.MessageID); return len(hs) == 1 },
			func() string { return describeHits(e.recv.forMessage(res.MessageID)) })
		h := hs[0]
		if h.Path != wantPath {
			t.Errorf("message.inbound went to %s, want %s", h.Path, wantPath)
		}
		ev := h.Event
		if ev.Type != webhook.TypeInbound || ev.EventID != res.EventID || ev.Sequence != 1 || !ev.Terminal ||
			ev.Text != "STOP" || ev.From != otherE164 || ev.To != numberE164 || ev.NumberID != numberID ||
			ev.APIClientID != clientID || ev.MessageType != redcloud.MessageTypeSMS {
			t.Errorf("inbound event = %+v", ev)
		}
		if !strings.Contains(string(h.Body), `"mediaUrls":[]`) {
			t.Errorf("inbound body %s: want mediaUrls as an empty array", h.Body)
		}
		e.check.CheckWebhook(t, "messageInbound", h.Body)
		e.waitDelivery(t, res.EventID, platform.DeliveryDelivered)
		return res.EventID
	}

	firstLifecycle := lifecycle("/client-delivery")
	firstInbound := inbound("/client-inbound")
	e.patchNumber(t, map[string]any{"webhookDeliveryOverride": e.recv.URL("/number-delivery")})
	lifecycle("/number-delivery")
	inbound("/client-inbound") // the delivery override is not for inbound
	e.patchNumber(t, map[string]any{"webhookInboundOverride": e.recv.URL("/number-inbound")})
	inbound("/number-inbound")
	lifecycle("/number-delivery")
	e.patchNumber(t, map[string]any{"webhookDeliveryOverride": nil, "webhookInboundOverride": nil})
	lifecycle("/client-delivery")
	inbound("/client-inbound")

	// A replay goes to the URL that applies now, by the same rules.
	e.patchNumber(t, map[string]any{"webhookDeliveryOverride": e.recv.URL("/replay-delivery"),
		"webhookInboundOverride": e.recv.URL("/replay-inbound")})
	if _, err := e.db.ReplayEvents(e.ctx, []string{firstLifecycle, firstInbound}, time.Now()); err != nil {
		t.Fatal(err)
	}
	e.pipe.Notify()
	for evID, want := range map[string]string{firstLifecycle: "/replay-delivery", firstInbound: "/replay-inbound"} {
		var hs []hit
		eventually(t, waitFor, func() bool { hs = e.recv.forEvent(evID); return len(hs) == 2 },
			func() string { return describeHits(e.recv.forEvent(evID)) })
		if hs[1].Path != want || string(hs[1].Body) != string(hs[0].Body) {
			t.Errorf("replay of %s went to %s (same body: %v), want %s with the same body", evID, hs[1].Path, string(hs[1].Body) == string(hs[0].Body), want)
		}
	}
}

// TestNoEndpoint: with no URL anywhere, events are stored with a
// NO_ENDPOINT delivery and nothing is ever sent.
func TestNoEndpoint(t *testing.T) {
	e := newEnv(t)
	id := e.send(t, plainRecipient)[0]
	m := e.waitStatus(t, id, redcloud.MessageDelivered, 3)
	res := e.inbound(t, otherE164, "hello")
	evs := []string{res.EventID}
	for _, me := range m.Events {
		evs = append(evs, me.EventID)
	}
	for _, evID := range evs {
		_, ds := e.event(t, evID)
		if len(ds) != 1 || ds[0].State != platform.DeliveryNoEndpoint || ds[0].URL != "" ||
			ds[0].Delivery.Attempts != 0 || len(ds[0].Attempts) != 0 || ds[0].NextAttemptAt != nil {
			t.Errorf("event %s deliveries = %+v, want one NO_ENDPOINT, never attempted, nothing due", evID, ds)
		}
	}
	if _, pending, err := e.db.QueueDepth(e.ctx); err != nil || pending != 0 {
		t.Errorf("pending deliveries = %d (err %v), want 0", pending, err)
	}
	if hs := e.recv.all(); len(hs) != 0 {
		t.Errorf("receiver got %s, want nothing", describeHits(hs))
	}
	// A URL set later does not resurrect them (only a replay would).
	e.setWebhooks(t, "/delivery", "/inbound")
	id2 := e.send(t, sandbox.InvalidDestination)[0]
	e.waitStatus(t, id2, redcloud.MessageFailed, 2)
	eventually(t, waitFor, func() bool { return len(e.recv.forMessage(id2)) == 2 },
		func() string { return describeHits(e.recv.all()) })
	if hs := e.recv.forMessage(id); len(hs) != 0 {
		t.Errorf("NO_ENDPOINT events were sent later: %s", describeHits(hs))
	}
}
