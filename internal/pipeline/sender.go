package pipeline

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// sendDue claims due QUEUED messages and hands each to the provider.
func (p *Pipeline) sendDue(ctx context.Context) bool {
	now := p.cfg.Now()
	if due, err := p.db.HasDueMessages(ctx, now); err != nil || !due {
		return false
	}
	free := acquire(p.sendSlots, p.cfg.BatchSize)
	if free == 0 {
		return false // a finishing send signals wakeSend
	}
	msgs, err := p.db.ClaimMessages(ctx, p.owner, now, now.Add(p.cfg.Lease), free)
	if err != nil {
		release(p.sendSlots, free)
		if ctx.Err() == nil {
			p.log.Error("claim messages", "err", err)
		}
		return false
	}
	release(p.sendSlots, free-len(msgs))
	// Sends in flight finish on Stop: they run on a context that is not
	// cancelled with the loop, bounded by half the lease.
	work := context.WithoutCancel(ctx)
	for _, m := range msgs {
		p.work.Add(1)
		go func() {
			defer p.work.Done()
			defer signal(p.wakeSend)
			defer release(p.sendSlots, 1)
			p.sendOne(work, m, now)
		}()
	}
	return len(msgs) == free && free == p.cfg.BatchSize
}

func (p *Pipeline) sendOne(ctx context.Context, m platform.Message, claimed time.Time) {
	// Route first: once the provider has the message its outcome must be
	// recordable, or the next claim would send it a second time.
	url, err := p.route(ctx, m)
	if err != nil {
		p.log.Error("route event; the message is retried when its lease ends", "messageId", m.ID, "err", err)
		return
	}
	now := p.cfg.Now()
	var t store.Transition
	if !now.Before(m.ExpiresAt) {
		t = p.failure(m, redcloud.FailureExpired, "no provider acceptance within the validity period", url, now)
	} else {
		sctx, cancel := context.WithTimeout(ctx, p.cfg.Lease/2)
		ref, err := p.cfg.Provider.Send(sctx, providerMessage(m))
		cancel()
		now = p.cfg.Now()
		perm, permanent := provider.IsPermanent(err)
		switch {
		case err == nil:
			next := m
			next.Status, next.ProviderRef, next.Sequence, next.Attempts = redcloud.MessageSent, ref, m.Sequence+1, m.Attempts+1
			next.NextAttemptAt, next.UpdatedAt = nil, now
			t = p.transition(m, next, webhook.TypeSent, url, now)
		case permanent:
			next := m
			next.Attempts++
			t = p.failure(next, perm.Code, perm.Message, url, now)
		default:
			t = p.retry(m, err, url, now)
		}
	}
	t.LeaseOwner = p.owner
	p.applyWithinLease(ctx, t, claimed)
}

// applyWithinLease writes a send's outcome, retrying while this worker
// still holds the lease: once the provider has the message, giving up would
// let the next claim send it a second time (a database outage must not
// duplicate messages).
func (p *Pipeline) applyWithinLease(ctx context.Context, t store.Transition, claimed time.Time) {
	deadline := claimed.Add(p.cfg.Lease - p.cfg.Lease/10)
	wait := 50 * time.Millisecond
	for {
		err := p.apply(ctx, t)
		if err == nil {
			return
		}
		if !p.cfg.Now().Add(wait).Before(deadline) {
			p.log.Error("apply transition; the message is retried when its lease ends", "messageId", t.Message.ID, "err", err)
			return
		}
		p.log.Warn("apply transition failed; retrying within the lease", "messageId", t.Message.ID, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

// route returns the URL a lifecycle event of m goes to now.
func (p *Pipeline) route(ctx context.Context, m platform.Message) (string, error) {
	c, n, err := p.db.Routing(ctx, m.APIClientID, m.NumberID)
	if err != nil {
		return "", err
	}
	return platform.LifecycleURL(c, n), nil
}

// retry schedules the next provider attempt after a transient failure, or
// fails the message when the schedule is spent.
func (p *Pipeline) retry(m platform.Message, cause error, url string, now time.Time) store.Transition {
	attempts := m.Attempts + 1
	sched := p.cfg.ProviderRetrySchedule
	if attempts > len(sched) {
		next := m
		next.Attempts = attempts
		return p.failure(next, redcloud.FailureUpstreamUnavailable, "provider unavailable after "+strconv.Itoa(attempts)+" attempts", url, now)
	}
	at := now.Add(time.Duration(float64(sched[attempts-1]) * p.cfg.Jitter()))
	if at.After(m.ExpiresAt) {
		at = m.ExpiresAt // noticed as EXPIRED then
	}
	p.log.Warn("provider send failed; will retry", "messageId", m.ID, "attempt", attempts, "retryAt", at, "err", cause)
	p.wakeAt(p.wakeSend, at.Sub(now))
	next := m
	next.Attempts, next.NextAttemptAt, next.UpdatedAt = attempts, &at, now
	return store.Transition{Message: next, FromStatus: m.Status, FromSequence: m.Sequence}
}

// failure moves m to FAILED with a message.failed event.
func (p *Pipeline) failure(m platform.Message, code, text, url string, now time.Time) store.Transition {
	next := m
	next.Status, next.FailureCode, next.FailureMessage = redcloud.MessageFailed, code, text
	next.Sequence, next.NextAttemptAt, next.UpdatedAt = m.Sequence+1, nil, now
	return p.transition(m, next, webhook.TypeFailed, url, now)
}

// transition builds a status change of m to next with its event and the
// event's delivery to url.
func (p *Pipeline) transition(m, next platform.Message, typ, url string, now time.Time) store.Transition {
	e := platform.NewLifecycleEvent(next, typ, now)
	return store.Transition{Message: next, FromStatus: m.Status, FromSequence: m.Sequence, Event: &e,
		Deliveries: []platform.Delivery{platform.NewDelivery(e, url, now)}}
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
	switch m.Status {
	case redcloud.MessageQueued:
		return provider.ErrNotYetSent
	case redcloud.MessageSent:
	default:
		return nil // terminal: late or repeated receipt
	}
	url, err := p.route(ctx, m)
	if err != nil {
		return err // the provider delivers the receipt again
	}
	now := p.cfg.Now()
	var t store.Transition
	if r.Delivered {
		next := m
		next.Status, next.Sequence, next.UpdatedAt = redcloud.MessageDelivered, m.Sequence+1, now
		t = p.transition(m, next, webhook.TypeDelivery, url, now)
	} else {
		code := r.FailureCode
		if code == "" {
			code = redcloud.FailureUndeliverable
		}
		t = p.failure(m, code, r.FailureText, url, now)
	}
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
	m, e, d := platform.NewInbound(c, n, platform.InboundInput{From: in.From, Text: in.Text, MediaURLs: in.MediaURLs}, p.cfg.Now())
	if err := p.db.InsertInbound(ctx, m, e, d); err != nil {
		return err
	}
	signal(p.wakeDispatch)
	return nil
}
