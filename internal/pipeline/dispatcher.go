package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// dispatchDue claims due deliveries and attempts each; events are delivered
// independently, so one slow endpoint does not hold back others.
func (p *Pipeline) dispatchDue(ctx context.Context) bool {
	now := p.cfg.Now()
	if due, err := p.db.HasDueDeliveries(ctx, now); err != nil || !due {
		return false
	}
	free := acquire(p.deliverSlots, p.cfg.BatchSize)
	if free == 0 {
		return false
	}
	jobs, err := p.db.ClaimDeliveries(ctx, p.owner, now, now.Add(p.cfg.Lease), free)
	if err != nil {
		release(p.deliverSlots, free)
		if ctx.Err() == nil {
			p.log.Error("claim deliveries", "err", err)
		}
		return false
	}
	admitted, deferred := jobs[:0:0], []store.DeliveryDeferral(nil)
	for _, j := range jobs {
		if ok, at := p.gate.admit(j.APIClientID, hostOf(j.URL)); ok {
			admitted = append(admitted, j)
		} else {
			deferred = append(deferred, store.DeliveryDeferral{ID: j.ID, At: at})
			p.wakeAt(p.wakeDispatch, at.Sub(now))
		}
	}
	release(p.deliverSlots, free-len(admitted))
	// Deferred rows would otherwise wait for their lease to run out.
	if err := p.db.DeferDeliveries(ctx, p.owner, deferred); err != nil && ctx.Err() == nil {
		p.log.Error("defer deliveries", "err", err)
	}
	work := context.WithoutCancel(ctx)
	for _, j := range admitted {
		p.work.Add(1)
		go func() {
			defer p.work.Done()
			defer signal(p.wakeDispatch)
			defer release(p.deliverSlots, 1)
			p.deliver(work, j)
		}()
	}
	// Deferred rows are no longer due: claim again at once, so that other
	// tenants' rows behind them are not left for the next poll.
	return len(deferred) > 0 || len(jobs) == free && free == p.cfg.BatchSize
}

// deliver makes one attempt, gives its gate slot back, and records the
// attempt with the delivery's next state. The slot is held for the HTTP
// exchange only: holding it while the attempt is written would bound one
// endpoint's deliveries by the database's commit time.
func (p *Pipeline) deliver(ctx context.Context, j store.DeliveryJob) {
	number := j.Attempts + 1
	start := p.cfg.Now()
	t0 := time.Now()
	status, errText, broken := p.post(ctx, j, number)
	p.gate.done(j.APIClientID, hostOf(j.URL), broken, time.Since(t0))
	latency := p.cfg.Now().Sub(start)
	a := store.Attempt{DeliveryID: j.ID, LeaseOwner: p.owner, Number: number, At: start,
		StatusCode: status, Error: errText, Latency: latency, State: platform.DeliveryPending}
	outcome := "failure"
	switch {
	case errText == "" && status >= 200 && status < 300:
		a.State, outcome = platform.DeliveryDelivered, "success"
	case number > len(p.cfg.WebhookRetrySchedule):
		a.State = platform.DeliveryFailed
	default:
		next := start.Add(latency).Add(p.cfg.WebhookRetrySchedule[number-1])
		a.NextAttemptAt = &next
		p.wakeAt(p.wakeDispatch, next.Sub(p.cfg.Now()))
	}
	if err := p.db.RecordAttempts(ctx, []store.Attempt{a}); err != nil {
		p.log.Error("record delivery attempt", "deliveryId", j.ID, "eventId", j.EventID, "err", err)
		return
	}
	p.cfg.Metrics.WebhookAttempt(outcome, latency)
	if a.State == platform.DeliveryDelivered {
		p.cfg.Metrics.DeliveryLatency(p.cfg.Now().Sub(j.CreatedAt))
	}
	if a.State != platform.DeliveryDelivered {
		p.log.Warn("webhook attempt failed", "eventId", j.EventID, "deliveryId", j.ID, "attempt", number,
			"status", status, "err", errText, "state", a.State)
	}
}

// post sends the event's fixed body, freshly signed; it returns the status
// code (0 without a response), an error text ("" when a response came), and
// whether the endpoint looked broken (timed out or could not be reached;
// the address guard's refusal is immediate and not the endpoint's fault).
func (p *Pipeline) post(ctx context.Context, j store.DeliveryJob, attempt int) (int, string, bool) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(j.Body))
	if err != nil {
		return 0, "invalid URL: " + err.Error(), false
	}
	ts, sig := webhook.SignatureHeaders(j.Secret, p.cfg.Now(), j.Body)
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", webhook.UserAgent)
	h.Set(webhook.HeaderTimestamp, ts)
	h.Set(webhook.HeaderSignature, sig)
	h.Set(webhook.HeaderEventID, j.EventID)
	h.Set(webhook.HeaderEventType, j.EventType)
	h.Set(webhook.HeaderAttempt, strconv.Itoa(attempt))
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, "timeout after " + p.cfg.WebhookTimeout.String(), true
		}
		broken := !errors.Is(err, ErrBlockedAddress)
		// The URL may carry a receiver's token in its query: record the
		// cause without it.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			return 0, uerr.Err.Error(), broken
		}
		return 0, err.Error(), broken
	}
	// Drain a little so the connection can be reused; the body means nothing.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return resp.StatusCode, "redirect not followed", false
	}
	return resp.StatusCode, "", false
}
