package pipeline

import (
	"math"
	"sync"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
)

// ThrottleSlowdown is how long a provider connection stays slowed after
// the upstream asked to slow down (SMPP ESME_RTHROTTLED/ESME_RMSGQFUL):
// half its rate, and its numbers' messages kept in order behind the one
// it refused.
const ThrottleSlowdown = 30 * time.Second

// providerBuckets are this process's buckets of its provider connections
// (store.LocalLimit): the SMPP provider's --mps counted in segments, and
// the slowdown after an upstream's throttling. They are per process because
// each process has its own connections.
type providerBuckets struct {
	path func(numberID string) (string, float64)

	mu sync.Mutex
	b  map[string]*providerBucket
}

type providerBucket struct {
	mps        float64   // configured, as last seen
	tat        time.Time // next segment (with a rate)
	pauseUntil time.Time // the upstream's requested wait
	slowUntil  time.Time
}

func newProviderBuckets(p provider.Provider) *providerBuckets {
	pb := &providerBuckets{b: map[string]*providerBucket{}, path: func(string) (string, float64) { return "", 0 }}
	if pa, ok := p.(provider.Pather); ok {
		pb.path = pa.Path
	}
	return pb
}

func (pb *providerBuckets) bucket(name string) *providerBucket {
	b := pb.b[name]
	if b == nil {
		b = &providerBucket{}
		pb.b[name] = b
	}
	return b
}

// rate is the bucket's rate at now; limited whether anything limits it.
func (b *providerBucket) rate(mps float64, now time.Time) (rate float64, limited bool) {
	slow := now.Before(b.slowUntil)
	if slow {
		mps /= 2
	}
	return mps, mps > 0 || slow
}

// Earliest implements store.LocalLimit.
func (pb *providerBuckets) Earliest(m platform.Message, cost int64, now time.Time) (time.Time, bool) {
	name, mps := pb.path(m.NumberID)
	pb.mu.Lock()
	defer pb.mu.Unlock()
	b := pb.bucket(name)
	b.mps = mps
	rate, limited := b.rate(mps, now)
	at := now
	if rate > 0 && b.tat.After(at) {
		at = b.tat
	}
	if b.pauseUntil.After(at) {
		at = b.pauseUntil
	}
	return at, limited
}

// Take implements store.LocalLimit.
func (pb *providerBuckets) Take(m platform.Message, cost int64, now time.Time) {
	name, mps := pb.path(m.NumberID)
	pb.mu.Lock()
	defer pb.mu.Unlock()
	b := pb.bucket(name)
	if rate, _ := b.rate(mps, now); rate > 0 {
		b.tat = later(b.tat, now).Add(platform.Bucket{Rate: rate}.Interval(cost))
	}
}

// throttled slows the connection of numberID's messages: nothing goes for
// wait, then at half rate until ThrottleSlowdown has passed.
func (pb *providerBuckets) throttled(numberID string, wait time.Duration, now time.Time) {
	name, _ := pb.path(numberID)
	pb.mu.Lock()
	defer pb.mu.Unlock()
	b := pb.bucket(name)
	b.pauseUntil = later(b.pauseUntil, now.Add(wait))
	b.slowUntil = now.Add(ThrottleSlowdown)
}

// rates returns each provider connection's current rate in segments per
// second for the metrics: +Inf unlimited, 0 while paused.
func (pb *providerBuckets) rates(now time.Time) map[string]float64 {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	out := map[string]float64{}
	for name, b := range pb.b {
		r, _ := b.rate(b.mps, now)
		switch {
		case now.Before(b.pauseUntil):
			r = 0
		case r == 0:
			r = math.Inf(1)
		}
		out[name] = r
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
