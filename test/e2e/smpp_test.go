package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/testwait"
	"github.com/redcloud-core/redcloud/test/smsc"
	"github.com/redcloud-core/redcloud/webhook"
)

// hookSink is a signed webhook receiver: it verifies each delivery and
// keeps the events, de-duplicated by eventId.
type hookSink struct {
	mu     sync.Mutex
	secret string
	seen   map[string]bool
	events []webhook.Event
	bad    int
	srv    *httptest.Server
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{seen: map[string]bool{}}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	err := webhook.Verify([]string{h.secret}, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0)
	if err != nil {
		h.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	ev, err := webhook.ParseEvent(body)
	if err != nil {
		h.bad++
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !h.seen[ev.EventID] {
		h.seen[ev.EventID] = true
		h.events = append(h.events, ev)
	}
	w.WriteHeader(http.StatusNoContent)
}

// of returns the events of message id, by sequence.
func (h *hookSink) of(id string) []webhook.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []webhook.Event
	for _, ev := range h.events {
		if ev.MessageID == id {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b webhook.Event) int { return int(a.Sequence - b.Sequence) })
	return out
}

// where returns the events match accepts.
func (h *hookSink) where(match func(webhook.Event) bool) []webhook.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []webhook.Event
	for _, ev := range h.events {
		if match(ev) {
			out = append(out, ev)
		}
	}
	return out
}

// waitTerminal waits for message id's terminal event and returns its
// events by sequence.
func (h *hookSink) waitTerminal(t *testing.T, id string, timeout time.Duration) []webhook.Event {
	t.Helper()
	var evs []webhook.Event
	testwait.EventuallyDescribe(t, timeout, func() bool {
		evs = h.of(id)
		return len(evs) > 0 && evs[len(evs)-1].IsTerminal()
	}, func() string { return fmt.Sprintf("message %s: events %v", id, eventTypes(evs)) })
	return evs
}

func eventTypes(evs []webhook.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, fmt.Sprintf("%d:%s", ev.Sequence, ev.Type))
	}
	return out
}

// adminRunner runs `redcloud admin … --db DB` and keeps every output, so a
// test can check none held a secret.
type adminRunner struct {
	t   *testing.T
	db  string
	mu  sync.Mutex
	all strings.Builder
}

func (a *adminRunner) run(args ...string) string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, append([]string{"admin"}, append(args, "--db", a.db)...)...).CombinedOutput()
	a.mu.Lock()
	a.all.Write(out)
	a.mu.Unlock()
	if err != nil {
		a.t.Fatalf("admin %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (a *adminRunner) output() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.all.String()
}

// bindStates reads `admin provider list --json`: provider → its bind states.
func (a *adminRunner) bindStates() map[string][]string {
	a.t.Helper()
	var ps []struct {
		Name       string `json:"name"`
		BindStates []struct {
			State string `json:"state"`
		} `json:"bindStates"`
	}
	out := a.run("provider", "list", "--json")
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		a.t.Fatalf("provider list --json: %v\n%s", err, out)
	}
	m := map[string][]string{}
	for _, p := range ps {
		for _, b := range p.BindStates {
			m[p.Name] = append(m[p.Name], b.State)
		}
	}
	return m
}

// setHooks points the demo client's delivery and inbound webhooks at h.
func setHooks(t *testing.T, s *server, tok string, h *hookSink) {
	t.Helper()
	status, _, body, err := s.do("PUT", "/api/sandbox/webhooks", tok,
		map[string]any{"deliveryUrl": h.srv.URL + "/d", "inboundUrl": h.srv.URL + "/i"}, nil)
	if err != nil || status != 200 {
		t.Fatalf("set webhooks: %d %s %v", status, body, err)
	}
	var hooks struct {
		SigningSecret string `json:"signingSecret"`
	}
	json.Unmarshal(body, &hooks)
	h.mu.Lock()
	h.secret = hooks.SigningSecret
	h.mu.Unlock()
}

type accepted struct {
	MessageID string `json:"messageId"`
	Segments  int    `json:"segments"`
	Encoding  string `json:"encoding"`
}

// sendOne sends text from the demo number to one recipient and returns
// what the 202 said of it.
func sendOne(t *testing.T, s *server, tok, to, text, key string) accepted {
	t.Helper()
	status, _, body, err := s.do("POST", "/api/core/messages/send", tok,
		map[string]any{"sendFrom": "num_abc123", "to": []string{to}, "messageType": "SMS", "text": text},
		map[string]string{"Idempotency-Key": key})
	if err != nil || status != 202 {
		t.Fatalf("send to %s: %d %s %v", to, status, body, err)
	}
	var r struct{ Results []accepted }
	if err := json.Unmarshal(body, &r); err != nil || len(r.Results) != 1 {
		t.Fatalf("send to %s: %s", to, body)
	}
	return r.Results[0]
}

// readiness reads /readyz.
func readiness(t *testing.T, s *server) (string, []string) {
	t.Helper()
	status, _, body, err := s.do("GET", "/readyz", "", nil, nil)
	if err != nil || status != 200 {
		t.Fatalf("readyz: %d %s %v", status, body, err)
	}
	var r struct {
		Status   string   `json:"status"`
		Problems []string `json:"problems"`
	}
	json.Unmarshal(body, &r)
	return r.Status, r.Problems
}

// TestSMPPEndToEnd runs the built binary against the SMSC simulator: the
// provider is configured with the admin commands while the server runs,
// then sends, receipts, long texts, inbound messages, opt-outs, bind
// states and readiness are checked from the outside, and the password is
// looked for in every log line and every admin output.
func TestSMPPEndToEnd(t *testing.T) {
	const password, wrongPassword = "e2ePw7qZ", "e2eWr4kX" // SMPP passwords: 8 characters at most
	sc := smsc.Start(t, smsc.WithCredentials("redcloud", password))
	sc.SetReceipt("15550100002", "UNDELIV")
	dbPath := filepath.Join(t.TempDir(), "redcloud.db")
	s := start(t, "--db", dbPath, "--sandbox-delay", "0s", "--poll-interval", "50ms",
		"--provider-retry-schedule", "200ms,500ms,1s,2s,5s")
	tok := s.token(demoID, demoSecret)
	hooks := newHookSink(t)
	setHooks(t, s, tok, hooks)
	admin := &adminRunner{t: t, db: dbPath}

	// Configured beside the running server: it binds within 5 s.
	admin.run("provider", "add", "carrier", "--url", sc.URL())
	added := time.Now()
	testwait.Eventually(t, 5*time.Second, func() bool {
		return slices.Equal(admin.bindStates()["carrier"], []string{"bound"})
	}, "the new provider bound within 5 s of `admin provider add`")
	t.Logf("provider bound %v after `admin provider add`", time.Since(added).Round(10*time.Millisecond))
	if list := admin.run("provider", "list"); !strings.Contains(list, "1 bound") {
		t.Errorf("provider list does not show the bind bound:\n%s", list)
	}

	// Routed beside the running server: the number's sends go to the SMSC
	// within 5 s (probes sent before the route applies go to the sandbox).
	admin.run("number", "route", "num_abc123", "carrier")
	routed := time.Now()
	for i := 0; len(sc.SubmitsTo("15550100000")) == 0; i++ {
		if time.Since(routed) > 5*time.Second {
			t.Fatalf("no submit at the SMSC within 5 s of `admin number route`")
		}
		sendOne(t, s, tok, "+15550100000", "probe", fmt.Sprintf("probe-%d", i))
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("route applied within %v", time.Since(routed).Round(10*time.Millisecond))

	t.Run("send and DELIVRD", func(t *testing.T) {
		m := sendOne(t, s, tok, "+15550100001", "hello over smpp", "gsm-1")
		evs := hooks.waitTerminal(t, m.MessageID, 30*time.Second)
		if got := eventTypes(evs); !slices.Equal(got, []string{"1:message.queued", "2:message.sent", "3:message.delivery"}) {
			t.Fatalf("events %v", got)
		}
		subs := sc.SubmitsTo("15550100001")
		if len(subs) != 1 {
			t.Fatalf("%d submits, want 1", len(subs))
		}
		sub := subs[0]
		if sub.SourceAddr != "15551234567" || sub.SourceTON != 1 || sub.SourceNPI != 1 || sub.DestTON != 1 || sub.DestNPI != 1 {
			t.Errorf("addresses: source %q TON %d NPI %d, destination TON %d NPI %d; want 15551234567 1/1, 1/1",
				sub.SourceAddr, sub.SourceTON, sub.SourceNPI, sub.DestTON, sub.DestNPI)
		}
		if sub.RegisteredDelivery != 1 || sub.DataCoding != 0 || sub.Text != "hello over smpp" || sub.ESMClass != 0 {
			t.Errorf("submit: registered_delivery %d, data_coding %d, esm_class %d, text %q", sub.RegisteredDelivery, sub.DataCoding, sub.ESMClass, sub.Text)
		}
		if ref := evs[1].ProviderMessageRef; ref != sub.MessageID {
			t.Errorf("providerMessageRef %q, SMSC id %q", ref, sub.MessageID)
		}
		// UCS-2: data_coding 8.
		m = sendOne(t, s, tok, "+15550100004", "привет ✓", "ucs2-1")
		if m.Encoding != "UCS-2" || m.Segments != 1 {
			t.Errorf("UCS-2 send: %+v", m)
		}
		evs = hooks.waitTerminal(t, m.MessageID, 30*time.Second)
		if evs[len(evs)-1].Type != webhook.TypeDelivery {
			t.Errorf("UCS-2 message: events %v", eventTypes(evs))
		}
		if subs := sc.SubmitsTo("15550100004"); len(subs) != 1 || subs[0].DataCoding != 8 || subs[0].Text != "привет ✓" {
			t.Errorf("UCS-2 submits: %+v", subs)
		}
	})

	t.Run("UNDELIV", func(t *testing.T) {
		m := sendOne(t, s, tok, "+15550100002", "nobody home", "undeliv-1")
		evs := hooks.waitTerminal(t, m.MessageID, 30*time.Second)
		last := evs[len(evs)-1]
		if last.Type != webhook.TypeFailed || last.Failure == nil {
			t.Fatalf("events %v, want message.failed last", eventTypes(evs))
		}
		if last.Failure.Code != "UNDELIVERABLE" || !strings.Contains(last.Failure.ProviderCode, "UNDELIV") {
			t.Errorf("failure %+v, want UNDELIVERABLE with providerCode stat:UNDELIV…", *last.Failure)
		}
	})

	t.Run("long text", func(t *testing.T) {
		text := strings.Repeat("0123456789", 40) // 400 GSM characters: 153 + 153 + 94
		m := sendOne(t, s, tok, "+15550100003", text, "long-1")
		if m.Segments != 3 {
			t.Errorf("segments %d, want 3", m.Segments)
		}
		evs := hooks.waitTerminal(t, m.MessageID, 30*time.Second)
		if got := eventTypes(evs); !slices.Equal(got, []string{"1:message.queued", "2:message.sent", "3:message.delivery"}) {
			t.Errorf("events %v", got)
		}
		if evs[0].Segments != 3 {
			t.Errorf("event segments %d, want 3", evs[0].Segments)
		}
		subs := sc.SubmitsTo("15550100003")
		if len(subs) != 3 {
			t.Fatalf("%d submits, want 3", len(subs))
		}
		var joined strings.Builder
		for i, sub := range subs {
			if sub.Concat == nil || sub.Concat.Total != 3 || sub.Concat.Seq != i+1 || sub.Concat.Ref != subs[0].Concat.Ref {
				t.Errorf("part %d: concat %+v", i+1, sub.Concat)
			}
			joined.WriteString(sub.Text)
		}
		if joined.String() != text {
			t.Errorf("the parts do not join to the text: %q", joined.String())
		}
	})

	t.Run("inbound", func(t *testing.T) {
		inbound := func(text string) webhook.Event {
			t.Helper()
			var got []webhook.Event
			testwait.Eventually(t, 30*time.Second, func() bool {
				got = hooks.where(func(ev webhook.Event) bool { return ev.Type == webhook.TypeInbound && ev.Text == text })
				return len(got) > 0
			}, "message.inbound for "+text)
			return got[0]
		}
		sc.SendMO(smsc.MO{From: "15557654321", To: "15551234567", Text: "hello from a handset"})
		ev := inbound("hello from a handset")
		if ev.From != "+15557654321" || ev.To != "+15551234567" || ev.NumberID != "num_abc123" {
			t.Errorf("inbound event: from %s to %s number %s", ev.From, ev.To, ev.NumberID)
		}
		long := strings.Repeat("a long reply from the handset, ", 8)
		sc.SendMO(smsc.MO{From: "15557654321", To: "15551234567", Text: long, Parts: 2})
		inbound(long)

		sc.SendMO(smsc.MO{From: "15557654322", To: "15551234567", Text: "STOP"})
		ev = inbound("STOP")
		if ev.Keyword == nil || ev.Keyword.Type != webhook.KeywordOptOut {
			t.Errorf("STOP: keyword %+v", ev.Keyword)
		}
		testwait.Eventually(t, 10*time.Second, func() bool {
			return strings.Contains(admin.run("opt-out", "list", "--client", demoID), "+15557654322")
		}, "the STOP sender on the client's opt-out list")
		// The confirmation goes back through the carrier.
		testwait.Eventually(t, 30*time.Second, func() bool { return len(sc.SubmitsTo("15557654322")) == 1 },
			"the STOP confirmation submitted to the SMSC")
		// A send to the opted-out number is refused and never reaches the SMSC.
		status, _, body, err := s.do("POST", "/api/core/messages/send", tok,
			map[string]any{"sendFrom": "num_abc123", "to": []string{"+15557654322"}, "messageType": "SMS", "text": "are you there?"},
			map[string]string{"Idempotency-Key": "optout-1"})
		if err != nil || status != 400 || !strings.Contains(string(body), "recipient_opted_out") {
			t.Errorf("send to an opted-out number: %d %s %v", status, body, err)
		}
		if n := len(sc.SubmitsTo("15557654322")); n != 1 {
			t.Errorf("%d submits to the opted-out number, want only the confirmation", n)
		}
	})

	t.Run("readiness", func(t *testing.T) {
		if st, problems := readiness(t, s); st != "ready" {
			t.Fatalf("readyz %s %v before the fault", st, problems)
		}
		sc.Refuse()
		sc.Drop()
		var problems []string
		testwait.EventuallyDescribe(t, 15*time.Second, func() bool {
			var st string
			st, problems = readiness(t, s)
			return st == "degraded" && len(problems) == 1 && strings.Contains(problems[0], "provider carrier: 1 of 1 binds not bound")
		}, func() string { return fmt.Sprintf("readyz degraded with the carrier's bind; problems %v", problems) })
		t.Logf("refused: %v", problems)
		sc.Accept()
		testwait.EventuallyDescribe(t, 30*time.Second, func() bool {
			st, _ := readiness(t, s)
			return st == "ready"
		}, func() string { return fmt.Sprintf("readyz ready again; binds %v", admin.bindStates()) })
		m := sendOne(t, s, tok, "+15550100001", "after the outage", "after-outage-1")
		if evs := hooks.waitTerminal(t, m.MessageID, 30*time.Second); evs[len(evs)-1].Type != webhook.TypeDelivery {
			t.Errorf("after the outage: events %v", eventTypes(evs))
		}
	})

	t.Run("credentials", func(t *testing.T) {
		// A wrong password: the bind is refused, readiness says so, and
		// neither password is printed anywhere.
		wrong := strings.Replace(sc.URL(), password, wrongPassword, 1)
		admin.run("provider", "set", "carrier", "--url", wrong)
		testwait.Eventually(t, 15*time.Second, func() bool {
			return slices.Equal(admin.bindStates()["carrier"], []string{"failed"})
		}, "the bind failed with the wrong password")
		show := admin.run("provider", "show", "carrier")
		if !strings.Contains(show, "ESME_RINVPASWD") {
			t.Errorf("provider show does not name the refusal:\n%s", show)
		}
		admin.run("provider", "set", "carrier", "--url", sc.URL())
		testwait.Eventually(t, 15*time.Second, func() bool {
			return slices.Equal(admin.bindStates()["carrier"], []string{"bound"})
		}, "bound again with the right password")
	})

	hooks.mu.Lock()
	bad := hooks.bad
	hooks.mu.Unlock()
	if bad != 0 {
		t.Errorf("%d webhook deliveries failed verification", bad)
	}
	if err := s.stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	// A graceful stop unbinds.
	if !slices.ContainsFunc(sc.Binds(), func(b smsc.Bind) bool { return b.Op == "unbind" }) {
		t.Errorf("no unbind at the SMSC after SIGTERM")
	}
	// Log lines are JSON objects with each key once, durations readable.
	for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		if strings.Count(line, `"provider":`) > 1 || strings.Contains(line, `"retryIn":`) && !strings.Contains(line, `"retryIn":"`) {
			t.Errorf("log line with a repeated provider key or a raw duration: %s", line)
		}
	}
	for _, secret := range []string{password, wrongPassword} {
		if strings.Contains(s.logs.String(), secret) {
			t.Errorf("the server log holds the password %q", secret)
		}
		if strings.Contains(admin.output(), secret) {
			t.Errorf("an admin output holds the password %q", secret)
		}
	}
}
