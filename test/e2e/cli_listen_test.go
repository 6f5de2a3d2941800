package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

// cliPost posts body to url signed with secret at now, and returns the
// status of the answer.
func cliPost(t *testing.T, url, secret string, body []byte) int {
	t.Helper()
	ts, sig := webhook.SignatureHeaders(secret, time.Now(), body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, ts)
	req.Header.Set(webhook.HeaderSignature, sig)
	req.Header.Set(webhook.HeaderEventID, "evt_header_only")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// cliEventBody returns a lifecycle event body for messageID.
func cliEventBody(t *testing.T, eventID, messageID string, seq int64, status string) []byte {
	t.Helper()
	b, err := webhook.Event{EventID: eventID, Type: "message.sent", CreatedAt: time.Now(), APIClientID: demoID, Sequence: seq,
		MessageID: messageID, NumberID: "num_abc123", From: "+15551234567", To: "+15551234567", MessageType: "SMS", Status: status}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCLIListen: listen registers itself with the sandbox, receives and
// verifies the real deliveries of a message sent with the CLI, flags a
// forged request, a duplicate and an out-of-order event, and clears its
// registration when interrupted.
func TestCLIListen(t *testing.T) {
	t.Parallel()
	s := cliServer(t)
	env := cliEnv(s.base)
	l := cliStartListen(t, env)
	line := l.waitFor(30*time.Second, "the registration", func(line string) bool { return strings.HasPrefix(line, "registered as") })
	if !strings.Contains(line, demoID) || !strings.Contains(line, s.base) {
		t.Fatalf("registration line: %q", line)
	}
	line = l.waitFor(30*time.Second, "the signing secret", func(line string) bool { return strings.HasPrefix(line, "signing secret ") })
	m := regexp.MustCompile(`^signing secret (whsec_\S+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("signing secret line: %q", line)
	}
	secret := m[1]
	var who struct {
		DeliveryWebhookConfigured bool `json:"deliveryWebhookConfigured"`
		InboundWebhookConfigured  bool `json:"inboundWebhookConfigured"`
	}
	cliJSON(t, cliWant(t, 0, env, "whoami", "--json"), &who)
	if !who.DeliveryWebhookConfigured || !who.InboundWebhookConfigured {
		t.Fatalf("listen did not register its URL: %+v", who)
	}

	var sent struct {
		Results []struct {
			MessageID string `json:"messageId"`
		} `json:"results"`
	}
	cliJSON(t, cliWant(t, 0, env, "send", "--to", "+15005550002", "--text", "watch me", "--json"), &sent)
	id := sent.Results[0].MessageID
	seen := map[string]string{}
	for len(seen) < 3 {
		line := l.waitFor(30*time.Second, "the message's three events", func(line string) bool { return strings.Contains(line, id) })
		if !strings.Contains(line, "verified") || !strings.Contains(line, "answered 204") {
			t.Fatalf("event line not verified and acknowledged: %q", line)
		}
		for _, typ := range []string{"message.queued", "message.sent", "message.failed"} {
			if strings.Contains(line, typ) {
				seen[typ] = line
			}
		}
	}
	if failed := seen["message.failed"]; !strings.Contains(failed, "seq 3") || !strings.Contains(failed, "FAILED") || !strings.Contains(failed, "CARRIER_REJECTED") {
		t.Fatalf("failed event line: %q", failed)
	}

	// An inbound message reaches the inbound URL listen registered.
	if status, _, b, err := s.do("POST", "/api/sandbox/inbound", s.token(demoID, demoSecret),
		map[string]any{"numberId": "num_abc123", "from": "+15557654321", "text": "STOP"}, nil); err != nil || status != 202 {
		t.Fatalf("sandbox inbound: %d %s %v", status, b, err)
	}
	line = l.waitFor(30*time.Second, "the inbound event", func(line string) bool { return strings.Contains(line, "message.inbound") })
	if !strings.Contains(line, "from +15557654321") || !strings.Contains(line, `"STOP"`) || !strings.Contains(line, "verified") {
		t.Fatalf("inbound line: %q", line)
	}

	// A request signed with another secret is flagged and answered 401.
	if status := cliPost(t, l.url, "whsec_not_the_secret", cliEventBody(t, "evt_forged", "msg_forged", 1, "QUEUED")); status != 401 {
		t.Fatalf("forged request answered %d, want 401", status)
	}
	line = l.waitFor(30*time.Second, "the forged request", func(line string) bool { return strings.Contains(line, "REJECTED") })
	if !strings.Contains(line, "signature mismatch") || !strings.Contains(line, "answered 401") {
		t.Fatalf("forged request line: %q", line)
	}

	// A duplicate eventId and an event older than one already seen.
	body := cliEventBody(t, "evt_dup_1", "msg_e2e_order", 2, "SENT")
	for i := 0; i < 2; i++ {
		if status := cliPost(t, l.url, secret, body); status != 204 {
			t.Fatalf("signed event answered %d", status)
		}
	}
	line = l.waitFor(30*time.Second, "the duplicate", func(line string) bool { return strings.Contains(line, "DUPLICATE") })
	if !strings.Contains(line, "msg_e2e_order") {
		t.Fatalf("duplicate line: %q", line)
	}
	cliPost(t, l.url, secret, cliEventBody(t, "evt_old_1", "msg_e2e_order", 1, "QUEUED"))
	line = l.waitFor(30*time.Second, "the out-of-order event", func(line string) bool { return strings.Contains(line, "OUT OF ORDER") })
	if !strings.Contains(line, "seq 1") {
		t.Fatalf("out-of-order line: %q", line)
	}

	if err := l.stop(); err != nil {
		t.Fatalf("listen after SIGINT: %v\n%s", err, l.stderr)
	}
	if !strings.Contains(l.stderr.String(), "cleared the delivery and inbound webhook URLs") {
		t.Errorf("listen did not say it cleared its registration:\n%s", l.stderr)
	}
	cliJSON(t, cliWant(t, 0, env, "whoami", "--json"), &who)
	if who.DeliveryWebhookConfigured || who.InboundWebhookConfigured {
		t.Fatalf("the registration should be cleared on exit: %+v", who)
	}
}

// cliForwarded is one request the forward target received.
type cliForwarded struct {
	header http.Header
	body   []byte
}

// TestCLIListenForward: with --forward-to, listen passes the raw body and
// the signature headers on to the developer's endpoint, which can verify
// them with the secret listen printed, and answers Red Cloud with the
// endpoint's status — so that Red Cloud retries while the endpoint is down.
func TestCLIListenForward(t *testing.T) {
	t.Parallel()
	s := cliServer(t)
	env := cliEnv(s.base)
	var mu sync.Mutex
	var got []cliForwarded
	var down atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, cliForwarded{header: r.Header.Clone(), body: b})
		mu.Unlock()
		if down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer target.Close()

	l := cliStartListen(t, env, "--json", "--forward-to", target.URL+"/hooks")
	var head struct {
		Listening     string `json:"listening"`
		Registered    bool   `json:"registered"`
		APIClientID   string `json:"apiClientId"`
		SigningSecret string `json:"signingSecret"`
		ForwardTo     string `json:"forwardTo"`
	}
	if err := json.Unmarshal([]byte(l.first), &head); err != nil || !head.Registered || head.APIClientID != demoID ||
		!strings.HasPrefix(head.SigningSecret, "whsec_") || head.ForwardTo != target.URL+"/hooks" {
		t.Fatalf("first line: %q (%v)", l.first, err)
	}

	var sent struct {
		Results []struct {
			MessageID string `json:"messageId"`
		} `json:"results"`
	}
	cliJSON(t, cliWant(t, 0, env, "send", "--to", "+15551234567", "--text", "forward me", "--json"), &sent)
	id := sent.Results[0].MessageID
	type lineJSON struct {
		Verified  bool   `json:"verified"`
		Rejected  string `json:"rejected"`
		EventID   string `json:"eventId"`
		Type      string `json:"type"`
		MessageID string `json:"messageId"`
		Sequence  int    `json:"sequence"`
		Status    string `json:"status"`
		Forward   *struct {
			URL    string `json:"url"`
			Status int    `json:"status"`
		} `json:"forward"`
		Answered int `json:"answered"`
	}
	events := map[string]lineJSON{}
	for len(events) < 3 {
		l.waitFor(30*time.Second, "the message's three events", func(line string) bool {
			var ev lineJSON
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("listen --json printed a line that is not JSON: %q", line)
			}
			if ev.MessageID == id {
				events[ev.Type] = ev
				return true
			}
			return false
		})
	}
	delivery := events["message.delivery"]
	if !delivery.Verified || delivery.Sequence != 3 || delivery.Status != "DELIVERED" || delivery.Forward == nil ||
		delivery.Forward.Status != 200 || delivery.Answered != 200 {
		t.Fatalf("delivery line: %+v", delivery)
	}

	// The forward target got the raw bytes and headers it can verify.
	mu.Lock()
	forwarded := append([]cliForwarded(nil), got...)
	mu.Unlock()
	var checked int
	for _, f := range forwarded {
		err := webhook.Verify([]string{head.SigningSecret}, f.header.Get(webhook.HeaderTimestamp), f.header.Get(webhook.HeaderSignature), f.body, time.Now(), 0)
		if err != nil {
			t.Errorf("forwarded request does not verify: %v", err)
		}
		ev, err := webhook.ParseEvent(f.body)
		if err != nil || f.header.Get(webhook.HeaderEventID) != ev.EventID || f.header.Get(webhook.HeaderEventType) != ev.Type ||
			f.header.Get("User-Agent") != webhook.UserAgent || f.header.Get("Content-Type") != "application/json" || f.header.Get(webhook.HeaderAttempt) == "" {
			t.Errorf("forwarded headers %v for event %+v (%v)", f.header, ev, err)
		}
		if ev.MessageID == id {
			checked++
		}
	}
	if checked < 3 {
		t.Fatalf("the forward target got %d of the message's 3 events", checked)
	}

	// The developer's endpoint is down: its 503 is the answer, so Red Cloud
	// would retry, and the event is not taken as seen.
	down.Store(true)
	body := cliEventBody(t, "evt_fwd_down", "msg_fwd_down", 2, "SENT")
	if status := cliPost(t, l.url, head.SigningSecret, body); status != http.StatusServiceUnavailable {
		t.Fatalf("with the target down, listen answered %d, want 503", status)
	}
	down.Store(false)
	if status := cliPost(t, l.url, head.SigningSecret, body); status != http.StatusOK {
		t.Fatalf("with the target back, listen answered %d, want 200", status)
	}
	var downLine, upLine map[string]any
	l.waitFor(30*time.Second, "the event forwarded while down", func(line string) bool {
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		if m["eventId"] != "evt_fwd_down" {
			return false
		}
		if downLine == nil {
			downLine = m
			return false
		}
		upLine = m
		return true
	})
	if downLine["answered"] != float64(503) || upLine["answered"] != float64(200) || upLine["duplicate"] != false {
		t.Fatalf("lines while down and after: %v / %v", downLine, upLine)
	}
	if status := cliPost(t, l.url, "whsec_wrong", body); status != 401 {
		t.Fatalf("a bad signature is answered %d, want 401 and never forwarded", status)
	}
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if err := l.stop(); err != nil {
		t.Fatalf("listen after SIGINT: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != n {
		t.Fatalf("a request was forwarded after the bad signature")
	}
}
