package pipeline_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/provider"
)

// throttlingProvider refuses each message's first `times` sends with a
// ThrottledError asking for `wait`, then accepts it; it records when each
// send came.
type throttlingProvider struct {
	times int
	wait  time.Duration
	mu    sync.Mutex
	sends map[string][]time.Time
}

func (p *throttlingProvider) Send(_ context.Context, m provider.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sends[m.ID] = append(p.sends[m.ID], time.Now())
	if len(p.sends[m.ID]) <= p.times {
		return "", &provider.ThrottledError{RetryAfter: p.wait, Reason: "ESME_RTHROTTLED"}
	}
	return "thr_" + m.ID, nil
}

func (p *throttlingProvider) Start(context.Context, provider.Sink) error { return nil }
func (p *throttlingProvider) Stop()                                      {}

func (p *throttlingProvider) sendTimes(id string) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.sends[id]...)
}

// TestThrottledRequeues: a send the upstream throttles goes back to the
// queue for the wait it asked for, without using an attempt of the retry
// schedule and without an event. The schedule here is empty, so a single
// counted attempt would fail the message UPSTREAM_UNAVAILABLE.
func TestThrottledRequeues(t *testing.T) {
	const throttles, wait = 4, 150 * time.Millisecond
	prov := &throttlingProvider{times: throttles, wait: wait, sends: map[string][]time.Time{}}
	e := newEnv(t, withPipeline(func(c *pipeline.Config) {
		c.Provider, c.ProviderRetrySchedule = prov, []time.Duration{}
	}))
	e.setWebhooks(t, "/delivery", "")
	id := e.send(t, plainRecipient)[0]
	m := e.waitStatus(t, id, redcloud.MessageSent, 2)
	if m.ProviderMessageRef == nil || *m.ProviderMessageRef != "thr_"+id {
		t.Errorf("message = %+v", m)
	}
	stored, _, err := e.db.GetMessage(e.ctx, clientID, id)
	must(t, err)
	if stored.Attempts != 1 {
		t.Errorf("attempts = %d after %d throttles and one acceptance, want 1", stored.Attempts, throttles)
	}
	sends := prov.sendTimes(id)
	if len(sends) != throttles+1 {
		t.Fatalf("%d sends, want %d", len(sends), throttles+1)
	}
	for i := 1; i < len(sends); i++ {
		// The message waits out the upstream's RetryAfter (no jitter, less
		// the clock's granularity).
		if gap := sends[i].Sub(sends[i-1]); gap < wait-10*time.Millisecond {
			t.Errorf("send %d came %v after the throttled one, want at least %v", i+1, gap, wait)
		}
	}
	// Webhooks: message.queued and message.sent only.
	eventually(t, waitFor, func() bool { return len(e.recv.forMessage(id)) >= 2 },
		func() string { return describeHits(e.recv.forMessage(id)) })
	hits := e.recv.forMessage(id)
	var types []string
	for _, h := range hits {
		types = append(types, h.Event.Type)
	}
	if fmt.Sprint(types) != "[message.queued message.sent]" {
		t.Errorf("webhooks %v, want queued and sent only", types)
	}
}

// TestThrottledUntilExpiry: a message throttled past its validity fails
// EXPIRED, not UPSTREAM_UNAVAILABLE: throttling never spends the schedule.
func TestThrottledUntilExpiry(t *testing.T) {
	prov := &throttlingProvider{times: 1 << 30, wait: 100 * time.Millisecond, sends: map[string][]time.Time{}}
	e := newEnv(t, withPipeline(func(c *pipeline.Config) {
		c.Provider, c.ProviderRetrySchedule = prov, []time.Duration{}
	}), withAPI(func(c *httpapi.Config) { c.MessageValidity = 800 * time.Millisecond }))
	id := e.send(t, plainRecipient)[0]
	m := e.waitStatus(t, id, redcloud.MessageFailed, 2)
	if m.Failure == nil || m.Failure.Code != redcloud.FailureExpired {
		t.Errorf("failure = %+v, want EXPIRED", m.Failure)
	}
	if n := len(prov.sendTimes(id)); n < 3 {
		t.Errorf("%d sends before expiry, want several throttled ones", n)
	}
}
