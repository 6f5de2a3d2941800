package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/api"
)

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	tests := []struct {
		method, path, token string
	}{
		{"GET", "/api/core/nope", tok},
		{"GET", "/api/core/nope", ""}, // routing answers before authentication
		{"POST", "/api/core/numbers/search/extra", tok},
		{"GET", "/api/core/idempotency-keys/", tok},
		{"GET", "/", ""},
		{"GET", "/api/sandbox/nope", tok},
		{"GET", "/api/core//whoami", tok}, // unclean paths: 404, not ServeMux's HTML redirect
		{"GET", "/api/core/./whoami", tok},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.do(t, nil, request{method: tt.method, path: tt.path, token: tt.token})
			wantCore(t, r, 404, redcloud.CodeNotFound, "no route for "+tt.method+" "+tt.path, nil)
		})
	}
}

func TestWrongMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	tests := []struct {
		method, path, allow string
	}{
		{"POST", "/api/core/whoami", "GET"},
		{"DELETE", "/api/core/whoami", "GET"},
		{"PUT", "/api/core/numbers", "GET"},
		{"GET", "/api/core/numbers/" + numberID, "PATCH"},
		{"DELETE", "/api/core/idempotency-keys/k", "GET"},
		{"PUT", "/api/core/messages/send", "POST"},
		{"GET", "/api/core/messages/send", "POST"}, // not /api/core/messages/{messageId}
		{"GET", "/api/sandbox/webhooks", "PUT"},
		{"POST", "/healthz", "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.do(t, nil, request{method: tt.method, path: tt.path, token: tok})
			allow := strings.ReplaceAll(tt.allow, ", ", " or ")
			wantCore(t, r, 405, redcloud.CodeInvalidRequest, "method "+tt.method+" is not allowed; use "+allow, nil)
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

// TestRequestShape covers the wire rules that every JSON route shares:
// 413, 415, unknown fields, broken JSON.
func TestRequestShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	big := `{"npa":"512","city":"` + strings.Repeat("x", 65<<10) + `"}`
	key := []string{redcloud.HeaderIdempotencyKey, "shape"}
	tests := []struct {
		name    string
		req     request
		status  int
		message string
		details map[string]any
	}{
		{"search body over 64 KiB", request{method: "POST", path: "/api/core/numbers/search", body: big},
			413, "request body exceeds 64 KiB", nil},
		{"send body over 64 KiB", request{method: "POST", path: "/api/core/messages/send", header: key,
			body: `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"` + strings.Repeat("x", 65<<10) + `"}`},
			413, "request body exceeds 64 KiB", nil},
		{"search wrong content type", request{method: "POST", path: "/api/core/numbers/search", body: `{}`, header: []string{"Content-Type", "text/plain"}},
			415, "Content-Type must be application/json", map[string]any{"field": "Content-Type"}},
		{"send wrong content type", request{method: "POST", path: "/api/core/messages/send", body: sms(numberID, "hi", numberE164),
			header: append([]string{"Content-Type", "application/x-www-form-urlencoded"}, key...)},
			415, "Content-Type must be application/json", map[string]any{"field": "Content-Type"}},
		{"patch without content type", request{method: "PATCH", path: "/api/core/numbers/" + numberID, body: `{"campaignregId":"X"}`, header: []string{"Content-Type", ""}},
			415, "Content-Type must be application/json", map[string]any{"field": "Content-Type"}},
		{"search unknown field", request{method: "POST", path: "/api/core/numbers/search", body: `{"npa":"512","areaCode":"512"}`},
			400, "unknown field areaCode", map[string]any{"field": "areaCode", "reason": "unknown_field"}},
		{"send unknown field", request{method: "POST", path: "/api/core/messages/send", header: key,
			body: `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi","from":"+15551234567"}`},
			400, "unknown field from", map[string]any{"field": "from", "reason": "unknown_field"}},
		{"send field in another case", request{method: "POST", path: "/api/core/messages/send", header: key,
			body: `{"SendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}`},
			400, "unknown field SendFrom", map[string]any{"field": "SendFrom", "reason": "unknown_field"}},
		{"webhooks unknown field", request{method: "PUT", path: "/api/sandbox/webhooks", body: `{"deliveryURL":"https://example.com"}`},
			400, "unknown field deliveryURL", map[string]any{"field": "deliveryURL", "reason": "unknown_field"}},
		{"inbound unknown field", request{method: "POST", path: "/api/sandbox/inbound", body: `{"numberId":"num_abc123","from":"+15557654321","text":"x","body":"x"}`},
			400, "unknown field body", map[string]any{"field": "body", "reason": "unknown_field"}},
		{"search broken JSON", request{method: "POST", path: "/api/core/numbers/search", body: `{"npa":`},
			400, "request body is not valid JSON", nil},
		{"search array body", request{method: "POST", path: "/api/core/numbers/search", body: `[]`},
			400, "request body must be a JSON object", nil},
		{"search two objects", request{method: "POST", path: "/api/core/numbers/search", body: `{} {}`},
			400, "request body must hold exactly one JSON object", nil},
		{"search wrong type", request{method: "POST", path: "/api/core/numbers/search", body: `{"limit":"5"}`},
			400, "limit must be an integer", map[string]any{"field": "limit"}},
		{"patch empty body", request{method: "PATCH", path: "/api/core/numbers/" + numberID, body: " ", header: []string{"Content-Type", "application/json"}},
			400, "request body is required", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.token = tok
			wantCore(t, e.do(t, nil, req), tt.status, redcloud.CodeInvalidRequest, tt.message, tt.details)
		})
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withRateLimit(1, 2))
	tok := e.sandboxToken(t)
	for i := range 2 {
		if r := e.get(t, "/api/core/whoami", tok); r.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := e.get(t, "/api/core/whoami", tok)
	wantCore(t, r, 429, redcloud.CodeRateLimited, "rate limit exceeded; retry after 1s", nil)
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	// The bucket is per API client: the other client still has its burst.
	if r := e.get(t, "/api/core/whoami", e.otherToken(t)); r.status != http.StatusOK {
		t.Errorf("other client: %d %s", r.status, r.body)
	}
	// The token route and operational routes are not rate limited.
	e.sandboxToken(t)
	if r := e.get(t, "/healthz", ""); r.status != http.StatusOK {
		t.Errorf("healthz: %d", r.status)
	}
	// A limited send stores nothing.
	s := e.send(t, tok, "limited", sms(numberID, "hi", numberE164))
	wantCore(t, s, 429, redcloud.CodeRateLimited, "rate limit exceeded; retry after 1s", nil)
	if n := e.count(t, `SELECT COUNT(*) FROM idempotency_keys`); n != 0 {
		t.Errorf("%d idempotency records after a 429", n)
	}
}

// TestPanic makes the injected clock panic inside the bearer check.
func TestPanic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	e.clock.PanicNext()
	r := e.get(t, "/api/core/whoami", tok)
	wantCore(t, r, 500, redcloud.CodeServerError, "internal server error", nil)
	if strings.Contains(string(r.body), "induced") {
		t.Errorf("500 body echoes the panic: %s", r.body)
	}
	id := r.header.Get(redcloud.HeaderRequestID)
	found := false
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "panic" && rec["requestId"] == id && rec["level"] == "ERROR" &&
			strings.Contains(rec["panic"].(string), "induced") {
			found = true
		}
	}
	if !found {
		t.Errorf("no ERROR panic log line with requestId %s:\n%s", id, e.logs.String())
	}
	// The server goes on serving.
	if r := e.get(t, "/api/core/whoami", tok); r.status != http.StatusOK {
		t.Errorf("after the panic: %d", r.status)
	}
	// On the token route the 500 keeps the OAuth shape.
	e.clock.PanicNext()
	wantOAuth(t, e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret), 500, "server_error", "internal server error")
}

func TestDrain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	e.server.Drain()
	for _, path := range []string{"/api/core/whoami", "/readyz"} {
		r := e.get(t, path, tok)
		wantCore(t, r, 503, redcloud.CodeServerError, "server is shutting down; retry", nil)
		if got := r.header.Get("Retry-After"); got != "1" {
			t.Errorf("%s: Retry-After = %q, want 1", path, got)
		}
	}
	// The token route keeps the OAuth shape (CONTRACT §1).
	r := e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret)
	wantOAuth(t, r, 503, "temporarily_unavailable", "server is shutting down; retry")
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Errorf("token: Retry-After = %q, want 1", got)
	}
}

func TestOperational(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantJSON(t, e.get(t, "/healthz", ""), 200, `{"status":"ok"}`)
	wantJSON(t, e.get(t, "/readyz", ""), 200, `{"status":"ready"}`)
	r := e.get(t, "/openapi.yaml", "")
	if r.status != http.StatusOK || !bytes.Equal(r.body, api.Spec) {
		t.Errorf("/openapi.yaml: %d, %d bytes; want 200 and the %d embedded bytes", r.status, len(r.body), len(api.Spec))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("/openapi.yaml Content-Type = %q", ct)
	}
}

// TestPanicAfterCommit: a hook that panics after the acceptance committed
// must not turn it into an error that promises nothing was committed
// (X-RedCloud-Outcome: not_processed): the caller gets the 202.
func TestPanicAfterCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOnAccept(func() { panic("wake-up hook failed") }))
	tok := e.sandboxToken(t)
	body := sms(numberID, "x", numberE164)
	first := e.send(t, tok, "hook", body)
	wantAccepted(t, first)
	wantReplay(t, e.send(t, tok, "hook", body), first)
	r := e.post(t, "/api/sandbox/inbound", tok, `{"numberId":"num_abc123","from":"+15557654321","text":"STOP"}`)
	if r.status != http.StatusAccepted || r.header.Get(redcloud.HeaderOutcome) != "" {
		t.Errorf("inbound: %d %v %s", r.status, r.header, r.body)
	}
	if n := strings.Count(e.logs.String(), `"msg":"panic"`); n != 2 {
		t.Errorf("%d panic log lines, want 2", n)
	}
}
