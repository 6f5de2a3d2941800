package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/testwait"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// smppCounter reads one redcloud_smpp_events_total counter of provider
// from the server's /metrics.
func smppCounter(t *testing.T, s *server, provider, event string) int {
	t.Helper()
	res, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	want := fmt.Sprintf(`redcloud_smpp_events_total{event="%s",provider="%s"} `, event, provider)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", sc.Text(), err)
			}
			return int(n)
		}
	}
	return 0
}

// smscDuplicates counts the parts the SMSC took more than once (by
// destination and part number; each message here has a destination of its
// own) and the parts it took in all.
func smscDuplicates(subs []smsc.Submit) (dups, parts int) {
	seen := map[string]int{}
	for _, s := range subs {
		part := 1
		if s.Concat != nil {
			part = s.Concat.Seq
		}
		seen[fmt.Sprintf("%s/%d", s.DestAddr, part)]++
	}
	for _, n := range seen {
		dups += n - 1
	}
	return dups, len(seen)
}

// TestSMPPKillRestart kills the server with SIGKILL while it sends through
// the SMSC simulator (answers delayed, so submits are in flight), restarts
// it on the same database, and checks that every accepted message reaches
// DELIVERED with gapless sequences and its events at the receiver, that no
// outcome is left queued, and that the SMSC received a part twice only
// where the server resent a part whose answer it never recorded — counted
// by possible_duplicates.
func TestSMPPKillRestart(t *testing.T) {
	sc := smsc.Start(t, smsc.WithFlags("--resp-delay-ms", "40"), smsc.WithReceiptDelay(300*time.Millisecond))
	dbPath := filepath.Join(t.TempDir(), "redcloud.db")
	args := []string{"--db", dbPath, "--sandbox-delay", "0s", "--lease", "2s", "--poll-interval", "50ms",
		"--provider-retry-schedule", "100ms,200ms,500ms,1s,2s,5s", "--webhook-retry-schedule", "100ms,200ms,500ms,1s"}
	s := start(t, args...)
	admin := &adminRunner{t: t, db: dbPath}
	admin.run("provider", "add", "carrier", "--url", sc.URL(), "--window", "20")
	admin.run("number", "route", "num_abc123", "carrier")
	testwait.Eventually(t, 15*time.Second, func() bool {
		return slices.Equal(admin.bindStates()["carrier"], []string{"bound"})
	}, "the carrier bound")
	tok := s.token(demoID, demoSecret)
	hooks := newHookSink(t)
	setHooks(t, s, tok, hooks)
	time.Sleep(1500 * time.Millisecond) // the route applies within a second

	const ops = 240
	to := func(i int) string { return fmt.Sprintf("+1555030%04d", i) }
	text := func(i int) string {
		if i%5 == 0 { // two parts
			return strings.Repeat(fmt.Sprintf("op %d ", i), 40)[:200]
		}
		return fmt.Sprintf("op %d", i)
	}
	key := func(i int) string { return fmt.Sprintf("smpp-kill-%d", i) }

	var mu sync.Mutex
	acceptedIDs := map[int]string{}
	var wg sync.WaitGroup
	next := make(chan int, ops)
	for i := 0; i < ops; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				status, _, body, err := s.do("POST", "/api/core/messages/send", tok,
					map[string]any{"sendFrom": "num_abc123", "to": []string{to(i)}, "messageType": "SMS", "text": text(i)},
					map[string]string{"Idempotency-Key": key(i)})
				if err != nil || status != 202 {
					continue // sent again after the restart
				}
				var r struct{ Results []accepted }
				if json.Unmarshal(body, &r) == nil && len(r.Results) == 1 {
					mu.Lock()
					acceptedIDs[i] = r.Results[0].MessageID
					mu.Unlock()
				}
			}
		}()
	}
	testwait.Eventually(t, 60*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acceptedIDs) >= ops/2
	}, "half the operations accepted")
	dupBefore := smppCounter(t, s, "carrier", "possible_duplicates")
	s.kill()
	wg.Wait()
	mu.Lock()
	atKill := len(acceptedIDs)
	mu.Unlock()
	submitsAtKill := len(sc.Submits())

	s = start(t, args...)
	tok = s.token(demoID, demoSecret)
	for i := 0; i < ops; i++ {
		a := sendOne(t, s, tok, to(i), text(i), key(i))
		if prev, ok := acceptedIDs[i]; ok && prev != a.MessageID {
			t.Fatalf("op %d: replay names %s, first acceptance %s", i, a.MessageID, prev)
		}
		acceptedIDs[i] = a.MessageID
	}

	db := openDB(t, dbPath)
	testwait.EventuallyDescribe(t, 90*time.Second, func() bool {
		var open, pending, reports int
		db.QueryRow(`SELECT COUNT(*) FROM messages WHERE status IN ('QUEUED', 'SENT')`).Scan(&open)
		db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE state = 'PENDING'`).Scan(&pending)
		db.QueryRow(`SELECT COUNT(*) FROM smpp_reports WHERE done = 0`).Scan(&reports)
		return open == 0 && pending == 0 && reports == 0
	}, func() string {
		var open, pending, reports int
		db.QueryRow(`SELECT COUNT(*) FROM messages WHERE status IN ('QUEUED', 'SENT')`).Scan(&open)
		db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE state = 'PENDING'`).Scan(&pending)
		db.QueryRow(`SELECT COUNT(*) FROM smpp_reports WHERE done = 0`).Scan(&reports)
		return fmt.Sprintf("%d messages open, %d deliveries pending, %d SMPP outcomes not reported", open, pending, reports)
	})

	// Nothing lost: every accepted message DELIVERED, its sequences 1..n,
	// each event at the receiver.
	var count int
	db.QueryRow(`SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND to_e164 LIKE '+1555030%'`).Scan(&count)
	if count != ops {
		t.Errorf("%d messages stored, want %d", count, ops)
	}
	for i, id := range acceptedIDs {
		var st string
		var seq int
		if err := db.QueryRow(`SELECT status, sequence FROM messages WHERE id = ?`, id).Scan(&st, &seq); err != nil {
			t.Errorf("op %d: message %s: %v", i, id, err)
			continue
		}
		evs := hooks.of(id)
		types := eventTypes(evs)
		if st != "DELIVERED" || seq != 3 || !slices.Equal(types, []string{"1:message.queued", "2:message.sent", "3:message.delivery"}) {
			t.Errorf("op %d: message %s %s sequence %d, events at the receiver %v", i, id, st, seq, types)
		}
	}

	subs := sc.Submits()
	dups, parts := smscDuplicates(subs)
	possible := dupBefore + smppCounter(t, s, "carrier", "possible_duplicates")
	t.Logf("%d operations, %d accepted before the SIGKILL; %d submits at the kill, %d in all for %d parts: "+
		"%d parts taken twice or more by the SMSC, possible_duplicates %d (%d before the kill)",
		ops, atKill, submitsAtKill, len(subs), parts, dups, possible, dupBefore)
	if wantParts := ops + ops/5; parts != wantParts {
		t.Errorf("the SMSC took %d distinct parts, want %d", parts, wantParts)
	}
	if dups > possible {
		t.Errorf("the SMSC took %d duplicate parts, the server counted %d possible duplicates", dups, possible)
	}
}
