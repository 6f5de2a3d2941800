package pipeline_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
)

// TestSlowTenantCannotStarveOthers: one tenant's endpoint holds every
// request until the attempt times out, with 192 events queued for it; a
// healthy tenant's events, queued after them, are still delivered well
// before the first slow attempt times out (5 s here), and the slow endpoint
// never has more than the per-host cap of attempts in flight.
func TestSlowTenantCannotStarveOthers(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	var inflight, peak atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) }) // runs before slow.Close
	slowURL := slow.URL + "/hooks"
	up := &slowURL
	if err := e.db.SetWebhookURLs(e.ctx, clientID, &up, nil); err != nil {
		t.Fatal(err)
	}
	to := make([]string, 64)
	for i := range to {
		to[i] = fmt.Sprintf("+1555124%04d", i)
	}
	e.send(t, to...) // 64 messages, 3 events each, all to the slow endpoint

	// The healthy tenant: the other sandbox client, its own receiver.
	healthy := newReceiver(t)
	hu := healthy.URL("/hooks")
	hp := &hu
	if err := e.db.SetWebhookURLs(e.ctx, redcloud.SandboxOtherClientID, &hp, nil); err != nil {
		t.Fatal(err)
	}
	other, err := e.db.GetAPIClient(e.ctx, redcloud.SandboxOtherClientID)
	if err != nil {
		t.Fatal(err)
	}
	healthy.setSecret(other.WebhookSecret)
	e.token = otherToken(t, e)
	start := time.Now()
	status, b := e.call(t, http.MethodPost, "/api/core/messages/send",
		map[string]any{"sendFrom": redcloud.SandboxOtherNumberID, "to": []string{plainRecipient, "+15551230001", "+15551230002"},
			"messageType": "SMS", "text": "hello"}, redcloud.HeaderIdempotencyKey, "idem_healthy_tenant")
	if status != http.StatusAccepted {
		t.Fatalf("healthy send: %d %s", status, b)
	}
	var res redcloud.SendResponse
	mustJSON(t, b, &res)
	eventually(t, 4*time.Second, func() bool {
		for _, r := range res.Results {
			if len(healthy.accepted(r.MessageID)) != 3 {
				return false
			}
		}
		return true
	}, func() string {
		return "the healthy tenant's 9 events were not all delivered within 4 s beside a slow tenant; slow endpoint in flight: " + fmt.Sprint(inflight.Load())
	})
	t.Logf("healthy tenant's events delivered %v after its send, beside %d slow attempts in flight", time.Since(start).Round(time.Millisecond), inflight.Load())
	if p := peak.Load(); p > 8 {
		t.Errorf("slow endpoint had %d attempts in flight at once, want at most the per-host cap of 8", p)
	}
}

func otherToken(t *testing.T, e *env) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.api.URL+"/api/auth/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(redcloud.SandboxOtherClientID, redcloud.SandboxOtherClientSecret)
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok redcloud.TokenResponse
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("token: status %d, err %v", res.StatusCode, err)
	}
	return tok.AccessToken
}
