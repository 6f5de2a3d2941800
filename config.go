package redcloud

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// DefaultBaseURL is the base URL a Config without one uses: the local
// sandbox that "redcloud serve" starts.
const DefaultBaseURL = "http://127.0.0.1:8080"

// Config configures a Client. ClientID and ClientSecret are required; every
// other field's zero value works and its default is documented on it.
type Config struct {
	// BaseURL is the API's scheme, host and optional path prefix, for
	// example "https://api.redcloud.example". It must not hold credentials.
	// Default DefaultBaseURL (the local sandbox).
	BaseURL string
	// ClientID is the API client's id (client_id). Required.
	ClientID string
	// ClientSecret is the API client's secret (client_secret). Required. It
	// is sent only to the token route, with HTTP Basic authentication, and
	// is never logged nor put in an error or an escalation package.
	ClientSecret string
	// HTTPClient sends every request. Default: a client with a 30 s timeout
	// per attempt that does not follow redirects. A client's own Timeout
	// bounds each attempt; the context passed to a call bounds the whole
	// call, retries included.
	HTTPClient *http.Client
	// Retry is the retry policy. Its zero value is the default policy
	// (see RetryPolicy).
	Retry RetryPolicy
	// Logger receives one record per attempt (see the package
	// documentation for its fields). Default: no logging.
	Logger *slog.Logger
	// UserAgent is sent in the User-Agent header. Default "redcloud-go/1".
	UserAgent string
	// KeyGuardSize is how many idempotency keys the local guard remembers
	// (least recently used are forgotten first). Default 10000; a negative
	// value turns the guard off.
	KeyGuardSize int
	// KeyGuardTTL is how long the local guard remembers a key, matching the
	// server's idempotency retention. Default 24h.
	KeyGuardTTL time.Duration
	// Now is the clock used for token expiry, the key guard and request
	// timestamps. Default time.Now.
	Now func() time.Time
}

// RetryPolicy says which failures are retried and how (CONTRACT §11.4).
// Only Transient and RateLimited failures are retried; a request defect,
// invalid credentials, an ownership failure or a payload conflict never is.
// Its zero value is the default policy.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts a call makes in all, the first
	// included, for transient failures and rate limits. Default 4; 1 turns
	// retries off. The single retry after a token refresh (on a 401) comes
	// on top of it.
	MaxAttempts int
	// BaseDelay is the backoff before the first retry; it doubles with each
	// retry up to MaxDelay, and the wait is drawn at random between zero
	// and that value (full jitter). Default 250ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff and the Retry-After a server may ask for. A
	// server asking for a longer wait gets a *RetryAfterError carrying the
	// asked delay instead of a sleep. Default 10s.
	MaxDelay time.Duration
	// Budget is the retry budget per client: the most retries it may make
	// in a burst, across all calls. Each retry takes one token; each call
	// puts BudgetRatio back, so in an outage retries add at most about
	// BudgetRatio to the load instead of multiplying it. Default 10; a
	// negative value means no budget (unlimited retries within MaxAttempts).
	Budget int
	// BudgetRatio is how much of a retry token each new call earns.
	// Default 0.1 (retries may add 10 % to the calls made).
	BudgetRatio float64
	// Sleep waits d, or returns ctx.Err() when ctx ends first. Default: a
	// timer. Tests replace it so that they never wait for real.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a random duration in [0, d]. Default: uniformly
	// random (math/rand/v2).
	Jitter func(d time.Duration) time.Duration
}

// Default retry policy values (CONTRACT §11.4).
const (
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = 250 * time.Millisecond
	DefaultMaxDelay    = 10 * time.Second
	DefaultBudget      = 10
	DefaultBudgetRatio = 0.1
)

// withDefaults returns p with every zero field set to its default.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.BaseDelay > p.MaxDelay {
		p.BaseDelay = p.MaxDelay
	}
	if p.Budget == 0 {
		p.Budget = DefaultBudget
	}
	if p.BudgetRatio <= 0 {
		p.BudgetRatio = DefaultBudgetRatio
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	if p.Jitter == nil {
		p.Jitter = jitter
	}
	return p
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// jitter returns a uniformly random duration in [0, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// backoff returns the wait before retry number n (1-based): full jitter over
// BaseDelay·2^(n-1), capped at MaxDelay.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	j := p.Jitter(d)
	return max(0, min(j, d))
}
