// Package sandbox is the deterministic in-process provider of sandbox mode:
// the recipient decides the outcome (CONTRACT §7).
package sandbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/provider"
)

// Magic recipients: the root package's, under this package's short names.
const (
	InvalidDestination  = redcloud.SandboxInvalidDestination  // rejected at once
	CarrierRejected     = redcloud.SandboxCarrierRejected     // sent, then rejected by the carrier
	TransientTwice      = redcloud.SandboxTransientTwice      // two transient errors, then delivered
	NoReceipt           = redcloud.SandboxNoReceipt           // sent, never a receipt
	UpstreamUnavailable = redcloud.SandboxUpstreamUnavailable // transient on every attempt
)

// Provider is the sandbox provider. Its zero value is not usable; use New.
type Provider struct {
	delay time.Duration
	now   func() time.Time

	failureRate float64        // fraction of Send calls that fail with ErrInjected
	randMu      sync.Mutex     // guards random
	random      func() float64 // draws in [0, 1) for failureRate
	faults      atomic.Int64   // failures injected so far

	carrier *carrierLimit // nil: no simulated carrier rate

	mu      sync.Mutex
	sink    provider.Sink
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
}

// New returns a sandbox provider whose every step (send, receipt) waits
// delay, configured by opts (default: no injected failures).
func New(delay time.Duration, opts ...Option) *Provider {
	p := &Provider{delay: delay, now: time.Now, random: rand.Float64}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Option configures a Provider.
type Option func(*Provider)

// WithFailureRate makes Send fail transiently, with ErrInjected, on about
// rate of its calls (0 to 1; a value outside is clamped, NaN is 0), for chaos
// testing: each call draws independently, after the send delay and before
// the recipient decides the outcome, so every magic recipient keeps its
// behaviour once a call is not picked. The draws come from math/rand/v2's
// generator, seeded from the operating system at start (so every process
// draws differently), unless WithRandom replaces it. Default 0: no injected
// failure.
func WithFailureRate(rate float64) Option {
	return func(p *Provider) {
		switch {
		case !(rate > 0): // also NaN
			rate = 0
		case rate > 1:
			rate = 1
		}
		p.failureRate = rate
	}
}

// WithRandom replaces the source of WithFailureRate's draws with random,
// which returns a number in [0, 1) — for example a seeded
// rand.New(rand.NewPCG(1, 2)).Float64, to make the injected failures
// repeatable. Calls are serialised, so random need not be safe for
// concurrent use. Default math/rand/v2's Float64.
func WithRandom(random func() float64) Option {
	return func(p *Provider) {
		if random != nil {
			p.random = random
		}
	}
}

// ErrInjected is the transient error of a Send picked by WithFailureRate.
// The pipeline logs it with each retry ("provider send failed; will
// retry"), so its text can be counted in the server's log.
var ErrInjected = errors.New("sandbox: injected transient failure")

// Faults returns how many Send calls failed with ErrInjected so far.
func (p *Provider) Faults() int64 { return p.faults.Load() }

// inject reports whether this Send call is picked to fail.
func (p *Provider) inject() bool {
	if p.failureRate <= 0 {
		return false
	}
	p.randMu.Lock()
	x := p.random()
	p.randMu.Unlock()
	if x >= p.failureRate {
		return false
	}
	p.faults.Add(1)
	return true
}

var errUnavailable = errors.New("sandbox: upstream temporarily unavailable")

// Send implements provider.Provider.
func (p *Provider) Send(ctx context.Context, m provider.Message) (string, error) {
	if err := p.wait(ctx); err != nil {
		return "", err
	}
	if p.inject() {
		return "", ErrInjected
	}
	if err := p.carrier.admit(m.From, p.now()); err != nil {
		return "", err
	}
	switch m.To {
	case InvalidDestination:
		return "", &provider.PermanentError{Code: redcloud.FailureInvalidDestination, Message: "destination is not a valid mobile number"}
	case UpstreamUnavailable:
		return "", errUnavailable
	case TransientTwice:
		if m.Attempt <= 2 {
			return "", errUnavailable
		}
	}
	ref := "sbx_" + strings.ToLower(ulid.Make().String())
	p.scheduleReceipt(m, ref)
	return ref, nil
}

func (p *Provider) wait(ctx context.Context) error {
	if p.delay <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(p.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// receiptFor returns the receipt the carrier would send for m, if any.
func receiptFor(m provider.Message, ref string) (provider.Receipt, bool) {
	r := provider.Receipt{MessageID: m.ID, ProviderRef: ref, Delivered: true}
	switch m.To {
	case NoReceipt:
		return r, false
	case CarrierRejected:
		r.Delivered, r.FailureCode, r.FailureText = false, redcloud.FailureCarrierRejected, "carrier rejected the message"
	}
	return r, true
}

func (p *Provider) scheduleReceipt(m provider.Message, ref string) {
	r, ok := receiptFor(m, ref)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.deliverReceipt(p.ctx, r)
	}()
}

// deliverReceipt waits a step, then hands the receipt to the sink, again
// shortly while the platform has not yet recorded the send.
func (p *Provider) deliverReceipt(ctx context.Context, r provider.Receipt) {
	if p.wait(ctx) != nil {
		return
	}
	for i := 0; i < 200; i++ {
		r.At = p.now()
		err := p.sink.Receipt(ctx, r)
		if !errors.Is(err, provider.ErrNotYetSent) {
			return
		}
		select {
		case <-time.After(25 * time.Millisecond):
		case <-ctx.Done():
			return
		}
	}
}

// Start implements provider.Provider.
func (p *Provider) Start(ctx context.Context, sink provider.Sink) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sink = sink
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.started = true
	return nil
}

// Stop implements provider.Provider: pending receipts are abandoned (they
// are resumed from the database on the next start).
func (p *Provider) Stop() {
	p.mu.Lock()
	if !p.started {
		p.mu.Unlock()
		return
	}
	p.started = false
	p.cancel()
	p.mu.Unlock()
	p.wg.Wait()
}

// Resume implements provider.Resumer: receipts of messages sent before a
// restart are scheduled again.
func (p *Provider) Resume(_ context.Context, sent []provider.Message) {
	for _, m := range sent {
		p.scheduleReceipt(m, "")
	}
}
