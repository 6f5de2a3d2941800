// Package metrics holds the server's Prometheus metrics, served at /metrics.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of collectors on one registry.
type Metrics struct {
	reg             *prometheus.Registry
	requests        *prometheus.CounterVec
	accepted        prometheus.Counter
	messages        *prometheus.CounterVec
	attempts        *prometheus.CounterVec
	attemptLatency  prometheus.Histogram
	deliveryLatency prometheus.Histogram
	throttled       prometheus.Counter
	binds           *prometheus.GaugeVec
	smpp            *prometheus.CounterVec
	deferred        prometheus.Counter
	providerRate    *prometheus.GaugeVec
}

// QueueDepth reports the work waiting (store.DB.QueueDepth).
type QueueDepth func(ctx context.Context) (messages, deliveries int, err error)

// New registers the collectors; depth, when not nil, backs the queue gauges.
func New(depth QueueDepth) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "redcloud_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "redcloud_sends_accepted_total", Help: "Messages accepted by POST /api/core/messages/send (one per recipient).",
		}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "redcloud_message_transitions_total", Help: "Message status transitions by the status reached.",
		}, []string{"status"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "redcloud_webhook_attempts_total", Help: "Webhook delivery attempts by outcome (success, failure).",
		}, []string{"outcome"}),
		attemptLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "redcloud_webhook_attempt_seconds", Help: "Duration of one webhook attempt.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}),
		deliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "redcloud_webhook_delivery_latency_seconds", Help: "From event creation to successful delivery.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 14),
		}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "redcloud_provider_throttled_total", Help: "Sends the upstream refused to take for now (throttling); requeued without using a retry.",
		}),
		binds: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "redcloud_provider_binds", Help: "SMPP binds of this process by provider and state (bound, connecting, failed).",
		}, []string{"provider", "state"}),
		smpp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "redcloud_smpp_events_total",
			Help: "SMPP link events by provider and event: submits, submit_ok, submit_throttled, submit_rejected, submit_failed, submit_unanswered, possible_duplicates, source_address_rejected, receipts, receipts_held, receipts_unparsed, receipts_dropped, reports_dropped, inbound, inbound_dropped, ….",
		}, []string{"provider", "event"}),
		deferred: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "redcloud_shaping_deferrals_total", Help: "Claimed messages put back to wait for their buckets' tokens (not provider attempts).",
		}),
		providerRate: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "redcloud_shaping_provider_rate", Help: "Current rate of this process's provider connection in segments per second (+Inf unlimited, 0 paused after throttling, half while slowed).",
		}, []string{"provider"}),
	}
	m.reg.MustRegister(m.requests, m.deferred, m.providerRate, m.accepted, m.messages, m.attempts, m.attemptLatency, m.deliveryLatency, m.throttled, m.binds, m.smpp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if depth != nil {
		cached := &depthCache{depth: depth, ttl: depthTTL, now: time.Now}
		gauge := func(name, help string, pick func(int, int) int) prometheus.GaugeFunc {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
				msgs, dels, err := cached.get()
				if err != nil {
					return -1
				}
				return float64(pick(msgs, dels))
			})
		}
		m.reg.MustRegister(
			gauge("redcloud_queue_messages", "QUEUED messages waiting for the provider.", func(m, _ int) int { return m }),
			gauge("redcloud_queue_deliveries", "PENDING webhook deliveries.", func(_, d int) int { return d }),
		)
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Request counts one HTTP request.
func (m *Metrics) Request(route string, status int) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// Accepted counts accepted messages.
func (m *Metrics) Accepted(n int) { m.accepted.Add(float64(n)) }

// MessageStatus counts a transition to status.
func (m *Metrics) MessageStatus(status string) { m.messages.WithLabelValues(status).Inc() }

// WebhookAttempt counts one attempt.
func (m *Metrics) WebhookAttempt(outcome string, latency time.Duration) {
	m.attempts.WithLabelValues(outcome).Inc()
	m.attemptLatency.Observe(latency.Seconds())
}

// Throttled counts one send the upstream refused to take for now.
func (m *Metrics) Throttled() { m.throttled.Inc() }

// ProviderBinds sets the bind gauge to counts (provider → state → binds),
// the whole state of this process's binds: providers and states not in it
// are dropped.
func (m *Metrics) ProviderBinds(counts map[string]map[string]int) {
	m.binds.Reset()
	for p, states := range counts {
		for st, n := range states {
			m.binds.WithLabelValues(p, st).Set(float64(n))
		}
	}
}

// Add counts n SMPP link events of provider (smpp.Metrics).
func (m *Metrics) Add(provider, event string, n int) {
	m.smpp.WithLabelValues(provider, event).Add(float64(n))
}

// DeliveryLatency observes event-to-delivered time.
func (m *Metrics) DeliveryLatency(d time.Duration) { m.deliveryLatency.Observe(d.Seconds()) }

// Deferred counts claimed messages put back to wait for tokens.
func (m *Metrics) Deferred(n int) { m.deferred.Add(float64(n)) }

// ProviderRates sets each provider connection's current rate.
func (m *Metrics) ProviderRates(rates map[string]float64) {
	for p, r := range rates {
		m.providerRate.WithLabelValues(p).Set(r)
	}
}
