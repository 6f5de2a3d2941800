package pipeline

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/store"
)

// sendDue claims due QUEUED messages and hands each to the provider. The
// claim shapes the traffic: messages whose buckets lack the tokens go back
// to the queue until they refill (not an attempt), and the messages of one
// limited number are sent one after another in their order.
func (p *Pipeline) sendDue(ctx context.Context) bool {
	now := p.cfg.Now()
	if due, err := p.db.HasDueMessages(ctx, now); err != nil || !due {
		return false
	}
	free := acquire(p.sendSlots, p.cfg.BatchSize)
	if free == 0 {
		return false // a finishing send signals wakeSend
	}
	msgs, deferred, err := p.db.ClaimShaped(ctx, p.owner, now, now.Add(p.cfg.Lease), free,
		store.Shaping{DefaultMPS: p.cfg.DefaultNumberMPS, Local: p.local})
	if err != nil {
		release(p.sendSlots, free)
		if ctx.Err() == nil {
			p.log.Error("claim messages", "err", err)
		}
		return false
	}
	p.deferred(deferred, now)
	// A message whose outcome this process is still writing was claimed
	// again after its lease: it must not go to the provider twice.
	msgs = slices.DeleteFunc(msgs, func(m platform.Message) bool {
		_, pending := p.pending.Load(m.ID)
		return pending
	})
	release(p.sendSlots, free-len(msgs))
	// Sends in flight finish on Stop: they run on a context that is not
	// cancelled with the loop, bounded by half the lease.
	work := context.WithoutCancel(ctx)
	for _, group := range p.inOrder(msgs, now) {
		p.work.Add(1)
		go func() {
			defer p.work.Done()
			defer signal(p.wakeSend)
			for i, m := range group {
				p.waitSlot(m)
				if p.sendOne(work, m) {
					// The upstream refused to take it for now: the rest of
					// the number's messages wait behind it, unsent.
					for _, rest := range group[i+1:] {
						p.putBack(work, rest)
					}
					release(p.sendSlots, len(group)-i)
					return
				}
				release(p.sendSlots, 1)
			}
		}()
	}
	return len(msgs)+len(deferred) >= free && free == p.cfg.BatchSize
}

// inOrder splits a claim into groups sent concurrently: one per number
// whose messages took tokens (in acceptance order, one after another, so
// the upstream receives them in that order), one per other message.
func (p *Pipeline) inOrder(msgs []platform.Message, now time.Time) [][]platform.Message {
	var out [][]platform.Message
	byNumber := map[string]int{}
	for _, m := range msgs {
		if m.QueuedUntil == nil && !p.shaped(m, now) {
			out = append(out, []platform.Message{m})
			continue
		}
		i, ok := byNumber[m.NumberID]
		if !ok {
			i = len(out)
			byNumber[m.NumberID] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], m)
	}
	for _, g := range out {
		slices.SortFunc(g, func(a, b platform.Message) int { return strings.Compare(a.ID, b.ID) })
	}
	return out
}

// waitSlot waits for m's slot in its buckets, which a claim gives out at
// most store.Lookahead ahead, so that the upstream sees each message at
// the rate.
func (p *Pipeline) waitSlot(m platform.Message) {
	if m.QueuedUntil == nil {
		return
	}
	if d := min(m.QueuedUntil.Sub(p.cfg.Now()), store.Lookahead); d > 0 {
		time.Sleep(d)
	}
}

// shaped reports whether a rate limits m's number or provider connection.
func (p *Pipeline) shaped(m platform.Message, now time.Time) bool {
	if p.cfg.DefaultNumberMPS > 0 {
		return true
	}
	_, limited := p.local.Earliest(m, 0, now)
	return limited
}

// deferred records a claim's deferrals and wakes the sender for the first.
func (p *Pipeline) deferred(ds []store.Deferral, now time.Time) {
	if len(ds) == 0 {
		return
	}
	first := ds[0].Until
	for _, d := range ds {
		if d.Until.Before(first) {
			first = d.Until
		}
	}
	p.cfg.Metrics.Deferred(len(ds))
	p.wakeAt(p.wakeSend, first.Sub(now))
}

// sendOne sends m (or writes why it is not sent) and reports whether the
// upstream asked to slow down.
func (p *Pipeline) sendOne(ctx context.Context, m platform.Message) (throttledUp bool) {
	// Route first: once the provider has the message its outcome must be
	// recordable, or the next claim would send it a second time.
	c, n, err := p.db.Routing(ctx, m.APIClientID, m.NumberID)
	if err != nil {
		p.log.Error("route event; the message is retried when its lease ends", "messageId", m.ID, "err", err)
		return
	}
	route := platform.RouteOf(c, n)
	written := make(chan struct{})
	p.pending.Store(m.ID, written)
	defer func() {
		p.pending.Delete(m.ID)
		close(written)
	}()
	now := p.cfg.Now()
	var step platform.Step
	// Checked at every attempt, right before the provider call: suspending
	// a client, its account or the number, or unassigning the number, stops
	// the messages it already queued.
	// The opt-out is read here too, so a STOP that lands after acceptance
	// still stops the message; a keyword reply (the STOP confirmation
	// itself) is never held back by it.
	optedOut := false
	if !m.KeywordReply {
		out, err := p.db.Suppressed(ctx, m.APIClientID, []string{m.To})
		if err != nil {
			p.log.Error("read opt-outs; the message is retried when its lease ends", "messageId", m.ID, "err", err)
			return
		}
		optedOut = out[m.To]
	}
	if code, text := platform.SenderBlock(m, c, n); code != "" {
		step, err = platform.Withheld(m, code, text, now)
	} else if optedOut {
		step, err = platform.OptedOut(m, now)
	} else if !now.Before(m.ExpiresAt) {
		step, err = platform.Expired(m, now)
	} else {
		sctx, cancel := context.WithTimeout(ctx, p.cfg.Lease/2)
		ref, serr := p.cfg.Provider.Send(sctx, providerMessage(m))
		cancel()
		now = p.cfg.Now()
		perm, permanent := provider.IsPermanent(serr)
		throttle, throttled := provider.IsThrottled(serr)
		switch {
		case serr == nil:
			step, err = platform.Sent(m, ref, now)
		case permanent && perm.Code == redcloud.FailureNoRoute:
			step, err = platform.Unrouted(m, perm.Message, now)
		case permanent:
			step, err = platform.Rejected(m, perm.Code, perm.Message, perm.ProviderCode, now)
		case throttled:
			throttledUp = true
			step, err = p.requeue(m, throttle, now)
		default:
			step, err = p.retry(m, serr, now)
		}
	}
	if err != nil {
		// A claimed message is QUEUED, so this is a bug: leave the row to
		// its lease rather than write a move the lifecycle forbids.
		p.log.Error("lifecycle refused the send's outcome", "messageId", m.ID, "err", err)
		return
	}
	t := transition(step, route, now)
	t.LeaseOwner = p.owner
	p.applyOutcome(ctx, t)
	return throttledUp
}

// applyOutcome writes a send's outcome, retrying until it lands: once the
// provider has the message, giving up would let a later claim send it a
// second time (a database outage must not duplicate messages). While it
// retries, it keeps extending the lease (so other processes do not claim
// the message once the database takes writes again) and this process skips
// the message if it claims it again. It gives up only when the pipeline
// stops; the message is then sent again after its lease, with its
// messageId for the provider to de-duplicate (CONTRACT §6).
func (p *Pipeline) applyOutcome(ctx context.Context, t store.Transition) {
	wait := 50 * time.Millisecond
	for {
		err := p.apply(ctx, t)
		if err == nil {
			return
		}
		select {
		case <-p.quit:
			p.log.Error("apply transition: stopping with the outcome unwritten; the message is sent again after its lease",
				"messageId", t.Message.ID, "err", err)
			return
		case <-time.After(wait):
		}
		p.log.Warn("apply transition failed; retrying", "messageId", t.Message.ID, "err", err)
		if err := p.db.ExtendMessageLease(ctx, t.Message.ID, p.owner, p.cfg.Now().Add(p.cfg.Lease)); err != nil {
			p.log.Warn("extend lease while the outcome is unwritten", "messageId", t.Message.ID, "err", err)
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// route returns the facts that route m's lifecycle events now.
func (p *Pipeline) route(ctx context.Context, m platform.Message) (platform.Route, error) {
	c, n, err := p.db.Routing(ctx, m.APIClientID, m.NumberID)
	if err != nil {
		return platform.Route{}, err
	}
	return platform.RouteOf(c, n), nil
}

// retry schedules the next provider attempt after a transient failure, or
// fails the message when the schedule is spent.
func (p *Pipeline) retry(m platform.Message, cause error, now time.Time) (platform.Step, error) {
	attempt := m.Attempts + 1
	sched := p.cfg.ProviderRetrySchedule
	if attempt > len(sched) {
		return platform.Exhausted(m, now)
	}
	at := now.Add(time.Duration(float64(sched[attempt-1]) * p.cfg.Jitter()))
	if at.After(m.ExpiresAt) {
		at = m.ExpiresAt // noticed as EXPIRED then
	}
	p.log.Warn("provider send failed; will retry", "messageId", m.ID, "attempt", attempt, "retryAt", at, "err", cause)
	p.wakeAt(p.wakeSend, at.Sub(now))
	return platform.Retry(m, at, now)
}

// minThrottleWait is the wait after an upstream's request to slow down
// that named no wait of its own.
const minThrottleWait = time.Second

// requeue puts a message the upstream refused to take for now (throttling)
// back in the queue after the wait it asked for: not a provider attempt, so
// its retry schedule is left whole, and no event.
func (p *Pipeline) requeue(m platform.Message, t *provider.ThrottledError, now time.Time) (platform.Step, error) {
	wait := t.RetryAfter
	if wait <= 0 {
		wait = minThrottleWait
	}
	p.local.throttled(m.NumberID, wait, now)
	at := now.Add(wait)
	if at.After(m.ExpiresAt) {
		at = m.ExpiresAt // noticed as EXPIRED then
	}
	p.cfg.Metrics.Throttled()
	// Debug: a throttling upstream refuses many sends a second; the metric
	// counts them.
	p.log.Debug("provider throttled; requeued without using a retry", "messageId", m.ID, "retryAt", at, "reason", t.Reason)
	p.wakeAt(p.wakeSend, at.Sub(now))
	return queuedUntil(platform.Requeue(m, at, now))
}

// putBack returns a claimed message to the queue unsent, due when its
// provider connection takes messages again: one claimed after a message of
// its number that the upstream refused for now.
func (p *Pipeline) putBack(ctx context.Context, m platform.Message) {
	now := p.cfg.Now()
	at, _ := p.local.Earliest(m, platform.Cost(m), now)
	if at.After(m.ExpiresAt) {
		at = m.ExpiresAt
	}
	step, err := queuedUntil(platform.Requeue(m, at, now))
	if err != nil {
		p.log.Error("lifecycle refused a requeue", "messageId", m.ID, "err", err)
		return
	}
	t := transition(step, platform.Route{}, now)
	t.LeaseOwner = p.owner
	p.applyOutcome(ctx, t)
}

// queuedUntil shows a requeued message's next attempt as its estimated
// send time.
func queuedUntil(s platform.Step, err error) (platform.Step, error) {
	if err == nil && s.Message.NextAttemptAt != nil {
		at := *s.Message.NextAttemptAt
		s.Message.QueuedUntil = &at
	}
	return s, err
}

// transition is the store's write of a lifecycle step, with its event's
// delivery to the URL the route picks for it.
func transition(s platform.Step, r platform.Route, now time.Time) store.Transition {
	t := store.Transition{Message: s.Message, FromStatus: s.FromStatus, FromSequence: s.FromSequence, Event: s.Event}
	// A keyword reply keeps its events for its history but emits no webhooks.
	if s.Event != nil && !s.Message.KeywordReply {
		t.Deliveries = []platform.Delivery{platform.NewDelivery(*s.Event, r.URL(s.Event.Type), now)}
	}
	return t
}

// apply commits a transition. A lost race (the row moved on meanwhile) is
// logged and dropped: whoever moved it wrote that step's one event.
func (p *Pipeline) apply(ctx context.Context, t store.Transition) error {
	ok, err := p.db.ApplyTransitions(ctx, []store.Transition{t})
	if err != nil {
		return err
	}
	if !ok[0] {
		p.log.Warn("transition skipped: message moved on", "messageId", t.Message.ID, "status", t.Message.Status)
		return nil
	}
	if t.Event != nil {
		p.cfg.Metrics.MessageStatus(t.Message.Status)
		signal(p.wakeDispatch)
	}
	return nil
}

// sink takes receipts and inbound messages from the provider.
type sink struct{ p *Pipeline }

// Receipt moves a SENT message to DELIVERED or FAILED. A receipt for a
// terminal message changes nothing; one that overtakes the SENT commit is
// refused with ErrNotYetSent so the provider delivers it again.
func (s sink) Receipt(ctx context.Context, r provider.Receipt) error {
	p := s.p
	var m platform.Message
	var err error
	if r.MessageID != "" {
		if written, ok := p.pending.Load(r.MessageID); ok {
			select {
			case <-written.(chan struct{}):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		m, err = p.db.GetMessageByID(ctx, r.MessageID)
	} else {
		m, err = p.db.GetMessageByProviderRef(ctx, r.ProviderRef)
	}
	if errors.Is(err, platform.ErrNotFound) {
		p.log.Warn("receipt for unknown message", "messageId", r.MessageID, "providerRef", r.ProviderRef)
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case m.Status == redcloud.MessageQueued:
		return provider.ErrNotYetSent
	case platform.Terminal(m.Status):
		return nil // late or repeated receipt
	}
	route, err := p.route(ctx, m)
	if err != nil {
		return err // the provider delivers the receipt again
	}
	now := p.cfg.Now()
	var step platform.Step
	if r.Delivered {
		step, err = platform.Delivered(m, now)
	} else {
		step, err = platform.Undelivered(m, r.FailureCode, r.FailureText, r.ProviderCode, now)
	}
	if err != nil {
		p.log.Error("receipt refused by the lifecycle", "messageId", m.ID, "status", m.Status, "err", err)
		return nil // a receipt cannot apply to this message: delivering it again would not help
	}
	t := transition(step, route, now)
	return p.apply(ctx, t)
}

// Inbound stores a message received on a number and emits message.inbound
// to its owner; to a number nobody owns, or one not ACTIVE (CONTRACT §9),
// it is stored and logged only.
func (s sink) Inbound(ctx context.Context, in provider.Inbound) error {
	p := s.p
	n, err := p.db.GetNumberByE164(ctx, in.To)
	var c platform.APIClient
	if err == nil && n.APIClientID != "" && n.Status == redcloud.StatusActive {
		c, err = p.db.GetAPIClient(ctx, n.APIClientID)
	} else if err == nil || errors.Is(err, platform.ErrNotFound) {
		p.log.Warn("inbound message to a number nobody owns or not active", "to", in.To, "status", n.Status)
		n, err = platform.Number{E164: in.To}, nil
	}
	if err != nil {
		return err
	}
	r := platform.ReceiveInbound(c, n, platform.InboundInput{From: in.From, Text: in.Text, MediaURLs: in.MediaURLs}, p.cfg.Now())
	if err := p.db.ReceiveInbound(ctx, r); err != nil {
		return err
	}
	signal(p.wakeDispatch)
	if r.Keyword != nil {
		signal(p.wakeSend) // the keyword reply
	}
	return nil
}
