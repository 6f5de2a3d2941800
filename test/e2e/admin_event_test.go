package e2e_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/testwait"
)

// TestAdminReplaysFailedDeliveries lets every delivery fail, then replays the
// FAILED events with the admin command beside the running server.
func TestAdminReplaysFailedDeliveries(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "redcloud.db")
	s := start(t, "--db", dbPath, "--sandbox-delay", "0s", "--poll-interval", "50ms", "--webhook-retry-schedule", "none")
	var healthy atomic.Bool
	var got atomic.Int32
	bodies := make(chan string, 100)
	rs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		got.Add(1)
		bodies <- r.Header.Get("X-RedCloud-Event-Id")
	}))
	defer rs.Close()
	tok := s.token(demoID, demoSecret)
	if status, _, body, err := s.do("PUT", "/api/sandbox/webhooks", tok, map[string]any{"deliveryUrl": rs.URL}, nil); err != nil || status != 200 {
		t.Fatalf("set webhooks: %d %s %v", status, body, err)
	}
	send := map[string]any{"sendFrom": "num_abc123", "to": []string{"+15551234567"}, "messageType": "SMS", "text": "hi"}
	if status, _, body, err := s.do("POST", "/api/core/messages/send", tok, send, map[string]string{"Idempotency-Key": "replay-1"}); err != nil || status != 202 {
		t.Fatalf("send: %d %s %v", status, body, err)
	}
	admin := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(binary, append([]string{"admin"}, append(args, "--db", dbPath)...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("admin %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	var failed []struct {
		EventID string `json:"eventId"`
		State   string `json:"state"`
	}
	testwait.Eventually(t, 20*time.Second, func() bool {
		json.Unmarshal([]byte(admin("delivery", "list", "--state", "FAILED", "--json")), &failed)
		return len(failed) == 3
	}, "three FAILED deliveries (queued, sent, delivery)")
	show := admin("event", "show", failed[0].EventID)
	if !strings.Contains(show, "FAILED") || !strings.Contains(show, "503") {
		t.Errorf("event show lacks the failed attempt:\n%s", show)
	}
	healthy.Store(true)
	out := admin("event", "replay", "--failed-since", "1h")
	if !strings.Contains(out, "3 event(s) queued for replay") {
		t.Fatalf("replay output:\n%s", out)
	}
	testwait.Eventually(t, 20*time.Second, func() bool { return got.Load() == 3 }, "the replayed events delivered")
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		seen[<-bodies] = true
	}
	for _, f := range failed {
		if !seen[f.EventID] {
			t.Errorf("event %s was not replayed", f.EventID)
		}
	}
	// Nothing FAILED is left without a later delivery: a second replay finds nothing.
	if out := admin("event", "replay", "--failed-since", "1h"); !strings.Contains(out, "0 event(s)") {
		t.Errorf("second replay:\n%s", out)
	}
}
