package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// TestClaimShapedMMSNotBehindSMS: order is kept per number and message
// type. A number at 1 segment/s has a backlog of SMS (one in flight, two
// deferred); of two MMS accepted then, the first goes at once (its own
// stream and bucket) and the second waits for the MMS bucket.
func TestClaimShapedMMSNotBehindSMS(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, _, na, _ := twoClients(t, db)
		mps := ptr(1.0)
		must(t, db.SetNumberAttrs(ctx, na.ID, store.NumberAttrs{MPS: &mps}))
		accept := func(i int, typ string) string {
			body := fmt.Sprintf(`{"sendFrom":"num_a","to":["+1555000%04d"],"messageType":"SMS","text":"m"}`, i)
			if typ == "MMS" {
				body = fmt.Sprintf(`{"sendFrom":"num_a","to":["+1555000%04d"],"messageType":"MMS","mediaUrls":["https://example.com/a.jpg"]}`, i)
			}
			a := acceptance(t, c, na, fmt.Sprintf("k%d", i), t0, time.Hour, body)
			if _, created, err := db.Accept(ctx, a); err != nil || !created {
				t.Fatalf("accept %d: %v %v", i, created, err)
			}
			return a.Messages[0].ID
		}
		claim := func(now time.Time) (got []string, until map[string]time.Time) {
			out, deferred, err := db.ClaimShaped(ctx, "w", now, now.Add(time.Minute), 10, store.Shaping{})
			must(t, err)
			for _, m := range out {
				got = append(got, m.ID)
			}
			until = map[string]time.Time{}
			for _, d := range deferred {
				until[d.Message.ID] = d.Until
			}
			return got, until
		}
		sms := []string{accept(0, "SMS"), accept(1, "SMS"), accept(2, "SMS")}
		if got, until := claim(t0); !slices.Equal(got, sms[:1]) || len(until) != 2 {
			t.Fatalf("SMS claim let %v go and deferred %v, want the first SMS and the others deferred", got, until)
		}
		mms := []string{accept(3, "MMS"), accept(4, "MMS")}
		now := t0.Add(100 * time.Millisecond)
		got, until := claim(now)
		if !slices.Equal(got, mms[:1]) {
			t.Errorf("claim behind an SMS backlog let %v go, want the first MMS %v", got, mms[0])
		}
		if u, ok := until[mms[1]]; !ok || u.Before(now.Add(time.Second)) {
			t.Errorf("second MMS deferred until %v (deferred: %v), want a second after the first", u, ok)
		}
	})
}

// TestOlderQueuedUsesIndex: the head-of-line check of a shaped claim, per
// number and message type, finds the older messages through the index
// messages_queued_number, not a scan.
func TestOlderQueuedUsesIndex(t *testing.T) {
	t.Parallel()
	db := openTest(t)
	_, read := store.Handles(db)
	rows, err := read.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+store.OlderQueuedSQL, "num_a", "MMS", "msg_z")
	must(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		must(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	must(t, rows.Err())
	if p := strings.Join(plan, "; "); !strings.Contains(p, "messages_queued_number") {
		t.Errorf("query plan %q does not use the messages_queued_number index", p)
	}
}

// TestListenWithPoolSize: a DSN with the store's own pool_max_conns (which
// PostgreSQL refuses as a setting) still gets a LISTEN connection.
func TestListenWithPoolSize(t *testing.T) {
	t.Parallel()
	dsn := storetest.Small(storetest.Postgres(t), 4)
	var logs lockedBuffer
	db, err := store.Open(context.Background(), dsn, store.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	wakes := make(chan struct{}, 1)
	go func() {
		defer close(done)
		db.Listen(ctx, func() {
			select {
			case wakes <- struct{}{}:
			default:
			}
		})
	}()
	t.Cleanup(func() { stop(); <-done })
	// Listen wakes once it listens; a failure is logged and tried again.
	select {
	case <-wakes:
	case <-time.After(30 * time.Second):
		t.Fatalf("Listen never listened; log:\n%s", logs.String())
	}
	if l := logs.String(); strings.Contains(l, "listening for new work failed") {
		t.Errorf("Listen failed first:\n%s", l)
	}
}

// pausedLocal is a provider connection paused until a time (the upstream
// throttled), with no rate of its own.
type pausedLocal struct{ until time.Time }

func (p pausedLocal) Earliest(_ platform.Message, _ int64, now time.Time) (time.Time, bool) {
	return later(p.until, now), true
}
func (pausedLocal) Take(platform.Message, int64, time.Time) {}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// TestClaimShapedChainWithoutRate: behind a paused connection, a number
// with no rate keeps its messages in order, each just after the one before
// — not 50 ms apart, which held a backlog of 2,400 to 20 a second for two
// minutes after one throttle (the chaos suite).
func TestClaimShapedChainWithoutRate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, _, na, _ := twoClients(t, db)
		var ids []string
		for i := range 100 {
			body := fmt.Sprintf(`{"sendFrom":"num_a","to":["+1555000%04d"],"messageType":"SMS","text":"m"}`, i)
			a := acceptance(t, c, na, fmt.Sprintf("k%d", i), t0, time.Hour, body)
			if _, created, err := db.Accept(ctx, a); err != nil || !created {
				t.Fatalf("accept %d: %v %v", i, created, err)
			}
			ids = append(ids, a.Messages[0].ID)
		}
		paused := t0.Add(2 * time.Second)
		out, deferred, err := db.ClaimShaped(ctx, "w", t0, t0.Add(time.Minute), 100, store.Shaping{Local: pausedLocal{paused}})
		must(t, err)
		if len(out) != 0 || len(deferred) != 100 {
			t.Fatalf("claim let %d go and deferred %d, want all 100 deferred", len(out), len(deferred))
		}
		until := map[string]time.Time{}
		for _, d := range deferred {
			until[d.Message.ID] = d.Until
		}
		for i, id := range ids {
			if i > 0 && !until[id].After(until[ids[i-1]]) {
				t.Fatalf("message %d due %v, not after message %d (%v): order lost", i, until[id], i-1, until[ids[i-1]])
			}
		}
		if first, last := until[ids[0]], until[ids[99]]; first.Before(paused) || last.After(paused.Add(time.Second)) {
			t.Fatalf("the 100 messages are due from %v to %v; want from the pause's end %v, within a second", first, last, paused)
		}
	})
}
