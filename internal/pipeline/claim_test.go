package pipeline_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/store"
)

// sendCounter counts provider sends per message across providers.
type sendCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *sendCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// countingProvider accepts every message after a short delay and counts
// the sends; it has no receipts.
type countingProvider struct {
	counter *sendCounter
	delay   time.Duration
	mu      sync.Mutex
	mine    int
}

func (p *countingProvider) Send(ctx context.Context, m provider.Message) (string, error) {
	select {
	case <-time.After(p.delay):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	p.counter.mu.Lock()
	p.counter.counts[m.ID]++
	p.counter.mu.Unlock()
	p.mu.Lock()
	p.mine++
	p.mu.Unlock()
	return "cnt_" + m.ID, nil
}

func (p *countingProvider) Start(context.Context, provider.Sink) error { return nil }
func (p *countingProvider) Stop()                                      {}

func (p *countingProvider) sent() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mine
}

// recipients returns n distinct ordinary recipients.
func recipients(n, base int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("+1555%07d", base+i)
	}
	return out
}

// TestTwoWorkersSendEachMessageOnce runs two pipelines (two lease owners)
// on one database: 200 messages, each handed to a provider exactly once,
// with both workers taking part.
func TestTwoWorkersSendEachMessageOnce(t *testing.T) {
	e := newEnv(t, withoutPipeline())
	var ids []string
	for k := 0; k < 2; k++ {
		ids = append(ids, e.send(t, recipients(100, 4000000+100*k)...)...)
	}
	counter := &sendCounter{counts: map[string]int{}}
	var provs []*countingProvider
	var pipes []*pipeline.Pipeline
	for range 2 {
		p := &countingProvider{counter: counter, delay: 2 * time.Millisecond}
		pipe, err := pipeline.New(pipeline.Config{Store: e.db, Provider: p, Sandbox: true,
			PollInterval: pollInterval, Lease: lease, BatchSize: 8, Concurrency: 8,
			Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			t.Fatal(err)
		}
		provs, pipes = append(provs, p), append(pipes, pipe)
	}
	for _, pipe := range pipes {
		if err := pipe.Start(e.ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pipe.Stop)
	}
	// 200 sends, each a claim and a commit: under -race on a busy machine
	// this takes seconds, so the wait is longer than elsewhere.
	eventually(t, 3*waitFor, func() bool {
		queued, _, err := e.db.QueueDepth(e.ctx)
		return err == nil && queued == 0
	}, func() string { return fmt.Sprintf("%d of 200 sent", len(counter.snapshot())) })
	for _, pipe := range pipes {
		pipe.Stop()
	}
	counts := counter.snapshot()
	if len(counts) != len(ids) {
		t.Errorf("%d messages sent, want %d", len(counts), len(ids))
	}
	for id, n := range counts {
		if n != 1 {
			t.Errorf("message %s sent %d times, want once", id, n)
		}
	}
	if a, b := provs[0].sent(), provs[1].sent(); a == 0 || b == 0 || a+b != len(ids) {
		t.Errorf("worker sends = %d and %d; want both working, %d in all", a, b, len(ids))
	}
	for _, id := range ids {
		m, events, err := e.db.GetMessage(e.ctx, clientID, id)
		if err != nil || m.Status != redcloud.MessageSent || len(events) != 2 || m.ProviderRef != "cnt_"+id {
			t.Errorf("message %s: %s with %d events, ref %q (err %v); want SENT with 2, ref cnt_…", id, m.Status, len(events), m.ProviderRef, err)
		}
	}
}

// claimTwice runs claim for two owners at once and returns what each got.
func claimTwice[T any](claim func(owner string) ([]T, error)) ([2][]T, [2]error) {
	var got [2][]T
	var errs [2]error
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i], errs[i] = claim(fmt.Sprintf("owner_%d", i))
		}()
	}
	close(start)
	wg.Wait()
	return got, errs
}

// TestClaimMessages: concurrent claims take disjoint sets; a claimed row is
// not claimable while its lease lasts and is claimable again after it; the
// worker that lost the lease can no longer apply its outcome.
func TestClaimMessages(t *testing.T) {
	e := newEnv(t, withoutPipeline())
	ids := e.send(t, recipients(50, 5000000)...)
	now := time.Now()
	leaseUntil := now.Add(50 * time.Millisecond)

	got, errs := claimTwice(func(owner string) ([]platform.Message, error) {
		return e.db.ClaimMessages(e.ctx, owner, now, leaseUntil, 30)
	})
	seen := map[string]int{}
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		for _, m := range got[i] {
			seen[m.ID]++
			if m.Status != redcloud.MessageQueued {
				t.Errorf("claimed %s in %s", m.ID, m.Status)
			}
		}
	}
	if len(got[0])+len(got[1]) != len(ids) || len(seen) != len(ids) {
		t.Fatalf("claims took %d and %d rows, %d distinct; want %d disjoint rows in all", len(got[0]), len(got[1]), len(seen), len(ids))
	}

	// While the lease lasts, nothing is claimable.
	if again, err := e.db.ClaimMessages(e.ctx, "owner_late", now.Add(10*time.Millisecond), now.Add(time.Minute), 100); err != nil || len(again) != 0 {
		t.Fatalf("claim during the lease: %d rows (err %v), want none", len(again), err)
	}
	// After it (the clock is a parameter: no waiting), all of them again.
	after := leaseUntil.Add(time.Millisecond)
	again, err := e.db.ClaimMessages(e.ctx, "owner_late", after, after.Add(time.Minute), 100)
	if err != nil || len(again) != len(ids) {
		t.Fatalf("claim after the lease: %d rows (err %v), want %d", len(again), err, len(ids))
	}

	// The first owner lost the row: its outcome does not apply; the new
	// owner's does.
	var m platform.Message
	var firstOwner string
	for i := range 2 {
		if len(got[i]) > 0 {
			m, firstOwner = got[i][0], fmt.Sprintf("owner_%d", i)
			break
		}
	}
	sent := func(owner string) store.Transition {
		s, err := platform.Sent(m, "sbx_claimed", after)
		if err != nil {
			t.Fatal(err)
		}
		return store.Transition{Message: s.Message, FromStatus: s.FromStatus, FromSequence: s.FromSequence, LeaseOwner: owner, Event: s.Event}
	}
	ok, err := e.db.ApplyTransitions(e.ctx, []store.Transition{sent(firstOwner)})
	if err != nil || ok[0] {
		t.Errorf("apply by the owner whose lease expired: applied=%v err=%v, want refused", ok, err)
	}
	ok, err = e.db.ApplyTransitions(e.ctx, []store.Transition{sent("owner_late")})
	if err != nil || !ok[0] {
		t.Errorf("apply by the current owner: applied=%v err=%v, want applied", ok, err)
	}
}

// TestClaimDeliveries: the same for webhook deliveries, with what a claim
// carries (event body, type, the client's secret).
func TestClaimDeliveries(t *testing.T) {
	e := newEnv(t, withoutPipeline())
	e.setWebhooks(t, "/delivery", "")
	e.send(t, recipients(40, 6000000)...)
	c, err := e.db.GetAPIClient(e.ctx, clientID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	leaseUntil := now.Add(50 * time.Millisecond)
	got, errs := claimTwice(func(owner string) ([]store.DeliveryJob, error) {
		return e.db.ClaimDeliveries(e.ctx, owner, now, leaseUntil, 25)
	})
	seen := map[string]bool{}
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		for _, j := range got[i] {
			if seen[j.ID] {
				t.Errorf("delivery %s claimed twice", j.ID)
			}
			seen[j.ID] = true
			ev, _ := e.event(t, j.EventID)
			if j.EventType != "message.queued" || string(j.Body) != string(ev.Body) || j.Secret != c.WebhookSecret || j.URL != e.recv.URL("/delivery") {
				t.Errorf("job %s: type %s, url %s, body/secret as stored: %v/%v", j.ID, j.EventType, j.URL, string(j.Body) == string(ev.Body), j.Secret == c.WebhookSecret)
			}
		}
	}
	if len(seen) != 40 {
		t.Fatalf("claims took %d and %d deliveries, %d distinct; want 40 disjoint", len(got[0]), len(got[1]), len(seen))
	}
	if again, err := e.db.ClaimDeliveries(e.ctx, "owner_late", now.Add(10*time.Millisecond), now.Add(time.Minute), 100); err != nil || len(again) != 0 {
		t.Fatalf("claim during the lease: %d (err %v), want none", len(again), err)
	}
	after := leaseUntil.Add(time.Millisecond)
	again, err := e.db.ClaimDeliveries(e.ctx, "owner_late", after, after.Add(time.Minute), 100)
	if err != nil || len(again) != 40 {
		t.Fatalf("claim after the lease: %d (err %v), want 40", len(again), err)
	}

	// The expired owner's outcome does not change the delivery.
	j := again[0]
	var firstOwner string
	for i := range 2 {
		for _, x := range got[i] {
			if x.ID == j.ID {
				firstOwner = fmt.Sprintf("owner_%d", i)
			}
		}
	}
	if err := e.db.RecordAttempts(e.ctx, []store.Attempt{{DeliveryID: j.ID, LeaseOwner: firstOwner, Number: 1, At: after,
		StatusCode: 204, State: platform.DeliveryDelivered}}); err != nil {
		t.Fatal(err)
	}
	if _, ds := e.event(t, j.EventID); ds[0].State != platform.DeliveryPending || ds[0].Delivery.Attempts != 0 {
		t.Errorf("after a lost-lease attempt: %s with %d attempts, want PENDING with 0", ds[0].State, ds[0].Delivery.Attempts)
	}
	if err := e.db.RecordAttempts(e.ctx, []store.Attempt{{DeliveryID: j.ID, LeaseOwner: "owner_late", Number: 1, At: after,
		StatusCode: 204, State: platform.DeliveryDelivered}}); err != nil {
		t.Fatal(err)
	}
	if _, ds := e.event(t, j.EventID); ds[0].State != platform.DeliveryDelivered || ds[0].Delivery.Attempts != 1 {
		t.Errorf("after the owner's attempt: %s with %d attempts, want DELIVERED with 1", ds[0].State, ds[0].Delivery.Attempts)
	}
}

// blockingProvider holds every send until released.
type blockingProvider struct {
	entered chan string
	release chan struct{}
	mu      sync.Mutex
	log     []string
	ctxErrs []error
}

func (p *blockingProvider) Send(ctx context.Context, m provider.Message) (string, error) {
	p.entered <- m.ID
	<-p.release
	p.mu.Lock()
	p.log = append(p.log, "send done")
	p.ctxErrs = append(p.ctxErrs, ctx.Err())
	p.mu.Unlock()
	return "blk_" + m.ID, nil
}

func (p *blockingProvider) Start(context.Context, provider.Sink) error { return nil }

func (p *blockingProvider) Stop() {
	p.mu.Lock()
	p.log = append(p.log, "provider stopped")
	p.mu.Unlock()
}

// TestStopDrainsSends: Stop returns only after the send in flight finished
// and its outcome was written; the send's context is not cancelled by Stop;
// the provider is stopped last.
func TestStopDrainsSends(t *testing.T) {
	prov := &blockingProvider{entered: make(chan string, 1), release: make(chan struct{})}
	e := newEnv(t, withPipeline(func(c *pipeline.Config) { c.Provider = prov }))
	id := e.send(t, plainRecipient)[0]
	select {
	case got := <-prov.entered:
		if got != id {
			t.Fatalf("provider got %s, want %s", got, id)
		}
	case <-time.After(waitFor):
		t.Fatal("the send never reached the provider")
	}
	stopped := make(chan struct{})
	go func() { e.pipe.Stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a send was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(prov.release)
	select {
	case <-stopped:
	case <-time.After(waitFor):
		t.Fatal("Stop did not return after the send finished")
	}
	m, err := e.db.GetMessageByID(e.ctx, id)
	if err != nil || m.Status != redcloud.MessageSent || m.ProviderRef != "blk_"+id {
		t.Errorf("after Stop: %s ref %q (err %v); want SENT with the provider's ref", m.Status, m.ProviderRef, err)
	}
	prov.mu.Lock()
	defer prov.mu.Unlock()
	if len(prov.log) != 2 || prov.log[0] != "send done" || prov.log[1] != "provider stopped" {
		t.Errorf("order = %v, want the send done, then the provider stopped", prov.log)
	}
	if len(prov.ctxErrs) != 1 || prov.ctxErrs[0] != nil {
		t.Errorf("send context errors = %v, want none: Stop lets sends finish", prov.ctxErrs)
	}
}

// TestStopDrainsAttempts: Stop waits for webhook attempts in flight and
// records them.
func TestStopDrainsAttempts(t *testing.T) {
	e := newEnv(t)
	e.setWebhooks(t, "/delivery", "")
	block := make(chan struct{})
	e.recv.setPolicy(func(hit, int) reply { return reply{status: 204, block: block} })
	id := e.send(t, plainRecipient)[0]
	eventually(t, waitFor, func() bool { return e.recv.busy() > 0 },
		func() string { return "no webhook attempt in flight" })
	stopped := make(chan struct{})
	go func() { e.pipe.Stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a webhook attempt was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(block)
	select {
	case <-stopped:
	case <-time.After(waitFor):
		t.Fatal("Stop did not return after the attempt finished")
	}
	hs := e.recv.forMessage(id)
	if len(hs) == 0 {
		t.Fatal("no webhook reached the receiver")
	}
	for _, h := range hs {
		_, ds := e.event(t, h.Event.EventID)
		if len(ds) != 1 || ds[0].State != platform.DeliveryDelivered || len(ds[0].Attempts) != 1 {
			t.Errorf("event %s after Stop: %+v, want its attempt recorded as DELIVERED", h.Event.EventID, ds)
		}
	}
}
