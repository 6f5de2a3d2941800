package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
)

const fault = redcloud.HeaderSandboxFault

// TestSandboxFaultsBeforeWork: the faults that answer before any work leave
// the key free and nothing stored.
func TestSandboxFaultsBeforeWork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault      string
		status     int
		code       string
		message    string
		details    map[string]any
		retryAfter string
	}{
		{"server_error", 500, redcloud.CodeServerError, "sandbox fault: server_error", nil, ""},
		{"upstream_error", 502, redcloud.CodeUpstreamError, "sandbox fault: upstream_error", nil, ""},
		{"unauthorized", 401, redcloud.CodeUnauthorized, msgInvalidToken, nil, ""},
		{"rate_limited", 429, redcloud.CodeRateLimited, "sandbox fault: rate_limited", nil, "1"},
		{" server_error ", 500, redcloud.CodeServerError, "sandbox fault: server_error", nil, ""},
		{"explode", 400, redcloud.CodeInvalidRequest,
			"unknown X-RedCloud-Sandbox-Fault; use server_error, upstream_error, unauthorized, rate_limited, commit_then_drop, commit_then_500 or delay_ms=N",
			map[string]any{"field": fault}, ""},
		{"SERVER_ERROR", 400, redcloud.CodeInvalidRequest,
			"unknown X-RedCloud-Sandbox-Fault; use server_error, upstream_error, unauthorized, rate_limited, commit_then_drop, commit_then_500 or delay_ms=N",
			map[string]any{"field": fault}, ""},
		{"delay_ms=abc", 400, redcloud.CodeInvalidRequest, "delay_ms must be 0-60000", map[string]any{"field": fault}, ""},
		{"delay_ms=-1", 400, redcloud.CodeInvalidRequest, "delay_ms must be 0-60000", map[string]any{"field": fault}, ""},
		{"delay_ms=60001", 400, redcloud.CodeInvalidRequest, "delay_ms must be 0-60000", map[string]any{"field": fault}, ""},
	}
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := sms(numberID, "fault", numberE164)
	for i, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			key := "fault-" + itoa(i)
			r := e.send(t, tok, key, body, fault, tt.fault)
			wantCore(t, r, tt.status, tt.code, tt.message, tt.details)
			if got := r.header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
			wantCore(t, e.get(t, "/api/core/idempotency-keys/"+key, tok), 404, redcloud.CodeNotFound, "no live record of this Idempotency-Key", nil)
			if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE idempotency_key = ?`, key); n != 0 {
				t.Errorf("%d messages after the fault", n)
			}
			// The key is still free: the same request now is a first acceptance.
			wantAccepted(t, e.send(t, tok, key, body))
		})
	}
	t.Run("other routes", func(t *testing.T) {
		wantCore(t, e.get(t, "/api/core/whoami", tok, fault, "upstream_error"), 502, redcloud.CodeUpstreamError, "sandbox fault: upstream_error", nil)
		wantCore(t, e.get(t, "/healthz", "", fault, "server_error"), 500, redcloud.CodeServerError, "sandbox fault: server_error", nil)
		// A fault answers before authentication.
		wantCore(t, e.get(t, "/api/core/numbers", "", fault, "rate_limited"), 429, redcloud.CodeRateLimited, "sandbox fault: rate_limited", nil)
	})
}

func TestSandboxCommitThenDrop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := sms(numberID, "drop", numberE164, "+15005550004")
	_, err := e.try(freshConn(t), request{method: "POST", path: "/api/core/messages/send", token: tok, body: body,
		header: []string{redcloud.HeaderIdempotencyKey, "dropped", fault, "commit_then_drop"}})
	if err == nil {
		t.Fatal("commit_then_drop: got a response, want a transport error")
	}
	// The work committed: the key replays with the committed messageIds.
	rec := e.idempotencyRecord(t, tok, "dropped")
	var stored sendResult
	mustJSON(t, rec.Response, &stored)
	if len(stored.Results) != 2 {
		t.Fatalf("stored response = %s", rec.Response)
	}
	r := e.send(t, tok, "dropped", body)
	if r.status != 202 || r.header.Get(redcloud.HeaderReplayed) != "true" {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	var replayed sendResult
	mustJSON(t, r.body, &replayed)
	if strings.Join(replayed.ids(), ",") != strings.Join(stored.ids(), ",") {
		t.Errorf("replayed %v, committed %v", replayed.ids(), stored.ids())
	}
	wantStoredMessages(t, e, "dropped", stored.ids())
}

func TestSandboxCommitThen500(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := sms(numberID, "500", numberE164)
	r := e.send(t, tok, "c500", body, fault, "commit_then_500")
	if r.status != 500 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var ce coreErr
	mustJSON(t, r.body, &ce)
	if ce.Error.Code != redcloud.CodeServerError || ce.Error.Message != "internal server error" || len(ce.Error.Details) != 0 ||
		ce.RequestID != r.header.Get(redcloud.HeaderRequestID) {
		t.Errorf("body = %s", r.body)
	}
	if got := r.header.Get(redcloud.HeaderOutcome); got != "" {
		t.Errorf("X-RedCloud-Outcome = %q; the work committed, so the outcome header must be absent", got)
	}
	replay := e.send(t, tok, "c500", body)
	if replay.status != 202 || replay.header.Get(redcloud.HeaderReplayed) != "true" {
		t.Fatalf("retry: %d %s", replay.status, replay.body)
	}
	rec := e.idempotencyRecord(t, tok, "c500")
	if !bytes.Equal(rec.Response, replay.body) {
		t.Errorf("record %s, replay %s", rec.Response, replay.body)
	}
	var s sendResult
	mustJSON(t, replay.body, &s)
	wantStoredMessages(t, e, "c500", s.ids())
}

func TestSandboxDelay(t *testing.T) {
	t.Parallel()
	var accepts atomic.Int32
	e := newEnv(t, withOnAccept(func() { accepts.Add(1) }))
	tok := e.sandboxToken(t)
	body := sms(numberID, "slow", numberE164)
	began := time.Now()
	r := e.send(t, tok, "slow", body, fault, "delay_ms=200")
	if d := time.Since(began); d < 200*time.Millisecond {
		t.Errorf("answered after %v, want ≥ 200ms", d)
	}
	first := r
	wantAccepted(t, first)
	if accepts.Load() != 1 {
		t.Errorf("OnAccept called %d times, want 1", accepts.Load())
	}
	wantReplay(t, e.send(t, tok, "slow", body), first)
	if accepts.Load() != 1 {
		t.Errorf("OnAccept called %d times after a replay, want 1", accepts.Load())
	}
	// delay_ms=0 and errors pass through the delay unchanged.
	wantCore(t, e.send(t, tok, "slow-bad", sms(otherNumber, "x", numberE164), fault, "delay_ms=0"), 403, redcloud.CodeForbidden,
		"sendFrom is not owned by this API client", map[string]any{"field": "sendFrom"})
}

func TestOutsideSandbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutSandbox())
	tok := e.sandboxToken(t)
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/api/sandbox/webhooks", `{"deliveryUrl":"https://example.com/d"}`},
		{"POST", "/api/sandbox/inbound", `{"numberId":"num_abc123","from":"+15557654321","text":"STOP"}`},
	} {
		wantCore(t, e.do(t, nil, request{method: r.method, path: r.path, token: tok, body: r.body}), 404,
			redcloud.CodeNotFound, "no route for "+r.method+" "+r.path, nil)
	}
	// The fault header is ignored.
	for _, f := range []string{"server_error", "commit_then_drop", "explode"} {
		wantAccepted(t, e.send(t, tok, "ignored-"+f, sms(numberID, f, numberE164), fault, f))
	}
	wantToken(t, e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret, fault, "server_error"))
	if r := e.get(t, "/api/core/whoami", tok, fault, "unauthorized"); r.status != 200 {
		t.Errorf("whoami with the fault header: %d", r.status)
	}
}

func TestSandboxWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	put := func(t *testing.T, body string) (deliveryURL, inboundURL any, secret string) {
		t.Helper()
		r := e.put(t, "/api/sandbox/webhooks", tok, body)
		if r.status != 200 {
			t.Fatalf("PUT %s: %d %s", body, r.status, r.body)
		}
		var got map[string]any
		mustJSON(t, r.body, &got)
		secret, _ = got["signingSecret"].(string)
		if !reWhsec.MatchString(secret) || len(got) != 3 {
			t.Errorf("body = %s, want deliveryUrl, inboundUrl and a whsec_ signingSecret", r.body)
		}
		return got["deliveryUrl"], got["inboundUrl"], secret
	}
	d, i, secret := put(t, `{"deliveryUrl":"https://example.com/delivery","inboundUrl":"http://127.0.0.1:8080/in"}`)
	if d != "https://example.com/delivery" || i != "http://127.0.0.1:8080/in" {
		t.Errorf("set both: %v %v", d, i)
	}
	d, i, s2 := put(t, `{"inboundUrl":null}`)
	if d != "https://example.com/delivery" || i != nil {
		t.Errorf("clear inbound: %v %v", d, i)
	}
	if s2 != secret {
		t.Error("the signing secret changed on a URL update")
	}
	d, i, _ = put(t, `{"deliveryUrl":null,"inboundUrl":"https://example.com/in"}`)
	if d != nil || i != "https://example.com/in" {
		t.Errorf("swap: %v %v", d, i)
	}
	// Every client has its own secret.
	r := e.put(t, "/api/sandbox/webhooks", e.otherToken(t), `{"deliveryUrl":null}`)
	var other redcloud.SandboxWebhooks
	mustJSON(t, r.body, &other)
	if other.SigningSecret == secret || other.DeliveryURL != nil || other.InboundURL != nil {
		t.Errorf("other client: %s", r.body)
	}

	invalid := []struct {
		body, field, message string
	}{
		{`{}`, "", "at least one of deliveryUrl and inboundUrl is required"},
		{`{"deliveryUrl":"ftp://example.com/d"}`, "deliveryUrl", "deliveryUrl must be an http or https URL"},
		{`{"deliveryUrl":"https://user:pw@example.com/d"}`, "deliveryUrl", "deliveryUrl must not contain credentials"},
		{`{"inboundUrl":"example.com/in"}`, "inboundUrl", "inboundUrl must be an absolute URL"},
		{`{"inboundUrl":5}`, "inboundUrl", "inboundUrl must be a string or null"},
		{`{"inboundUrl":"https://example.com/` + strings.Repeat("a", 2048) + `"}`, "inboundUrl", "inboundUrl must be at most 2048 characters"},
	}
	for _, tt := range invalid {
		t.Run(tt.body[:min(len(tt.body), 40)], func(t *testing.T) {
			var details map[string]any
			if tt.field != "" {
				details = map[string]any{"field": tt.field}
			}
			wantCore(t, e.put(t, "/api/sandbox/webhooks", tok, tt.body), 400, redcloud.CodeInvalidRequest, tt.message, details)
		})
	}
	// Nothing changed.
	d, i, _ = put(t, `{"inboundUrl":"https://example.com/in"}`)
	if d != nil || i != "https://example.com/in" {
		t.Errorf("after invalid requests: %v %v", d, i)
	}
	wantCore(t, e.put(t, "/api/sandbox/webhooks", "", `{"deliveryUrl":null}`), 401, redcloud.CodeUnauthorized, msgInvalidToken, nil)
}

func TestSandboxInbound(t *testing.T) {
	t.Parallel()
	var accepts atomic.Int32
	e := newEnv(t, withOnAccept(func() { accepts.Add(1) }))
	tok := e.sandboxToken(t)
	ok := []struct {
		name, body, typ, text string
		media                 []string
	}{
		{"by numberId", `{"numberId":"num_abc123","from":"+15557654321","text":"hello"}`, "SMS", "hello", []string{}},
		{"by to", `{"to":"+15551234567","from":"+4915112345678","text":"hi"}`, "SMS", "hi", []string{}},
		{"with media", `{"numberId":"num_abc123","from":"+15557654321","mediaUrls":["http://127.0.0.1/a.png"]}`, "MMS", "", []string{"http://127.0.0.1/a.png"}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, "/api/sandbox/inbound", tok, tt.body)
			if r.status != http.StatusAccepted {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var res redcloud.SandboxInboundResult
			mustJSON(t, r.body, &res)
			if !reMessageID.MatchString(res.MessageID) || !reEventID.MatchString(res.EventID) || res.NumberID != numberID {
				t.Errorf("result = %s", r.body)
			}
			m := e.message(t, tok, res.MessageID)
			var from struct{ From string }
			_ = json.Unmarshal([]byte(tt.body), &from)
			text := ""
			if m.Text != nil {
				text = *m.Text
			}
			if m.Direction != "inbound" || m.Status != redcloud.MessageReceived || m.To != numberE164 || m.From != from.From ||
				m.MessageType != tt.typ || text != tt.text || strings.Join(m.MediaURLs, ",") != strings.Join(tt.media, ",") ||
				len(m.Events) != 1 || m.Events[0].Type != "message.inbound" || m.Events[0].Sequence != 1 || m.Events[0].EventID != res.EventID {
				t.Errorf("message = %+v", m)
			}
			// Only the owner sees it.
			wantCore(t, e.get(t, "/api/core/messages/"+res.MessageID, e.otherToken(t)), 404, redcloud.CodeNotFound, "message not found", nil)
		})
	}
	if accepts.Load() != int32(len(ok)) {
		t.Errorf("OnAccept called %d times, want %d", accepts.Load(), len(ok))
	}

	invalid := []struct {
		name, body string
		status     int
		code       string
		message    string
		details    map[string]any
	}{
		{"other client's numberId", `{"numberId":"num_def456","from":"+15551234567","text":"x"}`, 403, redcloud.CodeForbidden,
			"numberId is not owned by this API client", map[string]any{"field": "numberId"}},
		{"other client's to", `{"to":"+15557654321","from":"+15551234567","text":"x"}`, 403, redcloud.CodeForbidden,
			"to is not owned by this API client", map[string]any{"field": "to"}},
		{"inventory number", `{"to":"+15125550100","from":"+15551234567","text":"x"}`, 403, redcloud.CodeForbidden,
			"to is not owned by this API client", map[string]any{"field": "to"}},
		{"unknown numberId", `{"numberId":"num_nope","from":"+15551234567","text":"x"}`, 403, redcloud.CodeForbidden,
			"numberId is not owned by this API client", map[string]any{"field": "numberId"}},
		{"both numberId and to", `{"numberId":"num_abc123","to":"+15551234567","from":"+15557654321","text":"x"}`, 400, redcloud.CodeInvalidRequest,
			"exactly one of numberId and to is required", map[string]any{"field": "numberId"}},
		{"neither", `{"from":"+15557654321","text":"x"}`, 400, redcloud.CodeInvalidRequest,
			"exactly one of numberId and to is required", map[string]any{"field": "numberId"}},
		{"to not E.164", `{"to":"15551234567","from":"+15557654321","text":"x"}`, 400, redcloud.CodeInvalidRequest,
			"to must be an E.164 phone number", map[string]any{"field": "to"}},
		{"from not E.164", `{"numberId":"num_abc123","from":"5557654321","text":"x"}`, 400, redcloud.CodeInvalidRequest,
			"from must be an E.164 phone number", map[string]any{"field": "from"}},
		{"no text or media", `{"numberId":"num_abc123","from":"+15557654321"}`, 400, redcloud.CodeInvalidRequest,
			"text or mediaUrls is required", map[string]any{"field": "text"}},
		{"text over 1600", `{"numberId":"num_abc123","from":"+15557654321","text":"` + strings.Repeat("x", 1601) + `"}`, 400, redcloud.CodeInvalidRequest,
			"text must be at most 1600 characters", map[string]any{"field": "text"}},
		{"bad media URL", `{"numberId":"num_abc123","from":"+15557654321","mediaUrls":["nope"]}`, 400, redcloud.CodeInvalidRequest,
			"mediaUrls[0] must be an absolute http or https URL", map[string]any{"field": "mediaUrls[0]"}},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			wantCore(t, e.post(t, "/api/sandbox/inbound", tok, tt.body), tt.status, tt.code, tt.message, tt.details)
		})
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != len(ok) {
		t.Errorf("%d messages, want %d", n, len(ok))
	}
}
