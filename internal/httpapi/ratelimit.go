package httpapi

import (
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimits is a token bucket per API client, in this process. API clients
// are database rows created by operators, so the map is bounded by them.
type rateLimits struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

func newRateLimits(perSecond float64, burst int) *rateLimits {
	return &rateLimits{rate: rate.Limit(perSecond), burst: burst, m: map[string]*rate.Limiter{}}
}

// allow takes a token for clientID; when none is left it returns the whole
// seconds to wait, for Retry-After.
func (l *rateLimits) allow(clientID string) (string, bool) {
	if l.rate <= 0 {
		return "", true
	}
	l.mu.Lock()
	lim, ok := l.m[clientID]
	if !ok {
		lim = rate.NewLimiter(l.rate, max(l.burst, 1))
		l.m[clientID] = lim
	}
	l.mu.Unlock()
	now := time.Now()
	res := lim.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay == 0 {
		return "", true
	}
	res.CancelAt(now)
	return strconv.Itoa(int(math.Ceil(delay.Seconds()))), false
}

// authThrottle counts failed token requests per key (client_id, remote
// address) in fixed windows. It lives in process memory; entries are swept
// lazily so no goroutine is needed.
type authThrottle struct {
	limit  int
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	m      map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newAuthThrottle(limit int, win time.Duration, now func() time.Time) *authThrottle {
	return &authThrottle{limit: limit, window: win, now: now, m: map[string]*window{}}
}

// blocked reports whether any key has reached the limit, and for how many
// seconds it stays blocked.
func (t *authThrottle) blocked(keys ...string) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		if w, ok := t.m[k]; ok && now.Sub(w.start) < t.window && w.count >= t.limit {
			return max(1, int(math.Ceil((t.window - now.Sub(w.start)).Seconds()))), true
		}
	}
	return 0, false
}

// fail records one failed attempt against every key.
func (t *authThrottle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.m) > 10000 {
		for k, w := range t.m {
			if now.Sub(w.start) >= t.window {
				delete(t.m, k)
			}
		}
	}
	for _, k := range keys {
		w, ok := t.m[k]
		if !ok || now.Sub(w.start) >= t.window {
			w = &window{start: now}
			t.m[k] = w
		}
		w.count++
	}
}
