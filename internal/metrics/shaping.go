package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// ShapingRead reads throughput shaping's queues and limits at now, for
// numbers without a rate of their own at defaultMPS
// (store.DB.ShapingSnapshot).
type ShapingRead func(ctx context.Context, now time.Time, defaultMPS float64) (platform.ShapingSnapshot, error)

// shapingTTL is how long one read serves every scrape: it sums every
// message waiting for tokens.
const shapingTTL = 5 * time.Second

// Shaping adds the gauges of throughput shaping's shared buckets, backed
// by read (defaultMPS: the server's --default-number-mps): per number and per campaign, the segments waiting and the
// estimated wait, and each bucket's limit. A failed read leaves them out
// of that scrape rather than failing it.
func (m *Metrics) Shaping(read ShapingRead, defaultMPS float64) {
	m.reg.MustRegister(&shapingCollector{read: read, defaultMPS: defaultMPS, ttl: shapingTTL, now: time.Now})
}

var (
	shapingQueued = prometheus.NewDesc("redcloud_shaping_queued_segments",
		"Segments (an MMS counts 1) of the QUEUED messages waiting for the tokens of a number's or campaign's buckets.",
		[]string{"scope", "id"}, nil)
	shapingWait = prometheus.NewDesc("redcloud_shaping_wait_seconds",
		"Estimated wait until the last message waiting for a number's or campaign's buckets is sent.",
		[]string{"scope", "id"}, nil)
	shapingRate = prometheus.NewDesc("redcloud_shaping_bucket_rate",
		"Configured limit of a number's or campaign's bucket: segments per second for type sms and mms, segments per Pacific day for type day.",
		[]string{"scope", "id", "type"}, nil)
)

// shapingCollector reads at most once per ttl; concurrent scrapes wait for
// the read in flight instead of starting their own.
type shapingCollector struct {
	read       ShapingRead
	defaultMPS float64
	ttl        time.Duration
	now        func() time.Time

	mu   sync.Mutex
	at   time.Time
	snap platform.ShapingSnapshot
	err  error
}

func (c *shapingCollector) get() (platform.ShapingSnapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.at.IsZero() || now.Sub(c.at) >= c.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.snap, c.err = c.read(ctx, now, c.defaultMPS)
		cancel()
		c.at = c.now()
	}
	return c.snap, c.err
}

func (c *shapingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- shapingQueued
	ch <- shapingWait
	ch <- shapingRate
}

func (c *shapingCollector) Collect(ch chan<- prometheus.Metric) {
	snap, err := c.get()
	if err != nil {
		return
	}
	type scope struct{ scope, id string }
	seen := map[scope]bool{}
	for _, q := range snap.Queues {
		seen[scope{q.Scope, q.ID}] = true
		ch <- prometheus.MustNewConstMetric(shapingQueued, prometheus.GaugeValue, float64(q.Segments), q.Scope, q.ID)
		ch <- prometheus.MustNewConstMetric(shapingWait, prometheus.GaugeValue, q.Wait.Seconds(), q.Scope, q.ID)
	}
	for _, r := range snap.Rates {
		ch <- prometheus.MustNewConstMetric(shapingRate, prometheus.GaugeValue, r.Rate, r.Scope, r.ID, r.Type)
		// A limited bucket with nothing waiting shows 0, not a gap.
		if s := (scope{r.Scope, r.ID}); !seen[s] {
			seen[s] = true
			ch <- prometheus.MustNewConstMetric(shapingQueued, prometheus.GaugeValue, 0, r.Scope, r.ID)
			ch <- prometheus.MustNewConstMetric(shapingWait, prometheus.GaugeValue, 0, r.Scope, r.ID)
		}
	}
}
