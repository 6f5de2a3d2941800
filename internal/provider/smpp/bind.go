package smpp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// bindError is the SMSC's refusal of bind_transceiver.
type bindError struct{ status data.CommandStatusType }

func (e *bindError) Error() string {
	return fmt.Sprintf("bind refused: %s (0x%08X)", statusName(e.status), uint32(e.status))
}

// credentials reports whether the refusal is about the credentials: those
// are not retried in a loop.
func (e *bindError) credentials() bool { return credentialStatus(e.status) }

// bind is one of the provider's transceiver binds: it keeps a session up,
// rebinding with backoff, and reports its state.
type bind struct {
	p     *Provider
	index int

	mu     sync.Mutex
	sess   *session
	paused time.Time // no submits before this (after a throttle)
	state  BindState
}

// current returns the bound session (nil when not bound) and the end of
// its throttle pause.
func (b *bind) current() (*session, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sess, b.paused
}

// pause stops submits on the bind for d.
func (b *bind) pause(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until := b.p.cfg.Now().Add(d); until.After(b.paused) {
		b.paused = until
	}
}

func (b *bind) attach(s *session) {
	b.mu.Lock()
	b.sess = s
	b.mu.Unlock()
}

// setState records and reports a state change (a new error in the same
// state is a change too).
func (b *bind) setState(state string, err error) {
	last := ""
	if err != nil {
		last = err.Error()
	}
	b.mu.Lock()
	if b.state.State == state && b.state.LastError == last {
		b.mu.Unlock()
		return
	}
	b.state = BindState{Provider: b.p.cfg.Name, Bind: b.index, State: state, Since: b.p.cfg.Now(), LastError: last}
	st := b.state
	b.mu.Unlock()
	if f := b.p.cfg.OnBindState; f != nil {
		f(st)
	}
}

// run keeps the bind up until ctx ends.
func (b *bind) run(ctx context.Context) {
	p := b.p
	failures := 0
	var lastErr error
	for ctx.Err() == nil {
		b.setState(BindConnecting, lastErr)
		s, err := p.connect(ctx, b.index)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.cfg.Metrics.Add(p.cfg.Name, CounterBindFailures, 1)
			wait := p.backoff(failures)
			var be *bindError
			if errors.As(err, &be) && be.credentials() {
				// Wrong credentials stay wrong: never a hot loop.
				wait = p.jitter(p.cfg.RebindMax)
				p.log.Error("smpp: bind refused; check the system id and password", "provider", p.cfg.Name, "bind", b.index, "err", err, "retryIn", wait.String())
			} else {
				p.log.Warn("smpp: bind failed", "provider", p.cfg.Name, "bind", b.index, "err", err, "retryIn", wait.String())
			}
			failures++
			lastErr = err
			b.setState(BindFailed, err)
			if !sleep(ctx, wait) {
				return
			}
			continue
		}
		p.cfg.Metrics.Add(p.cfg.Name, CounterBinds, 1)
		p.log.Info("smpp: bound", "provider", p.cfg.Name, "bind", b.index)
		b.attach(s)
		b.setState(BindBound, nil)
		p.notifyBound()
		since := time.Now()
		err = s.serve(ctx)
		b.attach(nil)
		if ctx.Err() != nil {
			return
		}
		p.cfg.Metrics.Add(p.cfg.Name, CounterLinkDrops, 1)
		if s.answered.Load() || time.Since(since) >= p.cfg.RebindMax {
			// The link worked (the SMSC answered a submit or an
			// enquire_link) or stayed up: the backoff starts over, so that
			// a few drops do not keep a healthy SMSC waiting a minute. A
			// link that binds and drops before answering anything keeps
			// backing off.
			failures = 0
		}
		wait := p.backoff(failures)
		failures++
		lastErr = err
		p.log.Warn("smpp: link lost; rebinding", "provider", p.cfg.Name, "bind", b.index, "err", err, "retryIn", wait.String())
		b.setState(BindConnecting, err)
		if !sleep(ctx, wait) {
			return
		}
	}
}

// backoff is the wait before bind attempt n+1 after n failures: RebindMin
// doubling up to RebindMax, with jitter.
func (p *Provider) backoff(n int) time.Duration {
	d := p.cfg.RebindMin
	for i := 0; i < n && d < p.cfg.RebindMax; i++ {
		d *= 2
	}
	return p.jitter(min(d, p.cfg.RebindMax))
}

// jitter spreads d over [d/2, d), so that binds (and processes) that lost
// their links together do not come back in step.
func (p *Provider) jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// connect dials and binds as a transceiver, within BindTimeout.
func (p *Provider) connect(ctx context.Context, index int) (*session, error) {
	conn, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	s := newSession(p, index, conn)
	// Stop does not wait out the bind's read deadline.
	defer context.AfterFunc(ctx, func() { s.close(ctx.Err()) })()
	req := pdu.NewBindRequest(pdu.Transceiver)
	req.SystemID, req.Password, req.SystemType = p.cfg.SystemID, p.cfg.Password, p.cfg.SystemType
	req.InterfaceVersion = data.SMPP_V34
	seq := s.nextSeq()
	req.SetSequenceNumber(seq)
	if err := s.write(req); err != nil {
		return nil, fmt.Errorf("bind: %w", err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(p.cfg.BindTimeout)); err != nil {
		s.close(err)
		return nil, err
	}
	// The answer comes first; anything the SMSC sends before it is ignored.
	for i := 0; i < 8; i++ {
		f, err := readPDU(s.r)
		hdr := f.hdr
		if err != nil {
			s.close(err)
			return nil, fmt.Errorf("bind: no answer within %s: %w", p.cfg.BindTimeout, err)
		}
		if hdr.SequenceNumber != seq || (hdr.CommandID != data.BIND_TRANSCEIVER_RESP && hdr.CommandID != data.GENERIC_NACK) {
			continue
		}
		if hdr.CommandStatus != data.ESME_ROK {
			s.close(errLinkClosed)
			return nil, &bindError{status: hdr.CommandStatus}
		}
		return s, nil
	}
	s.close(errLinkClosed)
	return nil, errors.New("bind: no bind_transceiver_resp")
}
