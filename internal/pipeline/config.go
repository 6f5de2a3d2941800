// Package pipeline holds the workers that move state on: provider sends,
// receipts, expiry and webhook deliveries. The database rows are the queue:
// workers claim due rows in batches under a lease, do the work, and write
// each outcome in one transaction.
package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Default schedules (CONTRACT §6 and §8.4).
var (
	DefaultProviderRetrySchedule = []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}
	DefaultWebhookRetrySchedule  = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 60 * time.Minute}
)

// Config configures a Pipeline. Store and Provider are required; every other
// zero value takes the default its doc names.
type Config struct {
	Store    *store.DB
	Provider provider.Provider
	// Sandbox allows webhook deliveries to loopback and private addresses.
	// Default false: they are refused at dial time (CONTRACT §8.6).
	Sandbox bool
	// ProviderRetrySchedule is the wait before each retry of a transient
	// provider failure, ±10 % jitter; after the last the message fails
	// UPSTREAM_UNAVAILABLE. Default 2s,10s,30s,2m,5m,10m.
	ProviderRetrySchedule []time.Duration
	// WebhookRetrySchedule is the wait before each retry of a failed
	// webhook attempt; after the last the delivery is FAILED. Default
	// 1m,5m,15m,60m (5 attempts in all).
	WebhookRetrySchedule []time.Duration
	// WebhookTimeout bounds one delivery attempt. Default 10s, and at most
	// half the Lease.
	WebhookTimeout time.Duration
	// Lease is how long a claimed row stays with its worker; a row whose
	// worker died is picked up again after it. It must exceed
	// WebhookTimeout and the provider's send time. Default 30s.
	Lease time.Duration
	// PollInterval is the fallback wake-up when no signal arrives. Default 1s.
	PollInterval time.Duration
	// BatchSize is how many rows one claim takes. Default 64.
	BatchSize int
	// Concurrency bounds provider sends and webhook attempts in flight, each.
	// Default 64.
	Concurrency int
	// WebhookPerHost bounds the webhook attempts in flight to one endpoint
	// (scheme and host:port), and WebhookPerClient those of one API client,
	// so one tenant's slow endpoint cannot take every slot. Defaults 8 and 16.
	WebhookPerHost   int
	WebhookPerClient int
	// Retention is how long finished messages, events and deliveries are kept.
	// Default 720h (30 days).
	Retention time.Duration
	// PruneInterval is how often old rows are pruned. Default 1h.
	PruneInterval time.Duration
	// HTTPClient sends webhooks; default: one with the address guard (unless
	// Sandbox), no redirects and WebhookTimeout.
	HTTPClient *http.Client
	// Logger defaults to slog.Default(); Now to time.Now; Jitter returns a
	// factor in [0.9, 1.1) by default.
	Logger *slog.Logger
	Now    func() time.Time
	Jitter func() float64
	// Metrics, when set, is told about outcomes.
	Metrics Metrics
	// DefaultNumberMPS is the send rate, in segments per second, of a
	// number with none of its own (throughput shaping). Default 0:
	// unlimited.
	DefaultNumberMPS float64
}

// Metrics receives pipeline outcomes (implemented by the metrics package).
type Metrics interface {
	MessageStatus(status string)
	WebhookAttempt(outcome string, latency time.Duration)
	DeliveryLatency(d time.Duration)
	// Throttled counts a send the upstream refused to take for now
	// (requeued without using a retry).
	Throttled()
	// Deferred counts claimed messages put back to wait for their
	// buckets' tokens; ProviderRates receives each provider connection's
	// current rate in segments per second.
	Deferred(n int)
	ProviderRates(rates map[string]float64)
}

type noMetrics struct{}

func (noMetrics) MessageStatus(string)                 {}
func (noMetrics) WebhookAttempt(string, time.Duration) {}
func (noMetrics) DeliveryLatency(time.Duration)        {}
func (noMetrics) Throttled()                           {}
func (noMetrics) Deferred(int)                         {}
func (noMetrics) ProviderRates(map[string]float64)     {}

func (c *Config) defaults() error {
	if c.Store == nil || c.Provider == nil {
		return errors.New("pipeline: Store and Provider are required")
	}
	if c.ProviderRetrySchedule == nil {
		c.ProviderRetrySchedule = DefaultProviderRetrySchedule
	}
	if c.WebhookRetrySchedule == nil {
		c.WebhookRetrySchedule = DefaultWebhookRetrySchedule
	}
	if c.WebhookTimeout <= 0 {
		c.WebhookTimeout = 10 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	// An attempt must end well within its lease, or the row would be
	// claimed again while the first attempt is still running.
	c.WebhookTimeout = min(c.WebhookTimeout, c.Lease/2)
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 64
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.WebhookPerHost <= 0 {
		c.WebhookPerHost = defaultPerHost
	}
	if c.WebhookPerClient <= 0 {
		c.WebhookPerClient = defaultPerClient
	}
	if c.Retention <= 0 {
		c.Retention = 720 * time.Hour
	}
	if c.PruneInterval <= 0 {
		c.PruneInterval = time.Hour
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Jitter == nil {
		c.Jitter = func() float64 { return 0.9 + 0.2*rand.Float64() }
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = NewWebhookClient(c.Sandbox, c.WebhookTimeout)
	}
	return nil
}

// ParseSchedule parses a comma-separated list of durations ("1m,5m,15m");
// "none" is the empty schedule (no retries).
func ParseSchedule(s string) ([]time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "none" {
		return []time.Duration{}, nil
	}
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("schedule %q: %q is not a non-negative duration like 30s or 5m", s, part)
		}
		out = append(out, d)
	}
	return out, nil
}
