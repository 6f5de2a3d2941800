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
