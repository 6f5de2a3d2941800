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
