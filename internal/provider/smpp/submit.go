package smpp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
)

// partKey names one part of one message.
type partKey struct {
	msg string
	no  int
}

// submit is one submit_sm written to the SMSC. Its fields are final once
// done is closed.
type submit struct {
	key  partKey
	done chan struct{}

	answered bool
	status   data.CommandStatusType
	smscID   string // normalised
	err      error  // why it has no usable answer (link dropped, id not recorded)
}

// Send submits every part of m that has no recorded SMSC id yet and
// returns when each is answered and its id stored: the ref is the first
// part's SMSC id. A submit written on a link that is still up is never
// written again while its answer may come: a retry waits for it.
func (p *Provider) Send(ctx context.Context, m provider.Message) (string, error) {
	if err := p.running(); err != nil {
		return "", err
	}
	if m.MessageType != "" && m.MessageType != redcloud.MessageTypeSMS {
		return "", &provider.PermanentError{Code: redcloud.FailureContentRejected, Message: "SMPP carries SMS only; MMS needs another provider"}
	}
	dst, ok := e164Digits(m.To)
	if !ok {
		return "", &provider.PermanentError{Code: redcloud.FailureInvalidDestination, Message: "destination is not an E.164 number"}
	}
	parts, err := splitText(m.ID, m.Text, p.cfg.DCS0, p.cfg.Segmentation)
	if err != nil {
		return "", &provider.PermanentError{Code: redcloud.FailureContentRejected, Message: err.Error()}
	}
	recorded := map[int]string{}
	// A first attempt has nothing recorded, unless a process that died
	// sent it (MaybeSent: Attempt does not count that one).
	if m.Attempt > 1 || m.MaybeSent {
		ps, err := p.cfg.Store.SMPPParts(ctx, m.ID)
		if err != nil {
			return "", fmt.Errorf("smpp: read recorded parts: %w", err)
		}
		for _, rp := range ps {
			// A part recorded under another split (the operator changed
			// --segmentation or --dcs0 meanwhile) does not count.
			if rp.Parts == len(parts) && rp.Provider == p.cfg.Name {
				recorded[rp.PartNo] = rp.SMSCID
			}
		}
	}
	var subs []*submit
	var startErr error
	for _, wp := range parts {
		if _, ok := recorded[wp.no]; ok {
			continue
		}
		s, err := p.startSubmit(ctx, m, wp, dst)
		if err != nil {
			startErr = err // this part and the rest wait for the retry
			break
		}
		subs = append(subs, s)
	}
	for _, s := range subs {
		select {
		case <-s.done:
		case <-ctx.Done():
			// Its answer may still come on a live link: it is recorded
			// then, and the retry waits for it instead of resending.
			return "", fmt.Errorf("smpp: part %d of %d unanswered so far: %w", s.key.no, len(parts), ctx.Err())
		}
	}
	var throttled *provider.ThrottledError
	var transient error
	for _, s := range subs {
		switch {
		case !s.answered || s.err != nil:
			transient = s.err
		default:
			rule := ruleFor(s.status)
			switch rule.outcome {
			case outcomeOK:
				recorded[s.key.no] = s.smscID
			case outcomeThrottled:
				throttled = &provider.ThrottledError{RetryAfter: p.cfg.ThrottlePause, Reason: statusName(s.status)}
			case outcomePermanent:
				return "", &provider.PermanentError{Code: rule.code, ProviderCode: providerCode(s.status),
					Message: fmt.Sprintf("the SMSC refused part %d of %d: %s", s.key.no, len(parts), statusName(s.status))}
			default:
				transient = fmt.Errorf("smpp: the SMSC answered part %d of %d with %s", s.key.no, len(parts), statusName(s.status))
			}
		}
	}
	switch {
	case throttled != nil:
		return "", throttled
	case transient != nil:
		return "", transient
	case startErr != nil:
		return "", startErr
	}
	return recorded[1], nil
}

// startSubmit writes part wp of m, or returns the submit of an earlier
// attempt still waiting for its answer.
func (p *Provider) startSubmit(ctx context.Context, m provider.Message, wp wirePart, dst string) (*submit, error) {
	key := partKey{m.ID, wp.no}
	p.imu.Lock()
	prev := p.inflight[key]
	p.imu.Unlock()
	if prev != nil {
		return prev, nil
	}
	b, s, err := p.pickSession(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.win.acquire(ctx, s.closed); err != nil {
		return nil, fmt.Errorf("smpp: wait for the window: %w", err)
	}
	if p.limiter != nil {
		if err := p.limiter.Wait(ctx); err != nil {
			s.win.release()
			return nil, fmt.Errorf("smpp: wait for the rate limit: %w", err)
		}
	}
	sm, err := p.submitPDU(m, wp, dst)
	if err != nil {
		s.win.release()
		return nil, &provider.PermanentError{Code: redcloud.FailureContentRejected, Message: err.Error()}
	}
	sub := &submit{key: key, done: make(chan struct{})}
	p.imu.Lock()
	if prev := p.inflight[key]; prev != nil { // another attempt got there first
		p.imu.Unlock()
		s.win.release()
		return prev, nil
	}
	p.inflight[key] = sub
	_, resend := p.unknown[key]
	delete(p.unknown, key)
	// A process that died may have written it: the SMSC may have it.
	resend = resend || m.MaybeSent
	p.imu.Unlock()
	if !p.track() {
		p.forgetInflight(sub)
		s.win.release()
		return nil, errStopped
	}
	seq, ch, err := s.request(sm, true)
	if err != nil {
		p.wg.Done()
		p.forgetInflight(sub)
		s.win.release()
		if resend {
			p.markUnknown(key) // still unknown: the next resend counts
		}
		return nil, fmt.Errorf("smpp: write submit_sm: %w", err)
	}
	p.cfg.Metrics.Add(p.cfg.Name, CounterSubmits, 1)
	if resend {
		p.cfg.Metrics.Add(p.cfg.Name, CounterPossibleDuplicates, 1)
		p.log.Warn("smpp: part resent after an unanswered submit: possible duplicate", "provider", p.cfg.Name,
			"messageId", m.ID, "part", wp.no)
	}
	go func() {
		defer p.wg.Done()
		p.await(b, s, sub, seq, ch, wp.total)
	}()
	return sub, nil
}

// submitPDU builds the submit_sm of part wp of m.
func (p *Provider) submitPDU(m provider.Message, wp wirePart, dst string) (*pdu.SubmitSM, error) {
	sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
	ton, npi, src := sourceAddress(m.From)
	sm.SourceAddr = pdu.NewAddressWithTonNpi(ton, npi)
	if err := sm.SourceAddr.SetAddress(src); err != nil {
		return nil, fmt.Errorf("source address: %w", err)
	}
	sm.DestAddr = pdu.NewAddressWithTonNpi(data.GSM_TON_INTERNATIONAL, data.GSM_NPI_E164)
	if err := sm.DestAddr.SetAddress(dst); err != nil {
		return nil, fmt.Errorf("destination address: %w", err)
	}
	sm.EsmClass = wp.esmClass
	sm.RegisteredDelivery = 1 // a final receipt, success or failure
	if err := sm.Message.SetMessageDataWithEncoding(wp.short, data.NewCustomEncoding(wp.coding, nil)); err != nil {
		return nil, fmt.Errorf("part %d: %w", wp.no, err)
	}
	for _, f := range wp.tlvs {
		sm.RegisterOptionalParam(f)
	}
	return sm, nil
}

// await waits for the answer to one submit_sm, records its SMSC id, and
// completes the submit. It runs on after Send gave up waiting: a late
// answer is still recorded.
func (p *Provider) await(b *bind, s *session, sub *submit, seq int32, ch <-chan response, parts int) {
	timer := time.NewTimer(p.cfg.ResponseTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		sub.answered = true
		sub.status = r.hdr.CommandStatus
		if resp, ok := r.pdu.(*pdu.SubmitSMResp); ok {
			sub.smscID = normalizeID(resp.MessageID)
		}
	case <-s.closed:
		select {
		case r := <-ch: // answered just before the link ended
			sub.answered, sub.status = true, r.hdr.CommandStatus
			if resp, ok := r.pdu.(*pdu.SubmitSMResp); ok {
				sub.smscID = normalizeID(resp.MessageID)
			}
		default:
			sub.err = fmt.Errorf("smpp: link lost with part %d unanswered: %w", sub.key.no, s.err)
		}
	case <-timer.C:
		err := fmt.Errorf("smpp: submit_sm unanswered for %s", p.cfg.ResponseTimeout)
		s.close(err) // an SMSC that stopped answering: rebind
		sub.err = err
	}
	s.win.forget(seq)
	s.win.release()
	p.settle(b, s, sub, parts)
	p.forgetInflight(sub)
	close(sub.done)
}

// settle acts on a submit's outcome: records the id, pauses a throttled
// bind, raises the source-address alert, counts.
func (p *Provider) settle(b *bind, s *session, sub *submit, parts int) {
	name := p.cfg.Name
	if !sub.answered {
		p.cfg.Metrics.Add(name, CounterSubmitUnanswered, 1)
		p.markUnknown(sub.key)
		return
	}
	rule := ruleFor(sub.status)
	switch rule.outcome {
	case outcomeOK:
		p.cfg.Metrics.Add(name, CounterSubmitOK, 1)
		if sub.smscID == "" {
			p.log.Warn("smpp: submit_sm_resp without a message_id: receipts for this part cannot be matched",
				"provider", name, "messageId", sub.key.msg, "part", sub.key.no)
		}
		if err := p.recordPart(sub, parts); err != nil {
			// The SMSC has the part, the database does not: the retry
			// resends it.
			sub.err = err
			p.markUnknown(sub.key)
		}
	case outcomeThrottled:
		p.cfg.Metrics.Add(name, CounterThrottled, 1)
		b.pause(p.cfg.ThrottlePause)
		p.log.Info("smpp: throttled by the SMSC; bind paused", "provider", name, "bind", b.index, "status", statusName(sub.status), "pause", p.cfg.ThrottlePause.String())
	case outcomePermanent:
		p.cfg.Metrics.Add(name, CounterSubmitRejected, 1)
		if rule.alert {
			if sub.status == data.ESME_RINVSRCADR || sub.status == data.ESME_RINVSRCTON || sub.status == data.ESME_RINVSRCNPI {
				p.cfg.Metrics.Add(name, CounterSourceRejected, 1)
			}
			p.log.Error("smpp: the SMSC refused a submit for a reason the operator must fix (source address, provisioning or link settings)",
				"provider", name, "messageId", sub.key.msg, "part", sub.key.no, "status", statusName(sub.status))
		}
	default:
		p.cfg.Metrics.Add(name, CounterSubmitFailed, 1)
		if sub.status == data.ESME_RINVBNDSTS {
			// The SMSC no longer takes this link for bound: every submit
			// on it would fail the same way. Bind again.
			s.close(fmt.Errorf("smpp: the SMSC answered %s", statusName(sub.status)))
		}
	}
}

// recordPart stores a part's SMSC id, retrying briefly: once the SMSC has
// the part, giving up means resending it. A receipt that arrived first is
// matched now, and a decided outcome goes to the platform.
func (p *Provider) recordPart(sub *submit, parts int) error {
	part := platform.SMPPPart{MessageID: sub.key.msg, PartNo: sub.key.no, Parts: parts, Provider: p.cfg.Name,
		SMSCID: sub.smscID, Updated: p.cfg.Now()}
	wait := 50 * time.Millisecond
	var err error
	for i := 0; i < 8; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var report *platform.SMPPReport
		report, err = p.cfg.Store.RecordSMPPPart(ctx, part, p.cfg.Now().Add(reportLease))
		cancel()
		if err == nil {
			if report != nil {
				p.reportNow(*report)
			}
			return nil
		}
		p.log.Warn("smpp: record SMSC id failed; retrying", "provider", p.cfg.Name, "messageId", sub.key.msg, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
	p.log.Error("smpp: SMSC id not recorded; the part will be resent", "provider", p.cfg.Name, "messageId", sub.key.msg, "part", sub.key.no, "err", err)
	return fmt.Errorf("smpp: record SMSC id: %w", err)
}

func (p *Provider) forgetInflight(sub *submit) {
	p.imu.Lock()
	if p.inflight[sub.key] == sub {
		delete(p.inflight, sub.key)
	}
	p.imu.Unlock()
}

// markUnknown notes that key's submit may have reached the SMSC without an
// answer: its resend is a possible duplicate.
func (p *Provider) markUnknown(key partKey) {
	p.imu.Lock()
	p.unknown[key] = p.cfg.Now()
	p.imu.Unlock()
}

// e164Digits returns an E.164 number's digits without the '+'.
func e164Digits(s string) (string, bool) {
	d, ok := strings.CutPrefix(s, "+")
	if !ok || len(d) < 2 || len(d) > 15 || !isDec(d) {
		return "", false
	}
	return d, true
}

// sourceAddress is the submit's source: an E.164 number as its digits
// (TON 1 international, NPI 1 E.164), anything else as an alphanumeric
// sender (TON 5, NPI 0).
func sourceAddress(from string) (ton, npi byte, addr string) {
	if d, ok := e164Digits(from); ok {
		return data.GSM_TON_INTERNATIONAL, data.GSM_NPI_E164, d
	}
	return data.GSM_TON_ALPHANUMERIC, data.GSM_NPI_UNKNOWN, from
}
