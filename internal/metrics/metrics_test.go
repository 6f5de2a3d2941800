package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redcloud-core/redcloud/internal/metrics"
)

// TestQueueGaugesOneQueryPerScrape: both queue gauges, and concurrent
// scrapes, share one depth query (it scans the database).
func TestQueueGaugesOneQueryPerScrape(t *testing.T) {
	var calls atomic.Int32
	m := metrics.New(func(context.Context) (int, int, error) {
		calls.Add(1)
		return 7, 3, nil
	})
	h := m.Handler()
	var wg sync.WaitGroup
	bodies := make([]string, 8)
	for i := range bodies {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			b, _ := io.ReadAll(rec.Body)
			bodies[i] = string(b)
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("8 concurrent scrapes ran the depth query %d times, want 1", n)
	}
	for _, b := range bodies {
		if !strings.Contains(b, "redcloud_queue_messages 7") || !strings.Contains(b, "redcloud_queue_deliveries 3") {
			t.Fatalf("scrape lacks the queue gauges:\n%s", b)
		}
	}
}

// TestProviderBinds: the gauge shows this process's binds by provider and
// state, and each call replaces the whole set.
func TestProviderBinds(t *testing.T) {
	m := metrics.New(nil)
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	m.ProviderBinds(map[string]map[string]int{"acme": {"bound": 2, "failed": 1}, "beta": {"connecting": 1}})
	m.Throttled()
	body := scrape()
	for _, want := range []string{`redcloud_provider_binds{provider="acme",state="bound"} 2`,
		`redcloud_provider_binds{provider="acme",state="failed"} 1`, `redcloud_provider_binds{provider="beta",state="connecting"} 1`,
		"redcloud_provider_throttled_total 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s:\n%s", want, body)
		}
	}
	m.ProviderBinds(map[string]map[string]int{"acme": {"bound": 3}})
	body = scrape()
	if !strings.Contains(body, `redcloud_provider_binds{provider="acme",state="bound"} 3`) || strings.Contains(body, `provider="beta"`) ||
		strings.Contains(body, `state="failed"`) {
		t.Errorf("after the second call:\n%s", body)
	}
}

// TestRouteRequests: a route's counters count into the same series as
// Request, for every status, including ones outside the usual range.
func TestRouteRequests(t *testing.T) {
	m := metrics.New(nil)
	r := m.Route("GET /x")
	for range 3 {
		r.Inc(200)
	}
	r.Inc(404)
	r.Inc(0)
	r.Inc(999)
	m.Request("GET /x", 200)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{`redcloud_http_requests_total{route="GET /x",status="200"} 4`,
		`redcloud_http_requests_total{route="GET /x",status="404"} 1`,
		`redcloud_http_requests_total{route="GET /x",status="0"} 1`,
		`redcloud_http_requests_total{route="GET /x",status="999"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s:\n%s", want, body)
		}
	}
}
