package openapitest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/redcloud-core/redcloud/api"
	"github.com/redcloud-core/redcloud/internal/openapitest"
)

// recorder is a testing.TB that records Errorf calls instead of failing the test, so that tests can
// assert that a mismatch is detected.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

const (
	reqID  = "req_01jd8x5v7k2m3n4p5q6r7s8t9v"
	msgID  = "msg_01jd8x5v7k2m3n4p5q6r7s8t9w"
	evtID  = "evt_01jd8x5v7k2m3n4p5q6r7s8t9x"
	stamp  = "2026-11-26T07:04:24.123Z"
	whoami = `{"apiClientId":"rc_test_client_123","apiClientName":"Red Cloud Test Client","apiClientStatus":"ACTIVE",` +
		`"capabilities":["messages:send","numbers:read","numbers:search","numbers:update"],` +
		`"assignedNumbers":{"total":1,"smsEnabledCount":1,"mmsEnabledCount":1},` +
		`"inboundWebhookConfigured":true,"deliveryWebhookConfigured":true}`
	number = `{"numberId":"num_abc123","e164":"+15551234567","status":"ACTIVE","campaignRegId":"A1B2C3",` +
		`"smsEnabled":true,"mmsEnabled":true,"webhookInboundOverride":null,"webhookDeliveryOverride":"https://example.com/webhooks/delivery"}`
	sendOK   = `{"results":[{"to":"+15551234567","messageId":"` + msgID + `","status":"QUEUED"}],"errors":[{"to":"15551234567","index":1,"code":"INVALID_REQUEST","message":"to must be an E.164 phone number"}]}`
	notFound = `{"error":{"code":"NOT_FOUND","message":"route not found","details":{}},"requestId":"` + reqID + `"}`
)

func TestSpecLoadsAndValidates(t *testing.T) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.Spec)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	for _, name := range []string{"messageLifecycle", "messageInbound"} {
		if doc.Webhooks[name] == nil {
			t.Errorf("webhook %q missing", name)
		}
	}
	// Every operation takes the sandbox fault header.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Parameters.GetByInAndName("header", "X-RedCloud-Sandbox-Fault") == nil {
				t.Errorf("%s %s: no X-RedCloud-Sandbox-Fault parameter", method, path)
			}
		}
	}

	v := openapitest.New(t)
	if v.Doc() == nil || v.Doc().Paths.Find("/api/core/whoami") == nil {
		t.Fatal("New: document without /api/core/whoami")
	}
}

// response is what a test server answers.
type response struct {
	status  int
	headers map[string]string
	body    string
}

func (r response) serve(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Request-Id", reqID)
	for k, v := range r.headers {
		if v == "" {
			w.Header().Del(k)
		} else {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(r.status)
	_, _ = io.WriteString(w, r.body)
}

func TestTransport(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		path    string
		resp    response
		wantErr string // substring of the reported error; "" when none is wanted
	}{
		{name: "whoami ok", method: "GET", path: "/api/core/whoami",
			resp: response{status: 200, body: whoami}},
		{name: "whoami json with charset", method: "GET", path: "/api/core/whoami",
			resp: response{status: 200, headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}, body: whoami}},
		{name: "HEAD healthz", method: "HEAD", path: "/healthz",
			resp: response{status: 200}},
		{name: "HEAD unknown route", method: "HEAD", path: "/nope",
			resp:    response{status: 200},
			wantErr: "no route"},
		{name: "whoami extra field", method: "GET", path: "/api/core/whoami",
			resp:    response{status: 200, body: strings.Replace(whoami, `{`, `{"extra":1,`, 1)},
			wantErr: "extra"},
		{name: "whoami wrong type", method: "GET", path: "/api/core/whoami",
			resp:    response{status: 200, body: strings.Replace(whoami, `"total":1`, `"total":"1"`, 1)},
			wantErr: "total"},
		{name: "whoami missing field", method: "GET", path: "/api/core/whoami",
			resp:    response{status: 200, body: strings.Replace(whoami, `"apiClientStatus":"ACTIVE",`, ``, 1)},
			wantErr: "apiClientStatus"},
		{name: "missing X-Request-Id", method: "GET", path: "/api/core/whoami",
			resp:    response{status: 200, headers: map[string]string{"X-Request-Id": ""}, body: whoami},
			wantErr: "X-Request-Id"},
		{name: "bad X-Request-Id", method: "GET", path: "/api/core/whoami",
			resp:    response{status: 200, headers: map[string]string{"X-Request-Id": "req_UPPER"}, body: whoami},
			wantErr: "X-Request-Id"},
		{name: "undeclared status", method: "GET", path: "/api/core/whoami",
			resp:    response{status: 418, body: `{}`},
			wantErr: "status is not supported"},
		{name: "wrong content type", method: "GET", path: "/api/core/whoami",
			resp:    response{status: 200, headers: map[string]string{"Content-Type": "text/html"}, body: whoami},
			wantErr: "text/html"},
		{name: "unknown route answered 200", method: "GET", path: "/api/core/nope",
			resp:    response{status: 200, body: `{}`},
			wantErr: "no route"},
		{name: "unknown route answered 404", method: "GET", path: "/api/core/nope",
			resp: response{status: 404, body: notFound}},
		{name: "unknown route answered a wrong 404", method: "GET", path: "/api/core/nope",
			resp:    response{status: 404, body: `{"error":"not found"}`},
			wantErr: "no route"},
		{name: "wrong method answered 405", method: "DELETE", path: "/api/core/whoami",
			resp: response{status: 405, headers: map[string]string{"Allow": "GET"},
				body: `{"error":{"code":"INVALID_REQUEST","message":"method not allowed","details":{}},"requestId":"` + reqID + `"}`}},
		{name: "wrong method on the token route answered in the OAuth shape", method: "GET", path: "/api/auth/token",
			resp: response{status: 405, headers: map[string]string{"Allow": "POST"},
				body: `{"error":"invalid_request","error_description":"method GET is not allowed; use POST"}`}},
		{name: "wrong method on the token route answered in the CORE shape", method: "GET", path: "/api/auth/token",
			resp: response{status: 405, headers: map[string]string{"Allow": "POST"},
				body: `{"error":{"code":"INVALID_REQUEST","message":"method not allowed","details":{}},"requestId":"` + reqID + `"}`},
			wantErr: "error_description\" is missing"},
		{name: "wrong method on a path with a parameter", method: "DELETE", path: "/api/core/numbers/num_abc123",
			resp: response{status: 405, headers: map[string]string{"Allow": "PATCH"},
				body: `{"error":{"code":"INVALID_REQUEST","message":"method not allowed","details":{}},"requestId":"` + reqID + `"}`}},
		{name: "405 without Allow", method: "DELETE", path: "/api/core/whoami",
			resp: response{status: 405,
				body: `{"error":{"code":"INVALID_REQUEST","message":"method not allowed","details":{}},"requestId":"` + reqID + `"}`},
			wantErr: "Allow"},
		{name: "401 ok", method: "GET", path: "/api/core/numbers",
			resp: response{status: 401, headers: map[string]string{"X-RedCloud-Outcome": "not_processed"},
				body: `{"error":{"code":"UNAUTHORIZED","message":"Invalid or missing bearer token","details":{}},"requestId":"` + reqID + `"}`}},
		{name: "401 with the wrong code", method: "GET", path: "/api/core/numbers",
			resp:    response{status: 401, body: `{"error":{"code":"FORBIDDEN","message":"x","details":{}},"requestId":"` + reqID + `"}`},
			wantErr: "code"},
		{name: "error without details", method: "GET", path: "/api/core/numbers",
			resp:    response{status: 500, body: `{"error":{"code":"SERVER_ERROR","message":"x"},"requestId":"` + reqID + `"}`},
			wantErr: "details"},
		{name: "429 without Retry-After", method: "GET", path: "/api/core/numbers",
			resp:    response{status: 429, body: `{"error":{"code":"RATE_LIMITED","message":"x","details":{}},"requestId":"` + reqID + `"}`},
			wantErr: "Retry-After"},
		{name: "numbers ok", method: "GET", path: "/api/core/numbers",
			resp: response{status: 200, body: `{"numbers":[` + number + `]}`}},
		{name: "number with an omitted null", method: "PATCH", path: "/api/core/numbers/num_abc123",
			resp:    response{status: 200, body: strings.Replace(number, `"webhookInboundOverride":null,`, ``, 1)},
			wantErr: "webhookInboundOverride"},
		{name: "number with a wrong nullable type", method: "GET", path: "/api/core/numbers",
			resp:    response{status: 200, body: `{"numbers":[` + strings.Replace(number, `"A1B2C3"`, `5`, 1) + `]}`},
			wantErr: "campaignRegId"},
		{name: "number with nulls", method: "GET", path: "/api/core/numbers",
			resp: response{status: 200, body: `{"numbers":[` + strings.Replace(number, `"A1B2C3"`, `null`, 1) + `]}`}},
		{name: "message with a bad failure", method: "GET", path: "/api/core/messages/" + msgID,
			resp: response{status: 200, body: `{"messageId":"` + msgID + `","numberId":"num_abc123","direction":"outbound",` +
				`"from":"+15551234567","to":"+15557654321","messageType":"SMS","text":"hi","mediaUrls":[],"externalReference":null,` +
				`"status":"FAILED","createdAt":"` + stamp + `","updatedAt":"` + stamp + `","providerMessageRef":null,` +
				`"encoding":"GSM-7","segments":1,"nonGsmCharacters":[],` +
				`"failure":{"code":"BOGUS","message":"rejected"},"events":[]}`},
			wantErr: "failure"},
		{name: "message with a string failure", method: "GET", path: "/api/core/messages/" + msgID,
			resp: response{status: 200, body: `{"messageId":"` + msgID + `","numberId":"num_abc123","direction":"outbound",` +
				`"from":"+15551234567","to":"+15557654321","messageType":"SMS","text":5,"mediaUrls":[],"externalReference":null,` +
				`"status":"FAILED","createdAt":"` + stamp + `","updatedAt":"` + stamp + `","providerMessageRef":null,` +
				`"encoding":"GSM-7","segments":1,"nonGsmCharacters":[],` +
				`"failure":"x","events":[]}`},
			wantErr: "/"},
		{name: "message with an unknown encoding", method: "GET", path: "/api/core/messages/" + msgID,
			resp: response{status: 200, body: `{"messageId":"` + msgID + `","numberId":"num_abc123","direction":"outbound",` +
				`"from":"+15551234567","to":"+15557654321","messageType":"SMS","text":"hi","mediaUrls":[],"externalReference":null,` +
				`"status":"QUEUED","createdAt":"` + stamp + `","updatedAt":"` + stamp + `","providerMessageRef":null,` +
				`"encoding":"UTF-8","segments":1,"nonGsmCharacters":[],"failure":null,"events":[]}`},
			wantErr: "encoding"},
		{name: "inbound message", method: "GET", path: "/api/core/messages/" + msgID,
			resp: response{status: 200, body: `{"messageId":"` + msgID + `","numberId":"num_abc123","direction":"inbound",` +
				`"from":"+15557654321","to":"+15551234567","messageType":"SMS","text":"STOP","mediaUrls":[],"externalReference":null,` +
				`"status":"RECEIVED","createdAt":"` + stamp + `","updatedAt":"` + stamp + `","providerMessageRef":null,` +
				`"encoding":"GSM-7","segments":1,"nonGsmCharacters":[],` +
				`"failure":null,"events":[{"eventId":"` + evtID + `","type":"message.inbound","sequence":1,"createdAt":"` + stamp + `"}]}`}},
		{name: "sandbox webhooks", method: "PUT", path: "/api/sandbox/webhooks",
			resp: response{status: 200, body: `{"deliveryUrl":"http://127.0.0.1:9999/hook","inboundUrl":null,"signingSecret":"whsec_` + strings.Repeat("x", 43) + `"}`}},
		{name: "sandbox inbound", method: "POST", path: "/api/sandbox/inbound",
			resp: response{status: 202, body: `{"messageId":"` + msgID + `","numberId":"num_abc123","eventId":"` + evtID + `"}`}},
		{name: "search", method: "POST", path: "/api/core/numbers/search",
			resp: response{status: 200, body: `{"groups":[{"npa":"512","nxx":"555","city":"Austin","state":"TX","rateCenter":"AUSTIN",` +
				`"zipCode":"78701","count":2,"numbers":["+15125550100","+15125550101"]}],"total":2}`}},
		{name: "conflict", method: "POST", path: "/api/core/messages/send",
			resp: response{status: 409, headers: map[string]string{"X-RedCloud-Outcome": "not_processed"},
				body: `{"error":{"code":"CONFLICT","message":"Idempotency-Key was already used with a different payload",` +
					`"details":{"reason":"payload_mismatch","fields":["to"]}},"requestId":"` + reqID + `"}`}},
		{name: "bad outcome header", method: "POST", path: "/api/core/messages/send",
			resp: response{status: 400, headers: map[string]string{"X-RedCloud-Outcome": "maybe"},
				body: `{"error":{"code":"INVALID_REQUEST","message":"x","details":{"field":"to[1]"}},"requestId":"` + reqID + `"}`},
			wantErr: "X-RedCloud-Outcome"},
		{name: "send ok", method: "POST", path: "/api/core/messages/send",
			resp: response{status: 202, headers: map[string]string{"Idempotent-Replayed": "true"}, body: sendOK}},
		{name: "send without errors array", method: "POST", path: "/api/core/messages/send",
			resp:    response{status: 202, body: `{"results":[]}`},
			wantErr: "errors"},
		{name: "send with a bad messageId", method: "POST", path: "/api/core/messages/send",
			resp:    response{status: 202, body: strings.Replace(sendOK, msgID, "msg_X", 1)},
			wantErr: "messageId"},
		{name: "idempotency key with an escaped slash", method: "GET", path: "/api/core/idempotency-keys/a%2Fb",
			resp: response{status: 200, body: `{"key":"a/b","firstSeenAt":"` + stamp + `","expiresAt":"` + stamp +
				`","fingerprint":"sha256:` + strings.Repeat("ab", 32) + `","status":202,"response":` + sendOK + `}`}},
		{name: "message ok", method: "GET", path: "/api/core/messages/" + msgID,
			resp: response{status: 200, body: `{"messageId":"` + msgID + `","numberId":"num_abc123","direction":"outbound",` +
				`"from":"+15551234567","to":"+15557654321","messageType":"SMS","text":"hi","mediaUrls":[],"externalReference":null,` +
				`"status":"FAILED","createdAt":"` + stamp + `","updatedAt":"` + stamp + `","providerMessageRef":null,` +
				`"encoding":"GSM-7","segments":1,"nonGsmCharacters":[],` +
				`"failure":{"code":"CARRIER_REJECTED","message":"rejected"},` +
				`"events":[{"eventId":"` + evtID + `","type":"message.queued","sequence":1,"createdAt":"` + stamp + `"}]}`}},
		{name: "message with a time without milliseconds", method: "GET", path: "/api/core/messages/" + msgID,
			resp: response{status: 200, body: `{"messageId":"` + msgID + `","numberId":"num_abc123","direction":"outbound",` +
				`"from":"+15551234567","to":"+15557654321","messageType":"SMS","text":null,"mediaUrls":[],"externalReference":null,` +
				`"status":"QUEUED","createdAt":"2026-11-26T07:04:24Z","updatedAt":"` + stamp + `","providerMessageRef":null,` +
				`"encoding":"GSM-7","segments":1,"nonGsmCharacters":[],` +
				`"failure":null,"events":[]}`},
			wantErr: "createdAt"},
		{name: "token ok", method: "POST", path: "/api/auth/token",
			resp: response{status: 200, headers: map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"},
				body: `{"access_token":"rc_at_` + strings.Repeat("A", 43) + `","token_type":"bearer","expires_in":3600}`}},
		{name: "token without Cache-Control", method: "POST", path: "/api/auth/token",
			resp: response{status: 200, headers: map[string]string{"Pragma": "no-cache"},
				body: `{"access_token":"rc_at_` + strings.Repeat("A", 43) + `","token_type":"bearer","expires_in":3600}`},
			wantErr: "Cache-Control"},
		{name: "token error in the CORE shape", method: "POST", path: "/api/auth/token",
			resp:    response{status: 401, body: `{"error":{"code":"UNAUTHORIZED","message":"x","details":{}},"requestId":"` + reqID + `"}`},
			wantErr: "error"},
		{name: "token error ok", method: "POST", path: "/api/auth/token",
			resp: response{status: 401, headers: map[string]string{"WWW-Authenticate": `Basic realm="redcloud"`},
				body: `{"error":"invalid_client","error_description":"Client authentication failed"}`}},
		{name: "metrics body not checked", method: "GET", path: "/metrics",
			resp: response{status: 200, headers: map[string]string{"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
				body: "# HELP x\nx 1\n"}},
		{name: "openapi.yaml", method: "GET", path: "/openapi.yaml",
			resp: response{status: 200, headers: map[string]string{"Content-Type": "application/yaml"}, body: string(api.Spec)}},
		{name: "readyz 503", method: "GET", path: "/readyz",
			resp: response{status: 503, body: `{"error":{"code":"SERVER_ERROR","message":"not ready","details":{}},"requestId":"` + reqID + `"}`}},
		{name: "healthz wrong status", method: "GET", path: "/healthz",
			resp:    response{status: 200, body: `{"status":"fine"}`},
			wantErr: "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(tt.resp.serve))
			defer srv.Close()
			rec := &recorder{TB: t}
			client := &http.Client{Transport: openapitest.New(rec).Transport(nil)}
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tt.resp.body {
				t.Errorf("body after Transport = %q, want %q", body, tt.resp.body)
			}

			errs := rec.recorded()
			switch {
			case tt.wantErr == "" && len(errs) > 0:
				t.Errorf("unexpected report:\n%s", strings.Join(errs, "\n"))
			case tt.wantErr != "" && len(errs) == 0:
				t.Errorf("mismatch not reported (want one mentioning %q)", tt.wantErr)
			case tt.wantErr != "":
				prefix := fmt.Sprintf("%s %s → %d", tt.method, req.URL.Path, tt.resp.status)
				if !strings.Contains(errs[0], prefix) || !strings.Contains(errs[0], tt.wantErr) {
					t.Errorf("report %q does not name %q and %q", errs[0], prefix, tt.wantErr)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	v := openapitest.New(t)
	req := httptest.NewRequest("GET", "http://example.test:1234/api/core/whoami", nil)
	ok := &http.Response{StatusCode: 200, Header: http.Header{
		"Content-Type": {"application/json"},
		"X-Request-Id": {reqID},
	}}
	v.Check(t, req, ok, []byte(whoami))

	rec := &recorder{TB: t}
	v.Check(rec, req, ok, []byte(`{"apiClientId":1}`))
	if len(rec.recorded()) != 1 {
		t.Errorf("Check reported %d errors for a bad body, want 1", len(rec.recorded()))
	}
}

func TestTransportConcurrent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(response{status: 200, body: whoami}.serve))
	defer srv.Close()
	client := &http.Client{Transport: openapitest.New(t).Transport(http.DefaultTransport)}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, err := client.Get(srv.URL + "/api/core/whoami")
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		})
	}
	wg.Wait()
}

func TestCheckWebhook(t *testing.T) {
	v := openapitest.New(t)
	lifecycle := `{"eventId":"` + evtID + `","type":"message.delivery","createdAt":"` + stamp + `",` +
		`"apiClientId":"rc_test_client_123","sequence":3,"terminal":true,"messageId":"` + msgID + `",` +
		`"externalReference":"order_789","numberId":"num_abc123","from":"+15551234567","to":"+15551234567",` +
		`"messageType":"SMS","status":"DELIVERED","providerMessageRef":"sbx_1","failure":null}`
	inbound := `{"eventId":"` + evtID + `","type":"message.inbound","createdAt":"` + stamp + `",` +
		`"apiClientId":"rc_test_client_123","sequence":1,"terminal":true,"messageId":"` + msgID + `",` +
		`"numberId":"num_abc123","from":"+15557654321","to":"+15551234567","messageType":"SMS","text":"STOP","mediaUrls":[]}`
	v.CheckWebhook(t, "messageLifecycle", []byte(lifecycle))
	v.CheckWebhook(t, "messageInbound", []byte(inbound))

	for _, tt := range []struct{ webhook, body string }{
		{"messageLifecycle", strings.Replace(lifecycle, `"failure":null`, `"failure":null,"extra":1`, 1)},
		{"messageLifecycle", strings.Replace(lifecycle, `"status":"DELIVERED"`, `"status":"RECEIVED"`, 1)},
		{"messageInbound", strings.Replace(inbound, `"mediaUrls":[]`, `"mediaUrls":null`, 1)},
		{"messageInbound", `not json`},
		{"noSuchWebhook", inbound},
	} {
		rec := &recorder{TB: t}
		v.CheckWebhook(rec, tt.webhook, []byte(tt.body))
		if len(rec.recorded()) != 1 {
			t.Errorf("CheckWebhook(%s, %s): %d reports, want 1", tt.webhook, tt.body, len(rec.recorded()))
		}
	}
}
