package smpp

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
)

// Store is the durable state the provider needs (implemented by
// *store.DB): the parts it submitted with their SMSC ids, receipts held
// until their id is recorded, and each message's final outcome until the
// platform has taken it.
type Store interface {
	SMPPParts(ctx context.Context, messageID string) ([]platform.SMPPPart, error)
	RecordSMPPPart(ctx context.Context, p platform.SMPPPart, leaseUntil time.Time) (*platform.SMPPReport, error)
	ApplySMPPReceipt(ctx context.Context, r platform.SMPPReceipt, leaseUntil time.Time) (matched bool, report *platform.SMPPReport, err error)
	HasDueSMPPReports(ctx context.Context, provider string, now time.Time) (bool, error)
	ClaimSMPPReports(ctx context.Context, provider string, now, leaseUntil time.Time, limit int) ([]platform.SMPPReport, error)
	FinishSMPPReport(ctx context.Context, messageID string) error
	RetrySMPPReport(ctx context.Context, messageID string, at time.Time) error
	PruneSMPP(ctx context.Context, provider string, heldBefore, partsBefore time.Time) (held, reports int, err error)
}

// Provider is the SMPP provider. Its zero value is not usable; use New.
type Provider struct {
	cfg     Config
	log     *slog.Logger
	limiter *rate.Limiter // nil: unlimited
	binds   []*bind
	rr      atomic.Uint32
	mo      *reassembler

	mu      sync.Mutex
	sink    provider.Sink
	ctx     context.Context // cancelled by Stop
	cancel  context.CancelFunc
	started bool
	stopped bool
	boundCh chan struct{} // closed (and replaced) when a bind binds
	wg      sync.WaitGroup

	imu      sync.Mutex
	inflight map[partKey]*submit   // written, not yet answered (or dropped)
	unknown  map[partKey]time.Time // written, then the link dropped unanswered

	wakeReports chan struct{}
}

var (
	_ provider.Provider = (*Provider)(nil)

	errNotStarted = errors.New("smpp: provider not started")
	errStopped    = errors.New("smpp: provider stopped")
)

// New validates cfg and returns a provider; Start binds it.
func New(cfg Config) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg, log: cfg.Logger, boundCh: make(chan struct{}), inflight: map[partKey]*submit{},
		unknown: map[partKey]time.Time{}, wakeReports: make(chan struct{}, 1)}
	if cfg.MPS > 0 {
		p.limiter = rate.NewLimiter(rate.Limit(cfg.MPS), 1)
	}
	p.mo = newReassembler(cfg.ReassemblyMax, cfg.ReassemblyTimeout)
	for i := 0; i < cfg.Binds; i++ {
		p.binds = append(p.binds, &bind{p: p, index: i})
	}
	return p, nil
}

// Start binds cfg.Binds transceivers and begins handing receipts and
// inbound messages to sink.
func (p *Provider) Start(ctx context.Context, sink provider.Sink) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return errors.New("smpp: provider already started")
	}
	if sink == nil {
		return errors.New("smpp: Start needs a sink")
	}
	p.sink = sink
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.started = true
	for _, b := range p.binds {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			b.run(p.ctx)
		}()
	}
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		p.reportLoop(p.ctx)
	}()
	go func() {
		defer p.wg.Done()
		p.janitor(p.ctx)
	}()
	return nil
}

// Stop unbinds every link after the answers to the submits in flight have
// arrived, and waits for everything Start began.
func (p *Provider) Stop() {
	p.mu.Lock()
	if !p.started || p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	p.cancel()
	p.mu.Unlock()
	p.wg.Wait()
}

// track counts a goroutine that Stop waits for; false once stopped.
func (p *Provider) track() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started || p.stopped {
		return false
	}
	p.wg.Add(1)
	return true
}

// running returns why the provider cannot send, or nil.
func (p *Provider) running() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case !p.started:
		return errNotStarted
	case p.stopped:
		return errStopped
	}
	return nil
}

// notifyBound wakes sends waiting for a bound bind.
func (p *Provider) notifyBound() {
	p.mu.Lock()
	close(p.boundCh)
	p.boundCh = make(chan struct{})
	p.mu.Unlock()
}

// States returns every bind's current state.
func (p *Provider) States() []BindState {
	out := make([]BindState, len(p.binds))
	for i, b := range p.binds {
		b.mu.Lock()
		out[i] = b.state
		b.mu.Unlock()
	}
	return out
}

// bindWait bounds how long a send waits for a bind to come up: longer and
// every send would hold a pipeline slot for a link that is down.
const bindWait = 5 * time.Second

// errNoBind is a send's transient failure while no bind is up.
var errNoBind = errors.New("smpp: no bind is bound")

// pickSession returns a bound, unpaused session, round robin over the
// binds, waiting up to bindWait for one to come up. When every bound bind
// is paused by a throttle it returns a *provider.ThrottledError.
func (p *Provider) pickSession(ctx context.Context) (*bind, *session, error) {
	timer := time.NewTimer(bindWait)
	defer timer.Stop()
	for {
		p.mu.Lock()
		wake := p.boundCh
		p.mu.Unlock()
		now := p.cfg.Now()
		var soonest time.Time
		n := uint32(len(p.binds))
		start := p.rr.Add(1)
		for i := uint32(0); i < n; i++ {
			b := p.binds[(start+i)%n]
			s, paused := b.current()
			if s == nil || s.isClosed() || s.isDraining() {
				continue
			}
			if paused.After(now) {
				if soonest.IsZero() || paused.Before(soonest) {
					soonest = paused
				}
				continue
			}
			return b, s, nil
		}
		if !soonest.IsZero() {
			return nil, nil, &provider.ThrottledError{RetryAfter: soonest.Sub(now), Reason: "every bind is paused after the SMSC throttled"}
		}
		select {
		case <-wake:
		case <-timer.C:
			return nil, nil, errNoBind
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}
