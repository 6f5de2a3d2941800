package sandbox

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud/internal/provider"
)

// WithCarrierMPS simulates a carrier that meters each sending number at mps
// messages per second, the way a long code's 1 MPS is enforced upstream: a
// send that comes sooner than 1/mps after the number's last accepted one is
// answered with a *provider.ThrottledError (as SMPP ESME_RTHROTTLED would be)
// for the time left. It lets a sandbox show what the server's throughput
// shaping prevents: with --default-number-mps at or below mps nothing is
// throttled. 0 or less: no limit.
func WithCarrierMPS(mps float64) Option {
	return func(p *Provider) {
		if mps > 0 && !math.IsInf(mps, 1) {
			p.carrier = &carrierLimit{interval: time.Duration(float64(time.Second) / mps), last: map[string]time.Time{}}
		}
	}
}

// Throttles returns how many sends the simulated carrier limit refused.
func (p *Provider) Throttles() int64 {
	if p.carrier == nil {
		return 0
	}
	return p.carrier.throttles.Load()
}

// carrierLimit remembers each number's last accepted send.
type carrierLimit struct {
	interval  time.Duration
	mu        sync.Mutex
	last      map[string]time.Time
	throttles atomic.Int64
}

// admit accepts a send from number at now, or throttles it.
func (c *carrierLimit) admit(number string, now time.Time) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A little slack: the shaper's schedule and this clock are a few
	// milliseconds apart, and a real carrier's meter is not exact either.
	if wait := c.last[number].Add(c.interval - c.interval/20).Sub(now); wait > 0 {
		c.throttles.Add(1)
		return &provider.ThrottledError{RetryAfter: wait, Reason: "sandbox carrier limit"}
	}
	c.last[number] = now
	return nil
}
