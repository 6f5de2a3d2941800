package e2e_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/store/storetest"
	"github.com/redcloud-core/redcloud/internal/testwait"
)

// TestPostgresSeveralProcesses runs three server processes on one
// PostgreSQL database, sends every key to two of them at the same moment,
// kills one with SIGKILL mid-load, and checks in the database: one
// acceptance per key, every message in its end state, gapless sequences,
// exactly one successful delivery per event.
func TestPostgresSeveralProcesses(t *testing.T) {
	dsn := storetest.Postgres(t)
	// Three processes at the default 48 connections each could take more
	// than PostgreSQL's default 100 between them: 12 each, as an operator
	// running several processes would set it.
	args := []string{"--db", storetest.Small(dsn, 12), "--sandbox-delay", "10ms", "--lease", "2s", "--poll-interval", "100ms",
		"--provider-retry-schedule", "50ms,50ms,50ms", "--webhook-retry-schedule", "100ms,100ms,100ms,100ms"}
	procs := []*server{start(t, args...), start(t, args...), start(t, args...)}
	tok := procs[0].token(demoID, demoSecret)
	rc := &receiver{bodies: map[string][][]byte{}}
	rs := httptest.NewServer(rc)
	defer rs.Close()
	status, _, body, err := procs[0].do("PUT", "/api/sandbox/webhooks", tok, map[string]any{"deliveryUrl": rs.URL}, nil)
	if err != nil || status != 200 {
		t.Fatalf("set webhooks: %d %s %v", status, body, err)
	}
	var hooks struct {
		SigningSecret string `json:"signingSecret"`
	}
	json.Unmarshal(body, &hooks)
	rc.secret = hooks.SigningSecret

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	recipients := []string{"+15005550002", "+15005550003", "+15551230001"}
	sendBoth := func(phase string, keys int, targets func(i int) []*server) {
		var wg sync.WaitGroup
		for i := 0; i < keys; i++ {
			payload := map[string]any{"sendFrom": "num_abc123", "to": recipients, "messageType": "SMS", "text": fmt.Sprintf("%s %d", phase, i)}
			key := map[string]string{"Idempotency-Key": fmt.Sprintf("%s-%d", phase, i)}
			bodies := make([][]byte, 2)
			for j, s := range targets(i) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// A client retries on another process when one is down.
					for attempt := 0; attempt < 3; attempt++ {
						target := s
						if attempt > 0 {
							target = procs[0]
						}
						status, _, b, err := target.do("POST", "/api/core/messages/send", tok, payload, key)
						if err == nil && status == 202 {
							bodies[j] = b
							return
						}
					}
					t.Errorf("%s key %d never accepted", phase, i)
				}()
			}
			wg.Wait()
			if bodies[0] != nil && !bytes.Equal(bodies[0], bodies[1]) {
				t.Errorf("%s key %d: the two processes answered differently:\n%s\n%s", phase, i, bodies[0], bodies[1])
			}
		}
	}
	check := func(phase string, keys int) {
		t.Helper()
		// count fails the test on a database error: a query that failed
		// must not read as zero rows.
		count := func(query string, args ...any) int {
			t.Helper()
			var n int
			if err := db.QueryRow(query, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %s: %v", phase, query, err)
			}
			return n
		}
		testwait.Eventually(t, 60*time.Second, func() bool {
			return count(`SELECT COUNT(*) FROM messages WHERE status IN ('QUEUED', 'SENT')`) == 0 &&
				count(`SELECT COUNT(*) FROM deliveries WHERE state = 'PENDING'`) == 0
		}, phase+": every message in its end state and every delivery done")
		acceptances := count(`SELECT COUNT(*) FROM idempotency_keys WHERE key LIKE $1`, phase+"-%")
		messages := count(`SELECT COUNT(*) FROM messages WHERE idempotency_key LIKE $1`, phase+"-%")
		if acceptances != keys || messages != keys*len(recipients) {
			t.Errorf("%s: %d acceptances and %d messages, want %d and %d", phase, acceptances, messages, keys, keys*len(recipients))
		}
		gaps := count(`SELECT COUNT(*) FROM messages m WHERE m.sequence <> (SELECT COUNT(*) FROM events e WHERE e.message_id = m.id)
			OR m.sequence <> (SELECT MAX(sequence) FROM events e WHERE e.message_id = m.id)`)
		if gaps != 0 {
			t.Errorf("%s: %d messages with gaps or repeats in their sequences", phase, gaps)
		}
		notOnce := count(`SELECT COUNT(*) FROM events e WHERE (SELECT COUNT(*) FROM deliveries d
			WHERE d.event_id = e.id AND d.state = 'DELIVERED') <> 1`)
		if notOnce != 0 {
			t.Errorf("%s: %d events without exactly one successful delivery", phase, notOnce)
		}
		rows, err := db.Query(`SELECT id, body FROM events`)
		if err != nil {
			t.Fatalf("%s: read events: %v", phase, err)
		}
		defer rows.Close()
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for rows.Next() {
			var id string
			var body []byte
			if err := rows.Scan(&id, &body); err != nil {
				t.Fatalf("%s: read events: %v", phase, err)
			}
			if len(rc.bodies[id]) == 0 {
				t.Errorf("%s: event %s never reached the receiver", phase, id)
			}
			for _, b := range rc.bodies[id] {
				if !bytes.Equal(b, body) {
					t.Errorf("%s: event %s arrived with a changed body", phase, id)
				}
			}
		}
	}

	// Phase 1: every key to two processes at once.
	sendBoth("both", 40, func(i int) []*server { return []*server{procs[i%3], procs[(i+1)%3]} })
	check("both", 40)

	// Phase 2: kill one process mid-load; its claimed rows are resumed by the
	// survivors once their leases expire.
	done := make(chan struct{})
	go func() {
		defer close(done)
		sendBoth("kill", 40, func(i int) []*server { return []*server{procs[1], procs[2]} })
	}()
	testwait.Eventually(t, 30*time.Second, func() bool {
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM idempotency_keys WHERE key LIKE 'kill-%'`).Scan(&n)
		return n >= 10
	}, "some of phase 2 accepted")
	procs[2].kill()
	<-done
	check("kill", 40)
	rc.mu.Lock()
	if rc.bad != 0 {
		t.Errorf("%d deliveries failed signature verification", rc.bad)
	}
	rc.mu.Unlock()
}
