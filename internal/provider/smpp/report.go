package smpp

import (
	"context"
	"errors"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
)

// reportLease is how long a process has to hand an outcome to the
// platform before any process may try again.
const reportLease = 30 * time.Second

// reportPoll is how often queued outcomes are looked for without a wake-up:
// those of another process that died, and retries.
const reportPoll = time.Second

// reportNow hands an outcome decided in this process to the platform at
// once; it stays queued in the store until the platform took it.
func (p *Provider) reportNow(r platform.SMPPReport) {
	if !p.track() {
		return // stopping: the queued outcome waits for the next start
	}
	go func() {
		defer p.wg.Done()
		p.report(r)
	}()
}

// report hands one outcome to the platform's sink and marks it taken, or
// makes it due again with backoff (the message may not be recorded as sent
// yet: the receipt overtook the submit's answer).
func (p *Provider) report(r platform.SMPPReport) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), handleTimeout)
	defer cancel()
	rec := provider.Receipt{MessageID: r.MessageID, ProviderRef: r.SMSCID, Delivered: r.Delivered, At: p.cfg.Now()}
	if !r.Delivered {
		stat := statOfCode(r.Stat)
		rule, _ := statOf(stat)
		rec.FailureCode = rule.code
		if rec.FailureCode == "" {
			rec.FailureCode = redcloud.FailureUndeliverable
		}
		rec.FailureText = "the carrier reported " + stat
		rec.ProviderCode = r.Stat
	}
	err := p.sink.Receipt(ctx, rec)
	// A receipt that overtook the platform's record of the send (a fast
	// SMSC): that record is usually being committed now. Ask again a few
	// times within a third of a second before queueing the outcome for
	// later, which costs two writes and a tenth of a second at least.
	for wait := 5 * time.Millisecond; errors.Is(err, provider.ErrNotYetSent) && wait <= 160*time.Millisecond; wait *= 2 {
		if !sleep(p.ctx, wait) {
			break // stopping: the queued outcome waits for the next start
		}
		err = p.sink.Receipt(ctx, rec)
	}
	if err == nil {
		if err := p.cfg.Store.FinishSMPPReport(ctx, r.MessageID); err != nil {
			// The platform has it; a second hand-over changes nothing.
			p.log.Warn("smpp: mark outcome reported failed", "provider", p.cfg.Name, "messageId", r.MessageID, "err", err)
		}
		return
	}
	wait := reportBackoff(r.Attempts)
	if !errors.Is(err, provider.ErrNotYetSent) {
		p.log.Warn("smpp: platform did not take a receipt; retrying", "provider", p.cfg.Name, "messageId", r.MessageID, "err", err, "retryIn", wait.String())
	}
	if err := p.cfg.Store.RetrySMPPReport(ctx, r.MessageID, p.cfg.Now().Add(wait)); err != nil {
		p.log.Warn("smpp: reschedule outcome failed; retried after its lease", "provider", p.cfg.Name, "messageId", r.MessageID, "err", err)
		return
	}
	p.wakeReportsAt(wait)
}

// reportBackoff is the wait after a failed hand-over: 100 ms doubling up
// to a minute.
func reportBackoff(attempts int) time.Duration {
	d := 100 * time.Millisecond
	for i := 0; i < attempts && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, time.Minute)
}

// wakeReportsAt wakes the report loop after d (sooner than its poll).
func (p *Provider) wakeReportsAt(d time.Duration) {
	if d >= reportPoll {
		return
	}
	time.AfterFunc(d, func() {
		select {
		case p.wakeReports <- struct{}{}:
		default:
		}
	})
}

// reportLoop hands due outcomes to the platform: retries, and those another
// process queued and could not deliver.
func (p *Provider) reportLoop(ctx context.Context) {
	t := time.NewTicker(reportPoll)
	defer t.Stop()
	sem := make(chan struct{}, 16)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.wakeReports:
		}
		now := p.cfg.Now()
		due, err := p.cfg.Store.HasDueSMPPReports(ctx, p.cfg.Name, now)
		if err != nil || !due {
			continue
		}
		rs, err := p.cfg.Store.ClaimSMPPReports(ctx, p.cfg.Name, now, now.Add(reportLease), 64)
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("smpp: claim outcomes failed", "provider", p.cfg.Name, "err", err)
			}
			continue
		}
		for _, r := range rs {
			sem <- struct{}{}
			if !p.track() {
				return
			}
			go func() {
				defer p.wg.Done()
				defer func() { <-sem }()
				p.report(r)
			}()
		}
	}
}

// janitor drops what outlived its bounds: held receipts that never matched
// (counted), old parts and outcomes, inbound parts that never completed,
// and stale notes of unanswered submits.
func (p *Provider) janitor(ctx context.Context) {
	every := max(min(time.Minute, p.cfg.ReassemblyTimeout/2), 10*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	var lastPrune time.Time
	for {
		now := p.cfg.Now()
		if n := p.mo.expire(now); n > 0 {
			p.cfg.Metrics.Add(p.cfg.Name, CounterInboundDropped, n)
			p.log.Warn("smpp: incomplete inbound messages dropped", "provider", p.cfg.Name, "count", n)
		}
		p.imu.Lock()
		for k, at := range p.unknown {
			if now.Sub(at) > 24*time.Hour {
				delete(p.unknown, k)
			}
		}
		p.imu.Unlock()
		if now.Sub(lastPrune) >= time.Hour {
			lastPrune = now
			held, reports, err := p.cfg.Store.PruneSMPP(ctx, p.cfg.Name, now.Add(-p.cfg.HoldReceipts), now.Add(-p.cfg.KeepParts))
			switch {
			case err != nil:
				if ctx.Err() == nil {
					p.log.Warn("smpp: prune failed", "provider", p.cfg.Name, "err", err)
				}
			default:
				if held > 0 {
					p.cfg.Metrics.Add(p.cfg.Name, CounterReceiptsDropped, held)
					p.log.Warn("smpp: receipts for unknown ids dropped after the hold bound", "provider", p.cfg.Name, "count", held)
				}
				if reports > 0 {
					p.cfg.Metrics.Add(p.cfg.Name, CounterReportsDropped, reports)
					p.log.Warn("smpp: outcomes the platform never took dropped", "provider", p.cfg.Name, "count", reports)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
