package e2e_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSandboxCarrierMPS: --sandbox-carrier-mps makes the sandbox provider a
// carrier that throttles a number sending too fast. Unshaped, a burst is
// throttled (and still delivered, requeued without a retry); shaped at the
// carrier's rate with --default-number-mps, nothing is throttled.
func TestSandboxCarrierMPS(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		numberMPS string
		throttled bool
	}{{"0", true}, {"3", false}} {
		t.Run("default-number-mps="+c.numberMPS, func(t *testing.T) {
			t.Parallel()
			dbPath := filepath.Join(t.TempDir(), "c.db")
			s := start(t, "--db", dbPath, "--sandbox-delay", "0s", "--sandbox-carrier-mps", "4", "--default-number-mps", c.numberMPS)
			tok := s.token(demoID, demoSecret)
			to := make([]string, 6)
			for i := range to {
				to[i] = fmt.Sprintf("+1555123%04d", 100+i)
			}
			send := map[string]any{"sendFrom": "num_abc123", "to": to, "messageType": "SMS", "text": "burst"}
			status, _, body, err := s.do("POST", "/api/core/messages/send", tok, send, map[string]string{"Idempotency-Key": "burst-1"})
			if err != nil || status != 202 {
				t.Fatalf("send: %d %s %v", status, body, err)
			}
			db := openDB(t, dbPath)
			deadline := time.Now().Add(30 * time.Second)
			for {
				var sent int
				if err := db.QueryRow(`SELECT COUNT(*) FROM messages WHERE status IN ('SENT', 'DELIVERED')`).Scan(&sent); err != nil {
					t.Fatal(err)
				}
				if sent == len(to) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d sent after 30s", sent, len(to))
				}
				time.Sleep(100 * time.Millisecond)
			}
			var retried int
			if err := db.QueryRow(`SELECT COUNT(*) FROM messages WHERE attempts > 1`).Scan(&retried); err != nil {
				t.Fatal(err)
			}
			if retried != 0 {
				t.Errorf("%d messages used a retry; a throttle must not", retried)
			}
			_, _, metrics, err := s.do("GET", "/metrics", "", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`(?m)^redcloud_provider_throttled_total (\d+)`).FindSubmatch(metrics)
			if m == nil {
				t.Fatalf("no redcloud_provider_throttled_total in /metrics")
			}
			n, _ := strconv.Atoi(string(m[1]))
			if c.throttled != (n > 0) {
				t.Errorf("throttled sends %d with --default-number-mps %s; want throttles %v", n, c.numberMPS, c.throttled)
			}
		})
	}
}

func TestSandboxCarrierMPSRefusesBadValue(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"),
		"--sandbox-carrier-mps", "-1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--sandbox-carrier-mps") {
		t.Fatalf("--sandbox-carrier-mps -1 should be refused: %v %s", err, out)
	}
}
