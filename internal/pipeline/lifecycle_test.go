package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// magicCase is what CONTRACT §7 promises for one recipient.
type magicCase struct {
	name     string
	to       string
	types    []string // event types in sequence order
	status   string   // final status
	failure  string   // failure code of the final status, "" for none
	attempts int      // provider attempts recorded on the message
}

var magicCases = []magicCase{
	{"invalid destination", sandbox.InvalidDestination, []string{webhook.TypeQueued, webhook.TypeFailed},
		redcloud.MessageFailed, redcloud.FailureInvalidDestination, 1},
	{"carrier rejected", sandbox.CarrierRejected, []string{webhook.TypeQueued, webhook.TypeSent, webhook.TypeFailed},
		redcloud.MessageFailed, redcloud.FailureCarrierRejected, 1},
	{"two transient errors", sandbox.TransientTwice, []string{webhook.TypeQueued, webhook.TypeSent, webhook.TypeDelivery},
		redcloud.MessageDelivered, "", 3},
	// 1 attempt + one retry per entry of the 6-entry schedule.
	{"upstream unavailable", sandbox.UpstreamUnavailable, []string{webhook.TypeQueued, webhook.TypeFailed},
		redcloud.MessageFailed, redcloud.FailureUpstreamUnavailable, 7},
	{"any other", plainRecipient, []string{webhook.TypeQueued, webhook.TypeSent, webhook.TypeDelivery},
		redcloud.MessageDelivered, "", 1},
	// Last: by the time it is checked every other receipt has arrived, so a
	// receipt for it would have too.
	{"no receipt", sandbox.NoReceipt, []string{webhook.TypeQueued, webhook.TypeSent},
		redcloud.MessageSent, "", 1},
}

// TestMagicRecipients sends to every magic recipient of CONTRACT §7 through
// the HTTP API and checks, per message, the exact webhook sequence (verified
// signatures, schema-valid bodies, byte-identical to the stored body), the
// same events in GET /api/core/messages/{id}, and the final status/failure.
func TestMagicRecipients(t *testing.T) {
	e := newEnv(t)
	e.setWebhooks(t, "/delivery", "/inbound")
	to := make([]string, len(magicCases))
	for i, c := range magicCases {
		to[i] = c.to
	}
	ids := e.send(t, to...)
	for i, c := range magicCases {
		t.Run(c.name, func(t *testing.T) {
			checkMagic(t, e, ids[i], c)
		})
	}
}

func checkMagic(t *testing.T, e *env, id string, c magicCase) {
	m := e.waitStatus(t, id, c.status, len(c.types))
	var hits []hit
	eventually(t, waitFor, func() bool { hits = e.recv.accepted(id); return len(hits) == len(c.types) },
		func() string { return "webhooks: " + describeHits(e.recv.forMessage(id)) })
	if got := e.recv.forMessage(id); len(got) != len(c.types) {
		t.Errorf("webhook requests for %s: %s; want exactly one per event", id, describeHits(got))
	}
	if (m.Failure == nil) != (c.failure == "") || (m.Failure != nil && m.Failure.Code != c.failure) {
		t.Errorf("GET message failure = %+v, want code %q", m.Failure, c.failure)
	}
	stored, err := e.db.GetMessageByID(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Attempts != c.attempts {
		t.Errorf("provider attempts = %d, want %d", stored.Attempts, c.attempts)
	}
	for i, h := range hits {
		typ, seq := c.types[i], int64(i+1)
		ev := h.Event
		me := m.Events[i]
		if ev.Type != typ || ev.Sequence != seq || me.Type != typ || me.Sequence != seq || me.EventID != ev.EventID {
			t.Errorf("event %d: webhook %s seq %d %s, GET %s seq %d %s; want %s seq %d, same id",
				i, ev.Type, ev.Sequence, ev.EventID, me.Type, me.Sequence, me.EventID, typ, seq)
		}
		terminal := typ == webhook.TypeDelivery || typ == webhook.TypeFailed
		if ev.Terminal != terminal {
			t.Errorf("%s: terminal = %v, want %v", typ, ev.Terminal, terminal)
		}
		if ev.Status != statusOf(typ) {
			t.Errorf("%s: status = %s, want %s", typ, ev.Status, statusOf(typ))
		}
		if typ == webhook.TypeFailed {
			if ev.Failure == nil || ev.Failure.Code != c.failure || ev.Failure.Message == "" {
				t.Errorf("%s: failure = %+v, want code %s with a message", typ, ev.Failure, c.failure)
			}
		} else if ev.Failure != nil {
			t.Errorf("%s: failure = %+v, want null", typ, ev.Failure)
		}
		if ev.MessageID != id || ev.APIClientID != clientID || ev.NumberID != numberID || ev.From != numberE164 ||
			ev.To != c.to || ev.MessageType != redcloud.MessageTypeSMS || ev.ExternalReference != "order_789" {
			t.Errorf("%s: message fields = %+v", typ, ev)
		}
		wantRef := ""
		if typ != webhook.TypeQueued && m.ProviderMessageRef != nil {
			wantRef = *m.ProviderMessageRef
		}
		if ev.ProviderMessageRef != wantRef {
			t.Errorf("%s: providerMessageRef = %q, want %q", typ, ev.ProviderMessageRef, wantRef)
		}
		if h.Path != "/delivery" || h.Attempt != 1 || h.HeaderID != ev.EventID || h.EventType != typ || h.UserAgent != webhook.UserAgent {
			t.Errorf("%s: path %s attempt %d event-id header %q type header %q user agent %q",
				typ, h.Path, h.Attempt, h.HeaderID, h.EventType, h.UserAgent)
		}
		e.check.CheckWebhook(t, "messageLifecycle", h.Body)
		row, _ := e.event(t, ev.EventID)
		if string(row.Body) != string(h.Body) {
			t.Errorf("%s: webhook body differs from the stored event body:\n%s\n%s", typ, h.Body, row.Body)
		}
		d := e.waitDelivery(t, ev.EventID, platform.DeliveryDelivered)
		if d.Delivery.Attempts != 1 || len(d.Attempts) != 1 {
			t.Errorf("%s: delivery attempts = %d (%d recorded), want 1", typ, d.Delivery.Attempts, len(d.Attempts))
		}
	}
	if c.status == redcloud.MessageSent || c.status == redcloud.MessageDelivered {
		if m.ProviderMessageRef == nil || !strings.HasPrefix(*m.ProviderMessageRef, "sbx_") {
			t.Errorf("providerMessageRef = %v, want sbx_…", m.ProviderMessageRef)
		}
	}
}

// TestSequencesGaplessAndEventIDsUnique sends a mixed batch and checks that
// every message's events are numbered 1, 2, 3… without gaps or repeats, in
// the webhooks and in the store, and that no eventId is used twice.
func TestSequencesGaplessAndEventIDsUnique(t *testing.T) {
	e := newEnv(t)
	e.setWebhooks(t, "/delivery", "")
	want := map[string]magicCase{} // by message id
	for s := 0; s < 3; s++ {
		var to []string
		var cs []magicCase
		for _, c := range magicCases {
			if c.to == plainRecipient {
				for k := 0; k < 3; k++ {
					c.to = fmt.Sprintf("+1555300%d%03d", s, k)
					to, cs = append(to, c.to), append(cs, c)
				}
				continue
			}
			to, cs = append(to, c.to), append(cs, c)
		}
		for i, id := range e.send(t, to...) {
			want[id] = cs[i]
		}
	}
	total := 0
	for id, c := range want {
		e.waitStatus(t, id, c.status, len(c.types))
		total += len(c.types)
	}
	eventually(t, waitFor, func() bool { return len(e.recv.all()) >= total },
		func() string { return fmt.Sprintf("%d webhooks, want %d", len(e.recv.all()), total) })

	type key struct {
		msg string
		seq int64
	}
	byID := map[string]key{}
	bySeq := map[key]string{}
	for _, h := range e.recv.all() {
		k := key{h.Event.MessageID, h.Event.Sequence}
		if prev, ok := byID[h.Event.EventID]; ok {
			// The receiver never fails, so nothing may be sent twice.
			t.Errorf("eventId %s received twice (%v and %v)", h.Event.EventID, prev, k)
		}
		byID[h.Event.EventID] = k
		if other, ok := bySeq[k]; ok && other != h.Event.EventID {
			t.Errorf("message %s sequence %d has two events: %s and %s", k.msg, k.seq, other, h.Event.EventID)
		}
		bySeq[k] = h.Event.EventID
	}
	if len(byID) != total {
		t.Errorf("%d distinct eventIds, want %d", len(byID), total)
	}
	for id, c := range want {
		for seq := int64(1); seq <= int64(len(c.types)); seq++ {
			if _, ok := bySeq[key{id, seq}]; !ok {
				t.Errorf("message %s (%s): no webhook with sequence %d", id, c.to, seq)
			}
		}
		_, events, err := e.db.GetMessage(e.ctx, clientID, id)
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range events {
			if ev.Sequence != int64(i+1) || bySeq[key{id, ev.Sequence}] != ev.ID {
				t.Errorf("message %s: stored event %d is %s seq %d; webhook for that sequence was %s",
					id, i, ev.ID, ev.Sequence, bySeq[key{id, ev.Sequence}])
			}
		}
	}
}

// TestExpiry: a message that no provider accepts within its validity fails
// EXPIRED, even while the retry schedule would go on: a retry is never
// scheduled past the validity. The pipeline runs on an injected clock that
// the test moves on, so nothing waits for the validity in real time.
func TestExpiry(t *testing.T) {
	const validity = time.Minute
	var ahead atomic.Int64 // how far the pipeline's clock runs ahead of real time
	clock := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	e := newEnv(t,
		withAPI(func(c *httpapi.Config) { c.MessageValidity = validity }),
		withPipeline(func(c *pipeline.Config) {
			c.ProviderRetrySchedule = []time.Duration{time.Hour, time.Hour, time.Hour}
			c.Now = clock
		}))
	e.setWebhooks(t, "/delivery", "")
	id := e.send(t, sandbox.UpstreamUnavailable)[0]
	var stored platform.Message
	eventually(t, waitFor, func() bool {
		var err error
		stored, err = e.db.GetMessageByID(e.ctx, id)
		return err == nil && stored.Attempts == 1
	}, func() string { return fmt.Sprintf("message %+v, want its first provider attempt made", stored) })
	// The first retry is an hour away; the validity ends in a minute. Once
	// the clock passes the validity the message must be due, and expire.
	if stored.Status != redcloud.MessageQueued || stored.NextAttemptAt == nil || !stored.NextAttemptAt.Equal(stored.ExpiresAt) {
		t.Fatalf("after a transient failure: %s due %v, want QUEUED and due when it expires (%v)", stored.Status, stored.NextAttemptAt, stored.ExpiresAt)
	}
	ahead.Store(int64(2 * validity))
	m := e.waitStatus(t, id, redcloud.MessageFailed, 2)
	if m.Failure == nil || m.Failure.Code != redcloud.FailureExpired {
		t.Fatalf("failure = %+v, want EXPIRED", m.Failure)
	}
	if stored, err := e.db.GetMessageByID(e.ctx, id); err != nil || stored.Attempts != 1 {
		t.Errorf("provider attempts = %d (err %v), want 1: expired, not retried", stored.Attempts, err)
	}
	var hits []hit
	eventually(t, waitFor, func() bool { hits = e.recv.accepted(id); return len(hits) == 2 },
		func() string { return describeHits(e.recv.forMessage(id)) })
	f := hits[1].Event
	if f.Type != webhook.TypeFailed || f.Sequence != 2 || !f.Terminal || f.Failure == nil || f.Failure.Code != redcloud.FailureExpired {
		t.Errorf("last webhook = %+v, want message.failed seq 2 EXPIRED", f)
	}
	e.check.CheckWebhook(t, "messageLifecycle", hits[1].Body)
}

// spySink records what the pipeline's sink answered to each receipt.
type spySink struct {
	provider.Sink
	mu       sync.Mutex
	receipts map[string][]error // by message id
}

func (s *spySink) Receipt(ctx context.Context, r provider.Receipt) error {
	err := s.Sink.Receipt(ctx, r)
	s.mu.Lock()
	s.receipts[r.MessageID] = append(s.receipts[r.MessageID], err)
	s.mu.Unlock()
	return err
}

func (s *spySink) answers(id string) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.receipts[id]...)
}

// spyProvider is the sandbox provider with its sink observed.
type spyProvider struct {
	*sandbox.Provider
	spy *spySink
}

func (p *spyProvider) Start(ctx context.Context, sink provider.Sink) error {
	p.spy.Sink = sink
	return p.Provider.Start(ctx, p.spy)
}

// TestLateReceiptsIgnored: receipts for terminal messages (repeated, late,
// or contradicting) change nothing and emit nothing (CONTRACT §6).
func TestLateReceiptsIgnored(t *testing.T) {
	spy := &spySink{receipts: map[string][]error{}}
	prov := &spyProvider{Provider: sandbox.New(5 * time.Millisecond), spy: spy}
	e := newEnv(t, withPipeline(func(c *pipeline.Config) { c.Provider = prov }))
	e.setWebhooks(t, "/delivery", "")
	ids := e.send(t, plainRecipient, sandbox.InvalidDestination, sandbox.CarrierRejected)
	delivered := e.waitStatus(t, ids[0], redcloud.MessageDelivered, 3)
	invalid := e.waitStatus(t, ids[1], redcloud.MessageFailed, 2)
	rejected := e.waitStatus(t, ids[2], redcloud.MessageFailed, 3)
	// The original receipts: one accepted for each message that was sent.
	before := map[string]int{}
	for _, id := range []string{ids[0], ids[2]} {
		eventually(t, waitFor, func() bool {
			a := spy.answers(id)
			return len(a) > 0 && a[len(a)-1] == nil
		}, func() string { return fmt.Sprintf("receipts for %s: %v", id, spy.answers(id)) })
		before[id] = len(spy.answers(id))
	}

	// What a restart would do, and worse: a repeated delivered receipt, a
	// contradicting rejection, and receipts for messages that failed.
	prov.Resume(e.ctx, []provider.Message{
		{ID: ids[0], To: plainRecipient, Attempt: 1},
		{ID: ids[0], To: sandbox.CarrierRejected, Attempt: 1},
		{ID: ids[1], To: plainRecipient, Attempt: 1},
		{ID: ids[2], To: plainRecipient, Attempt: 1},
	})
	wantMore := map[string]int{ids[0]: 2, ids[1]: 1, ids[2]: 1}
	for id, n := range wantMore {
		eventually(t, waitFor, func() bool { return len(spy.answers(id)) == before[id]+n },
			func() string { return fmt.Sprintf("receipts for %s: %v", id, spy.answers(id)) })
		for _, err := range spy.answers(id)[before[id]:] {
			if err != nil {
				t.Errorf("sink answered %v to a late receipt for %s; want nil (ignored, not retried)", err, id)
			}
		}
	}
	for _, was := range []redcloud.Message{delivered, invalid, rejected} {
		now := e.message(t, was.MessageID)
		if now.Status != was.Status || len(now.Events) != len(was.Events) || !sameFailure(now.Failure, was.Failure) {
			t.Errorf("message %s after late receipts: %s %+v with %d events; was %s %+v with %d",
				was.MessageID, now.Status, now.Failure, len(now.Events), was.Status, was.Failure, len(was.Events))
		}
	}
}

func sameFailure(a, b *redcloud.Failure) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// TestStaleTransitionRefused checks the store's guard directly: a transition
// from a status or sequence the message has left, or one the lifecycle does
// not allow, applies nothing and adds no event, while the same transition
// from the current state applies once.
func TestStaleTransitionRefused(t *testing.T) {
	e := newEnv(t)
	ids := e.send(t, plainRecipient, sandbox.NoReceipt)
	e.waitStatus(t, ids[0], redcloud.MessageDelivered, 3)
	e.waitStatus(t, ids[1], redcloud.MessageSent, 2)
	now := time.Now()

	deliver := func(m platform.Message, fromStatus string, fromSeq int64) (store.Transition, platform.Event) {
		next := m
		next.Status, next.Sequence, next.UpdatedAt = redcloud.MessageDelivered, fromSeq+1, now
		ev := platform.NewLifecycleEvent(next, webhook.TypeDelivery, now)
		return store.Transition{Message: next, FromStatus: fromStatus, FromSequence: fromSeq, Event: &ev,
			Deliveries: []platform.Delivery{platform.NewDelivery(ev, "", now)}}, ev
	}

	done, err := e.db.GetMessageByID(e.ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []struct {
		status string
		seq    int64
	}{{redcloud.MessageSent, 2}, {redcloud.MessageSent, done.Sequence}, {redcloud.MessageDelivered, done.Sequence - 1},
		// Matches the stored row, but DELIVERED → DELIVERED is no move of
		// the lifecycle: only the store's lifecycle check refuses it.
		{redcloud.MessageDelivered, done.Sequence}} {
		tr, ev := deliver(done, from.status, from.seq)
		ok, err := e.db.ApplyTransitions(e.ctx, []store.Transition{tr})
		if err != nil || ok[0] {
			t.Errorf("transition from %s/%d on a DELIVERED message at %d: applied=%v err=%v; want refused", from.status, from.seq, done.Sequence, ok, err)
		}
		if _, _, err := e.db.GetEvent(e.ctx, ev.ID); !errors.Is(err, platform.ErrNotFound) {
			t.Errorf("event of a refused transition: err = %v, want not found", err)
		}
	}
	after, _ := e.db.GetMessageByID(e.ctx, ids[0])
	if after.Status != done.Status || after.Sequence != done.Sequence {
		t.Errorf("message changed by refused transitions: %s/%d, was %s/%d", after.Status, after.Sequence, done.Status, done.Sequence)
	}

	// Control: from the current state it applies — once.
	sent, err := e.db.GetMessageByID(e.ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	tr, ev := deliver(sent, redcloud.MessageSent, sent.Sequence)
	ok, err := e.db.ApplyTransitions(e.ctx, []store.Transition{tr, tr})
	if err != nil || !ok[0] || ok[1] {
		t.Fatalf("same transition twice: applied=%v err=%v; want [true false]", ok, err)
	}
	if _, _, err := e.db.GetEvent(e.ctx, ev.ID); err != nil {
		t.Errorf("event of the applied transition: %v", err)
	}
	m := e.message(t, ids[1])
	if m.Status != redcloud.MessageDelivered || len(m.Events) != 3 {
		t.Errorf("after the applied transition: %s with %d events, want DELIVERED with 3", m.Status, len(m.Events))
	}
}

// TestSinkReceiptsAndInbound drives the pipeline's sink the way a carrier
// adapter does: a receipt known only by the provider's reference, receipts
// for unknown and not-yet-sent messages, and inbound messages to an owned
// number, an unassigned one and one the platform does not have.
func TestSinkReceiptsAndInbound(t *testing.T) {
	spy := &spySink{receipts: map[string][]error{}}
	prov := &spyProvider{Provider: sandbox.New(5 * time.Millisecond), spy: spy}
	e := newEnv(t, withPipeline(func(c *pipeline.Config) { c.Provider = prov }))
	e.setWebhooks(t, "/delivery", "/inbound")
	sink := spy.Sink

	// By reference only: the receipt a real carrier sends.
	id := e.send(t, sandbox.NoReceipt)[0]
	m := e.waitStatus(t, id, redcloud.MessageSent, 2)
	if err := sink.Receipt(e.ctx, provider.Receipt{ProviderRef: *m.ProviderMessageRef, Delivered: true}); err != nil {
		t.Fatalf("receipt by reference: %v", err)
	}
	if got := e.message(t, id); got.Status != redcloud.MessageDelivered || len(got.Events) != 3 {
		t.Errorf("after a receipt by reference: %s with %d events, want DELIVERED with 3", got.Status, len(got.Events))
	}
	// Failed without a code: UNDELIVERABLE.
	id2 := e.send(t, sandbox.NoReceipt)[0]
	e.waitStatus(t, id2, redcloud.MessageSent, 2)
	if err := sink.Receipt(e.ctx, provider.Receipt{MessageID: id2}); err != nil {
		t.Fatal(err)
	}
	if got := e.message(t, id2); got.Status != redcloud.MessageFailed || got.Failure == nil || got.Failure.Code != redcloud.FailureUndeliverable {
		t.Errorf("after an uncoded failure receipt: %s %+v, want FAILED UNDELIVERABLE", got.Status, got.Failure)
	}
	// Unknown: ignored, not an error (the provider must not retry forever).
	if err := sink.Receipt(e.ctx, provider.Receipt{ProviderRef: "sbx_unknown", Delivered: true}); err != nil {
		t.Errorf("receipt for an unknown reference: %v, want nil", err)
	}
	// Not yet sent: refused so that the provider delivers it again.
	now := time.Now()
	acc := e.acceptQueued(t, "idem_sink", now, now.Add(time.Hour), false) // stays QUEUED through the test
	if err := sink.Receipt(e.ctx, provider.Receipt{MessageID: acc.Messages[0].ID, Delivered: true}); !errors.Is(err, provider.ErrNotYetSent) {
		t.Errorf("receipt for a QUEUED message: %v, want ErrNotYetSent", err)
	}

	// Inbound to the client's number: stored and delivered to its inbound URL.
	if err := sink.Inbound(e.ctx, provider.Inbound{From: otherE164, To: numberE164, Text: "Hello", At: now}); err != nil {
		t.Fatal(err)
	}
	var in []hit
	eventually(t, waitFor, func() bool {
		in = nil
		for _, h := range e.recv.all() {
			if h.Event.Type == webhook.TypeInbound {
				in = append(in, h)
			}
		}
		return len(in) == 1
	}, func() string { return describeHits(e.recv.all()) })
	if ev := in[0].Event; in[0].Path != "/inbound" || ev.Text != "Hello" || ev.From != otherE164 || ev.To != numberE164 ||
		ev.NumberID != numberID || ev.APIClientID != clientID {
		t.Errorf("inbound webhook %s: %+v", in[0].Path, ev)
	}
	e.check.CheckWebhook(t, "messageInbound", in[0].Body)

	// To an unassigned inventory number and to a number the platform does
	// not have: stored, delivered to no one.
	before, _, err := e.db.QueueDepth(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"+15125550100", "+19995550100"} {
		if err := sink.Inbound(e.ctx, provider.Inbound{From: otherE164, To: to, Text: "hello?", At: now}); err != nil {
			t.Errorf("inbound to %s: %v, want stored", to, err)
		}
	}
	if rows := countRows(t, e, "messages WHERE direction = 'inbound' AND api_client_id = ''"); rows != 2 {
		t.Errorf("inbound messages to unowned numbers stored: %d, want 2", rows)
	}
	if rows := countRows(t, e, "deliveries WHERE state = 'NO_ENDPOINT' AND api_client_id = ''"); rows != 2 {
		t.Errorf("their deliveries: %d NO_ENDPOINT, want 2", rows)
	}
	if after, _, _ := e.db.QueueDepth(e.ctx); after != before {
		t.Errorf("queued messages %d → %d: inbound messages are not work for the provider", before, after)
	}

	// To the client's number once it is suspended: only an ACTIVE number
	// receives (CONTRACT §9), so it is stored and delivered to no one.
	suspended := redcloud.StatusSuspended
	if err := e.db.SetNumberAttrs(e.ctx, numberID, store.NumberAttrs{Status: &suspended}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Inbound(e.ctx, provider.Inbound{From: otherE164, To: numberE164, Text: "suspended?", At: now}); err != nil {
		t.Fatal(err)
	}
	if rows := countRows(t, e, "messages WHERE direction = 'inbound' AND text = 'suspended?' AND api_client_id = ''"); rows != 1 {
		t.Errorf("inbound to a suspended number: %d stored unassigned, want 1", rows)
	}
	if rows := countRows(t, e, "deliveries d JOIN events e ON e.id = d.event_id JOIN messages m ON m.id = e.message_id"+
		" WHERE m.text = 'suspended?' AND d.state = 'NO_ENDPOINT'"); rows != 1 {
		t.Errorf("inbound to a suspended number: %d NO_ENDPOINT deliveries, want 1", rows)
	}
}
