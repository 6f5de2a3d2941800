package httpapi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/openapitest"
)

// Hostile requests against the real handler on an httptest server. Each is
// answered with the documented error, fast, and the server keeps serving
// (every test ends with a normal request). The connection-level defences
// (header timeouts, 431, idle connections) are http.Server settings of the
// serve command and are tested against the built binary in test/e2e.

// quick is how long any hostile request may take to be answered: generous,
// for -race on two cores shared with other work, and still well below the
// connection deadline at which a server waiting for the rest of an
// announced body would show.
const quick = 5 * time.Second

// rawExchange writes head (a request line and headers, "\r\n" separated,
// without the blank line) and then body to the server on a connection of
// its own, and reads one response. The body is written concurrently and its
// write errors ignored: the server may answer and close before it has read
// it all, which is the point of several tests.
func (e *env) rawExchange(t *testing.T, head string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, head+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		go io.Copy(conn, body)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// stillServing checks that a normal request still succeeds.
func (e *env) stillServing(t *testing.T, tok string) {
	t.Helper()
	if r := e.get(t, "/api/core/whoami", tok); r.status != http.StatusOK {
		t.Fatalf("whoami after the hostile requests: %d %s", r.status, r.body)
	}
}

// TestHostileOversizedBodies: bodies over 64 KiB are refused after reading
// 64 KiB, with or without a Content-Length, in the route's own shape.
func TestHostileOversizedBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	v := openapitest.New(t)
	const size = 10 << 20 // announced; the test writes at most 1 MiB of it
	tests := []struct {
		name, path, ctype, extra string
		chunked                  bool
		oauth                    bool
	}{
		{name: "send, 10 MiB announced", path: "/api/core/messages/send", ctype: "application/json", extra: "Idempotency-Key: big\r\n"},
		{name: "send, chunked", path: "/api/core/messages/send", ctype: "application/json", extra: "Idempotency-Key: big\r\n", chunked: true},
		{name: "search, chunked", path: "/api/core/numbers/search", ctype: "application/json", chunked: true},
		{name: "token, 10 MiB announced", path: "/api/auth/token", ctype: "application/x-www-form-urlencoded", oauth: true},
		{name: "token, chunked", path: "/api/auth/token", ctype: "application/x-www-form-urlencoded", chunked: true, oauth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := "POST " + tt.path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + tt.ctype + "\r\n" + tt.extra
			if !tt.oauth {
				head += "Authorization: Bearer " + tok + "\r\n"
			}
			var body io.Reader
			filler := `{"text":"` + strings.Repeat("x", 1<<20)
			if tt.oauth {
				filler = "grant_type=" + strings.Repeat("x", 1<<20)
			}
			if tt.chunked {
				head += "Transfer-Encoding: chunked"
				body = strings.NewReader(fmt.Sprintf("%x\r\n%s\r\n", len(filler), filler))
			} else {
				head += fmt.Sprintf("Content-Length: %d", size)
				body = strings.NewReader(filler)
			}
			began := time.Now()
			res, b := e.rawExchange(t, strings.TrimSuffix(head, "\r\n"), body)
			if d := time.Since(began); d > quick {
				t.Errorf("answered after %v", d)
			}
			req, _ := http.NewRequest(http.MethodPost, e.url+tt.path, nil)
			v.Check(t, req, res, b)
			r := resp{status: res.StatusCode, header: res.Header, body: b}
			if tt.oauth {
				wantOAuth(t, r, 413, "invalid_request", "request body exceeds 64 KiB")
			} else {
				wantCore(t, r, 413, redcloud.CodeInvalidRequest, "request body exceeds 64 KiB", nil)
			}
		})
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != 0 {
		t.Errorf("%d messages after oversized sends", n)
	}
	e.stillServing(t, tok)
}

// TestHostileDeepNesting: deeply nested JSON is refused with 400 by every
// JSON route, without a stack blowup: encoding/json stops at depth 10,000,
// and 100,000 brackets do not even fit in 64 KiB.
func TestHostileDeepNesting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	deep := func(prefix string, n int) string { return prefix + strings.Repeat("[", n) }
	routes := []struct{ method, path string }{
		{"POST", "/api/core/messages/send"},
		{"POST", "/api/core/numbers/search"},
		{"PATCH", "/api/core/numbers/" + numberID},
		{"PUT", "/api/sandbox/webhooks"},
		{"POST", "/api/sandbox/inbound"},
	}
	tests := []struct {
		name, body string
		status     int
		message    string
	}{
		{"100,000 [", deep("", 100_000), 413, "request body exceeds 64 KiB"},
		{"65,000 [", deep("", 65_000), 400, "request body must be a JSON object"},
		{"65,000 [ in a field", deep(`{"to":`, 65_000), 400, "request body is not valid JSON"},
		{"10,001 nested objects", strings.Repeat(`{"a":`, 10_001) + "1" + strings.Repeat("}", 10_001), 400, "request body is not valid JSON"},
		{"10,001 nested arrays, closed", `{"to":` + strings.Repeat("[", 10_001) + strings.Repeat("]", 10_001) + `}`, 400, "request body is not valid JSON"},
		{"9,000 nested arrays as a value", `{"text":` + strings.Repeat("[", 9_000) + strings.Repeat("]", 9_000) + `}`, 400, ""},
	}
	for _, rt := range routes {
		for _, tt := range tests {
			t.Run(rt.method+" "+rt.path+" "+tt.name, func(t *testing.T) {
				began := time.Now()
				r := e.do(t, nil, request{method: rt.method, path: rt.path, token: tok, body: tt.body,
					header: []string{redcloud.HeaderIdempotencyKey, "deep"}})
				if d := time.Since(began); d > quick {
					t.Errorf("answered after %v", d)
				}
				if tt.message != "" {
					wantCore(t, r, tt.status, redcloud.CodeInvalidRequest, tt.message, nil)
					return
				}
				// Valid JSON nested within the depth limit gets as far as
				// the route's field rules: a type or unknown-field error.
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %.200s", r.status, tt.status, r.body)
				}
				var ce coreErr
				mustJSON(t, r.body, &ce)
				if ce.Error.Code != redcloud.CodeInvalidRequest || ce.Error.Details["field"] != "text" {
					t.Errorf("error %s; want INVALID_REQUEST naming text", r.body)
				}
			})
		}
	}
	// The messages the generic decoder gives on the send route exactly.
	wantCore(t, e.send(t, tok, "deep", deep("", 65_000)), 400, redcloud.CodeInvalidRequest, "request body must be a JSON object", nil)
	wantCore(t, e.send(t, tok, "deep", deep(`{"to":`, 65_000)), 400, redcloud.CodeInvalidRequest, "request body is not valid JSON", nil)
	e.stillServing(t, tok)
}

// TestHostileStrings: invalid UTF-8 and NUL in bodies, paths, form fields
// and headers. JSON bodies that are not UTF-8, and strings holding U+0000,
// are refused with 400 (PostgreSQL can store neither; encoding/json would
// silently replace invalid bytes). Path values and client_ids that cannot
// exist answer exactly like ones that do not.
func TestHostileStrings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	key := func(k string) []string { return []string{redcloud.HeaderIdempotencyKey, k} }
	tests := []struct {
		name    string
		req     request
		status  int
		code    string
		message string
		details map[string]any
	}{
		{"invalid UTF-8 in text", request{method: "POST", path: "/api/core/messages/send", header: key("utf8"),
			body: "{\"sendFrom\":\"num_abc123\",\"to\":[\"+15551234567\"],\"messageType\":\"SMS\",\"text\":\"caf\xe9\"}"},
			400, redcloud.CodeInvalidRequest, "request body must be valid UTF-8", nil},
		{"invalid UTF-8 in a field name", request{method: "POST", path: "/api/core/numbers/search", body: "{\"\xff\":1}"},
			400, redcloud.CodeInvalidRequest, "request body must be valid UTF-8", nil},
		{"NUL in text", request{method: "POST", path: "/api/core/messages/send", header: key("nul"),
			body: `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"a\u0000b"}`},
			400, redcloud.CodeInvalidRequest, "text must not contain NUL characters", map[string]any{"field": "text"}},
		{"NUL in externalReference", request{method: "POST", path: "/api/core/messages/send", header: key("nul"),
			body: `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"x","externalReference":"order\u0000"}`},
			400, redcloud.CodeInvalidRequest, "externalReference must not contain NUL characters", map[string]any{"field": "externalReference"}},
		{"NUL in search city", request{method: "POST", path: "/api/core/numbers/search", body: `{"city":"Austin\u0000"}`},
			400, redcloud.CodeInvalidRequest, "city must not contain NUL characters", map[string]any{"field": "city"}},
		{"NUL in campaignregId", request{method: "PATCH", path: "/api/core/numbers/" + numberID, body: `{"campaignregId":"A\u0000"}`},
			400, redcloud.CodeInvalidRequest, "campaignregId must not contain NUL characters", map[string]any{"field": "campaignregId"}},
		{"NUL in inbound numberId", request{method: "POST", path: "/api/sandbox/inbound", body: `{"numberId":"num_\u0000","from":"+15557654321","text":"x"}`},
			400, redcloud.CodeInvalidRequest, "numberId must not contain NUL characters", map[string]any{"field": "numberId"}},
		{"NUL in a webhook URL", request{method: "PUT", path: "/api/sandbox/webhooks", body: `{"deliveryUrl":"http://127.0.0.1/\u0000"}`},
			400, redcloud.CodeInvalidRequest, "deliveryUrl must not contain NUL characters", map[string]any{"field": "deliveryUrl"}},
		{"NUL in a message id", request{method: "GET", path: "/api/core/messages/msg_%00"},
			404, redcloud.CodeNotFound, "message not found", nil},
		{"invalid UTF-8 in a message id", request{method: "GET", path: "/api/core/messages/msg_%FF"},
			404, redcloud.CodeNotFound, "message not found", nil},
		{"NUL in a key path", request{method: "GET", path: "/api/core/idempotency-keys/k%00"},
			404, redcloud.CodeNotFound, "no live record of this Idempotency-Key", nil},
		{"invalid UTF-8 in a key path", request{method: "GET", path: "/api/core/idempotency-keys/k%FF"},
			404, redcloud.CodeNotFound, "no live record of this Idempotency-Key", nil},
		{"NUL in a numberId path", request{method: "PATCH", path: "/api/core/numbers/num_%00", body: `{"campaignregId":"X"}`},
			403, redcloud.CodeForbidden, "numberId is not owned by this API client", map[string]any{"field": "numberId"}},
		{"invalid UTF-8 in a numberId path", request{method: "PATCH", path: "/api/core/numbers/num_%FF", body: `{"campaignregId":"X"}`},
			403, redcloud.CodeForbidden, "numberId is not owned by this API client", map[string]any{"field": "numberId"}},
		// Go's client sends bytes ≥ 0x80 in a header value (obs-text); a NUL
		// it refuses to send, and net/http's server refuses it before any
		// handler (TestHostileRawHeaderBytes, and FuzzSendHeaders in process).
		{"invalid UTF-8 in the Idempotency-Key", request{method: "POST", path: "/api/core/messages/send", header: key("k\xff"),
			body: sms(numberID, "x", numberE164)},
			400, redcloud.CodeInvalidRequest, "Idempotency-Key must be 1-255 visible ASCII characters", map[string]any{"field": "Idempotency-Key"}},
		{"a 256-character Idempotency-Key", request{method: "POST", path: "/api/core/messages/send", header: key(strings.Repeat("k", 256)),
			body: sms(numberID, "x", numberE164)},
			400, redcloud.CodeInvalidRequest, "Idempotency-Key must be 1-255 visible ASCII characters", map[string]any{"field": "Idempotency-Key"}},
		{"invalid UTF-8 in the bearer token", request{method: "GET", path: "/api/core/whoami", header: []string{"Authorization", "Bearer rc_at_\xff"}},
			401, redcloud.CodeUnauthorized, "Invalid or missing bearer token", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.token = tok
			wantCore(t, e.do(t, nil, req), tt.status, tt.code, tt.message, tt.details)
		})
	}
	// The token route: a client_id that cannot exist is an unknown client
	// (never a 500, even on PostgreSQL), whether in the body or in Basic.
	for _, id := range []string{"rc_%00", "%FF%FE", strings.Repeat("a", 300)} {
		raw := "grant_type=client_credentials&client_id=" + id + "&client_secret=x"
		r := e.do(t, nil, request{method: "POST", path: "/api/auth/token", body: raw,
			header: []string{"Content-Type", "application/x-www-form-urlencoded"}})
		wantOAuth(t, r, 401, "invalid_client", "Client authentication failed")
		dec, _ := url.QueryUnescape(id)
		r = e.tokenForm(t, nil, clientCredentials, dec+":x")
		wantOAuth(t, r, 401, "invalid_client", "Client authentication failed")
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != 0 {
		t.Errorf("%d messages stored", n)
	}
	e.stillServing(t, tok)
}

// TestHostileRawHeaderBytes: header bytes a Go client will not send (NUL,
// CR inside a value) reach net/http's own parser, which answers a plain
// 400 and closes the connection before any handler runs.
func TestHostileRawHeaderBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := sms(numberID, "x", numberE164)
	for name, header := range map[string]string{
		"NUL in the Idempotency-Key": "Idempotency-Key: idem\x00order",
		"NUL in Authorization":       "Idempotency-Key: k\r\nAuthorization: Bearer " + tok + "\x00",
		"bare CR in a value":         "Idempotency-Key: a\rb",
	} {
		t.Run(name, func(t *testing.T) {
			head := "POST /api/core/messages/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok +
				"\r\nContent-Type: application/json\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n" + header
			res, b := e.rawExchange(t, head, strings.NewReader(body))
			if res.StatusCode != http.StatusBadRequest || !res.Close {
				t.Errorf("%d close=%v %q; want net/http's 400 and a closed connection", res.StatusCode, res.Close, b)
			}
		})
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != 0 {
		t.Errorf("%d messages stored", n)
	}
	e.stillServing(t, tok)
}

// TestHostileRecipientsAndNumbers: 10,000 recipients are refused at once
// with the documented 400 (or 413 when they do not fit in 64 KiB), and a
// JSON number as long as the body limit allows is refused as a limit.
func TestHostileRecipientsAndNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	many := func(n int, to string) string {
		return `{"sendFrom":"num_abc123","to":[` + strings.TrimSuffix(strings.Repeat(`"`+to+`",`, n), ",") + `],"messageType":"SMS","text":"x"}`
	}
	small := many(10_000, "+1") // 50 KB: inside the limit
	if len(small) > 64<<10 {
		t.Fatalf("body is %d bytes", len(small))
	}
	began := time.Now()
	wantCore(t, e.send(t, tok, "many", small), 400, redcloud.CodeInvalidRequest, "to must have 1-100 entries", map[string]any{"field": "to"})
	if d := time.Since(began); d > quick {
		t.Errorf("10,000 recipients answered after %v", d)
	}
	wantCore(t, e.send(t, tok, "many", many(10_000, numberE164)), 413, redcloud.CodeInvalidRequest, "request body exceeds 64 KiB", nil)
	wantCore(t, e.send(t, tok, "many", many(101, numberE164)), 400, redcloud.CodeInvalidRequest, "to must have 1-100 entries", map[string]any{"field": "to"})

	digits := `{"limit":` + strings.Repeat("9", 64<<10-len(`{"limit":}`)) + `}`
	for _, body := range []string{digits, `{"limit":1e400}`, `{"limit":-1e400}`, `{"limit":1.5}`} {
		began := time.Now()
		wantCore(t, e.post(t, "/api/core/numbers/search", tok, body), 400, redcloud.CodeInvalidRequest, "limit must be an integer", map[string]any{"field": "limit"})
		if d := time.Since(began); d > quick {
			t.Errorf("%.20s… answered after %v", body, d)
		}
	}
	wantCore(t, e.post(t, "/api/core/numbers/search", tok, `{"limit":101}`), 400, redcloud.CodeInvalidRequest,
		"limit must be an integer from 1 to 100", map[string]any{"field": "limit"})
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != 0 {
		t.Errorf("%d messages stored", n)
	}
	e.stillServing(t, tok)
}

// TestHostileDuplicateKeys: a JSON object naming a field twice is read the
// way encoding/json reads it — the last value wins — everywhere, and the
// fingerprint is taken over that parsed value, so the request cannot mean
// one thing to the validator and another to the store: a duplicate cannot
// smuggle another client's number past the ownership check, and the body
// with the duplicate replays the body without it.
func TestHostileDuplicateKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	wantCore(t, e.send(t, tok, "dup-1", `{"sendFrom":"num_abc123","sendFrom":"num_def456","to":["+15551234567"],"messageType":"SMS","text":"x"}`),
		403, redcloud.CodeForbidden, "sendFrom is not owned by this API client", map[string]any{"field": "sendFrom"})
	first := e.send(t, tok, "dup-2", `{"sendFrom":"num_def456","sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"x"}`)
	wantAccepted(t, first)
	wantReplay(t, e.send(t, tok, "dup-2", sms(numberID, "x", numberE164)), first)
	var from string
	if err := e.raw(t).QueryRowContext(e.ctx, `SELECT number_id FROM messages`).Scan(&from); err != nil || from != numberID {
		t.Errorf("stored message from %q (%v), want %s", from, err, numberID)
	}
	r := e.patch(t, "/api/core/numbers/"+numberID, tok, `{"campaignregId":"FIRST","campaignregId":"LAST"}`)
	if r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"campaignRegId":"LAST"`)) {
		t.Errorf("PATCH with a duplicate: %d %s; want the last value", r.status, r.body)
	}
	e.stillServing(t, tok)
}
