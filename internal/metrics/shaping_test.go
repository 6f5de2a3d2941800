package metrics_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/metrics"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 26, 7, 4, 24, 123_000_000, time.UTC)

// scrape returns the body of a scrape (Errorf, not Fatalf: scrapes run
// in goroutines).
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Errorf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// TestShapingGauges: with a number's mps and its campaign's limits set in
// the store and messages queued behind them, a scrape shows the segments
// waiting and the wait per number and campaign, and every bucket's limit.
func TestShapingGauges(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, err := store.Open(ctx, dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(t0)); err != nil {
				t.Fatal(err)
			}
			for id, mps := range map[string]float64{redcloud.SandboxNumberID: 2, redcloud.SandboxOtherNumberID: 0.5} {
				p := &mps
				if err := db.SetNumberAttrs(ctx, id, store.NumberAttrs{MPS: &p}); err != nil {
					t.Fatal(err)
				}
			}
			camp := platform.Campaign{ID: redcloud.SandboxCampaignID, SMSTPM: 60, DailyCap: 500}
			if err := db.SetCampaign(ctx, camp, t0); err != nil {
				t.Fatal(err)
			}
			// Five SMS at the campaign's 1/s (tighter than the number's
			// 2/s): the first goes at once, the last at t0+4s.
			c, err := db.GetAPIClient(ctx, redcloud.SandboxClientID)
			if err != nil {
				t.Fatal(err)
			}
			n, err := db.GetNumber(ctx, redcloud.SandboxNumberID)
			if err != nil {
				t.Fatal(err)
			}
			send, perr := platform.DecodeSend([]byte(`{"sendFrom":"`+n.ID+`","messageType":"SMS","text":"hi",
				"to":["+15550000001","+15550000002","+15550000003","+15550000004","+15550000005"]}`), true)
			if perr != nil {
				t.Fatal(perr)
			}
			ok, bad := platform.CheckRecipients(send.To)
			a := platform.NewAcceptance(platform.AcceptInput{Client: c, Number: n, Send: send, Key: "k", Recipients: ok, Errors: bad,
				Now: t0, KeyTTL: time.Hour, Validity: time.Hour})
			a.Path = platform.ShapingPath(n, redcloud.MessageTypeSMS, 0, camp)
			if _, _, err := db.Accept(ctx, a); err != nil {
				t.Fatal(err)
			}

			m := metrics.New(nil)
			m.ShapingAt(db.ShapingSnapshot, 0, func() time.Time { return t0.Add(time.Second) })
			body := scrape(t, m)
			num, other := `id="`+redcloud.SandboxNumberID+`",scope="number"`, `id="`+redcloud.SandboxOtherNumberID+`",scope="number"`
			campaign := `id="` + camp.ID + `",scope="campaign"`
			for _, want := range []string{
				`redcloud_shaping_queued_segments{` + num + `} 4`,
				`redcloud_shaping_wait_seconds{` + num + `} 3`,
				`redcloud_shaping_queued_segments{` + campaign + `} 4`,
				`redcloud_shaping_wait_seconds{` + campaign + `} 3`,
				`redcloud_shaping_queued_segments{` + other + `} 0`,
				`redcloud_shaping_wait_seconds{` + other + `} 0`,
				`redcloud_shaping_bucket_rate{` + num + `,type="sms"} 2`,
				`redcloud_shaping_bucket_rate{` + num + `,type="mms"} 2`,
				`redcloud_shaping_bucket_rate{` + other + `,type="sms"} 0.5`,
				`redcloud_shaping_bucket_rate{` + campaign + `,type="sms"} 1`,
				`redcloud_shaping_bucket_rate{` + campaign + `,type="day"} 500`,
			} {
				if !strings.Contains(body, want+"\n") {
					t.Errorf("scrape lacks %s", want)
				}
			}
			if strings.Contains(body, campaign+`,type="mms"`) {
				t.Errorf("a campaign without an MMS limit shows an MMS rate:\n%s", body)
			}
			if t.Failed() {
				t.Logf("scrape:\n%s", body)
			}
		})
	}
}

// TestShapingCache: scrapes within 5 s share one read, concurrent ones
// too; a failed read leaves the gauges out of the scrape, not the scrape.
func TestShapingCache(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var reads atomic.Int32
	var fail atomic.Bool
	m := metrics.New(nil)
	m.ShapingAt(func(context.Context, time.Time, float64) (platform.ShapingSnapshot, error) {
		reads.Add(1)
		if fail.Load() {
			return platform.ShapingSnapshot{}, errors.New("database down")
		}
		return platform.ShapingSnapshot{Queues: []platform.ShapingQueue{{Scope: "number", ID: "num_a", Segments: 7, Wait: 1500 * time.Millisecond}}}, nil
	}, 0, clock)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if b := scrape(t, m); !strings.Contains(b, `redcloud_shaping_wait_seconds{id="num_a",scope="number"} 1.5`) {
				t.Errorf("scrape lacks the wait:\n%s", b)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	now = now.Add(4 * time.Second)
	mu.Unlock()
	scrape(t, m)
	if n := reads.Load(); n != 1 {
		t.Errorf("5 scrapes within 5 s read %d times, want 1", n)
	}
	fail.Store(true)
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if b := scrape(t, m); strings.Contains(b, "redcloud_shaping_queued_segments{") || !strings.Contains(b, "redcloud_shaping_deferrals_total") {
		t.Errorf("after a failed read:\n%s", b)
	}
	if n := reads.Load(); n != 2 {
		t.Errorf("read %d times, want 2", n)
	}
}
