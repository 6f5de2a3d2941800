package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/testwait"
	"github.com/redcloud-core/redcloud/webhook"
)

// receiver records every verified delivery by eventId.
type receiver struct {
	mu     sync.Mutex
	secret string
	bodies map[string][][]byte
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	err := webhook.Verify([]string{rc.secret}, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0)
	if err != nil {
		rc.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	id := r.Header.Get(webhook.HeaderEventID)
	rc.bodies[id] = append(rc.bodies[id], body)
	w.WriteHeader(http.StatusNoContent)
}

var restartRecipients = []string{"+15005550001", "+15005550002", "+15005550003", "+15005550004", "+15005550005", "+15551230001", "+15551230002"}

// TestKillRestartLosesNothing sends batches, kills the server with SIGKILL
// mid-flight, restarts it on the same database and checks that every
// accepted message reaches its end state with gapless sequences, and that
// every event reaches the receiver with its body unchanged.
func TestKillRestartLosesNothing(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "redcloud.db")
	args := []string{"--db", dbPath, "--sandbox-delay", "20ms", "--lease", "1s", "--poll-interval", "50ms",
		"--provider-retry-schedule", "50ms,50ms,50ms", "--webhook-retry-schedule", "100ms,100ms,100ms,100ms"}
	s := start(t, args...)
	tok := s.token(demoID, demoSecret)
	rc := &receiver{bodies: map[string][][]byte{}}
	rs := httptest.NewServer(rc)
	defer rs.Close()
	status, _, body, err := s.do("PUT", "/api/sandbox/webhooks", tok, map[string]any{"deliveryUrl": rs.URL + "/d"}, nil)
	if err != nil || status != 200 {
		t.Fatalf("set webhooks: %d %s %v", status, body, err)
	}
	var hooks struct {
		SigningSecret string `json:"signingSecret"`
	}
	json.Unmarshal(body, &hooks)
	rc.secret = hooks.SigningSecret

	const batches = 60
	payload := func(i int) map[string]any {
		return map[string]any{"sendFrom": "num_abc123", "to": restartRecipients, "messageType": "SMS", "text": fmt.Sprintf("batch %d", i)}
	}
	key := func(i int) map[string]string {
		return map[string]string{"Idempotency-Key": fmt.Sprintf("restart-%d", i)}
	}

	// Send in the background; kill the server once a third is accepted.
	var mu sync.Mutex
	accepted := map[int][]byte{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < batches; i++ {
			status, _, body, err := s.do("POST", "/api/core/messages/send", tok, payload(i), key(i))
			if err == nil && status == 202 {
				mu.Lock()
				accepted[i] = body
				mu.Unlock()
			}
		}
	}()
	testwait.Eventually(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted) >= batches/3
	}, "a third of the batches accepted")
	s.kill()
	wg.Wait()

	// Restart and finish the job as a client would: every batch is sent
	// (again) with its key; accepted ones replay with the same body.
	s = start(t, args...)
	tok = s.token(demoID, demoSecret)
	for i := 0; i < batches; i++ {
		status, _, body, err := s.do("POST", "/api/core/messages/send", tok, payload(i), key(i))
		if err != nil || status != 202 {
			t.Fatalf("batch %d after restart: %d %s %v", i, status, body, err)
		}
		if prev, ok := accepted[i]; ok && !bytes.Equal(prev, body) {
			t.Fatalf("batch %d: replay differs from the first acceptance:\n%s\n%s", i, prev, body)
		}
		accepted[i] = body
	}

	db := openDB(t, dbPath)
	total := batches * len(restartRecipients)
	testwait.Eventually(t, 60*time.Second, func() bool {
		var open, pending int
		db.QueryRow(`SELECT COUNT(*) FROM messages WHERE status = 'QUEUED' OR (status = 'SENT' AND to_e164 <> '+15005550004')`).Scan(&open)
		db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE state = 'PENDING'`).Scan(&pending)
		return open == 0 && pending == 0
	}, "every message in its end state and every delivery done")

	// Every accepted messageId exists exactly once; nothing else exists.
	want := map[string]bool{}
	for _, body := range accepted {
		var resp struct {
			Results []struct {
				MessageID string `json:"messageId"`
			} `json:"results"`
		}
		json.Unmarshal(body, &resp)
		for _, r := range resp.Results {
			want[r.MessageID] = true
		}
	}
	var count int
	db.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&count)
	if len(want) != total || count != total {
		t.Fatalf("messages: %d accepted ids, %d rows, want %d", len(want), count, total)
	}

	// Expected end state per recipient.
	end := map[string]string{"+15005550001": "FAILED", "+15005550002": "FAILED", "+15005550003": "DELIVERED",
		"+15005550004": "SENT", "+15005550005": "FAILED", "+15551230001": "DELIVERED", "+15551230002": "DELIVERED"}
	rows, err := db.Query(`SELECT id, to_e164, status, sequence FROM messages`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, to, st string
		var seq int
		rows.Scan(&id, &to, &st, &seq)
		if !want[id] {
			t.Errorf("message %s was never accepted", id)
		}
		if st != end[to] {
			t.Errorf("message %s to %s: status %s, want %s", id, to, st, end[to])
		}
		var n, min, max int
		db.QueryRow(`SELECT COUNT(*), MIN(sequence), MAX(sequence) FROM events WHERE message_id = ?`, id).Scan(&n, &min, &max)
		if n != seq || min != 1 || max != seq {
			t.Errorf("message %s: %d events with sequences %d..%d, message sequence %d", id, n, min, max, seq)
		}
	}
	rows.Close()

	// Every event reached the receiver, always with its stored body.
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.bad != 0 {
		t.Errorf("%d deliveries failed signature verification", rc.bad)
	}
	ev, err := db.Query(`SELECT id, body FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	events, redelivered := 0, 0
	for ev.Next() {
		var id string
		var body []byte
		ev.Scan(&id, &body)
		events++
		got := rc.bodies[id]
		if len(got) == 0 {
			t.Errorf("event %s never delivered", id)
		}
		if len(got) > 1 {
			redelivered++
		}
		for _, b := range got {
			if !bytes.Equal(b, body) {
				t.Errorf("event %s delivered with a changed body", id)
			}
		}
	}
	ev.Close()
	if len(rc.bodies) != events {
		t.Errorf("receiver saw %d distinct events, database holds %d", len(rc.bodies), events)
	}
	t.Logf("%d messages, %d events, %d delivered more than once (in flight at the kill)", count, events, redelivered)
}
