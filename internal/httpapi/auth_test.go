package httpapi_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/platform"
)

const msgInvalidToken = "Invalid or missing bearer token"

func TestBearerRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	valid := e.sandboxToken(t)
	tests := []struct {
		name          string
		authorization string
	}{
		{"missing header", ""},
		{"basic scheme", "Basic " + basicAuth(clientID, clientSecret)},
		{"bearer without token", "Bearer"},
		{"bearer with garbage", "Bearer not-a-token"},
		{"bearer with a JWT", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"},
		{"unknown token", "Bearer " + platform.NewSecret(platform.PrefixToken)},
		{"token with a character changed", "Bearer " + valid[:len(valid)-1] + flip(valid[len(valid)-1])},
		{"token in another scheme", "Token " + valid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(t, "/api/core/whoami", "", "Authorization", tt.authorization)
			wantCore(t, r, 401, redcloud.CodeUnauthorized, msgInvalidToken, nil)
			if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="redcloud"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
		})
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestBearerExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	e.clock.Advance(time.Hour - time.Millisecond)
	if r := e.get(t, "/api/core/whoami", tok); r.status != http.StatusOK {
		t.Fatalf("1 ms before expiry: %d %s", r.status, r.body)
	}
	e.clock.Advance(time.Millisecond)
	wantCore(t, e.get(t, "/api/core/whoami", tok), 401, redcloud.CodeUnauthorized, msgInvalidToken, nil)
	// A fresh token works again.
	if r := e.get(t, "/api/core/whoami", e.sandboxToken(t)); r.status != http.StatusOK {
		t.Errorf("new token: %d %s", r.status, r.body)
	}
}

// TestInactive: a suspended API client or account gets no token (secret
// correct), and suspension after a token was issued takes effect at once on
// every route, before the capability check.
func TestInactive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		suspend func(e *env) error
		message string
	}{
		{"client suspended", func(e *env) error { return e.db.SetAPIClientStatus(e.ctx, clientID, redcloud.StatusSuspended) }, "API client is not active"},
		{"account suspended", func(e *env) error { return e.db.SetAccountStatus(e.ctx, accountID, redcloud.StatusSuspended) }, "account is not active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tok := e.sandboxToken(t)
			if err := e.db.SetCapabilities(e.ctx, clientID, nil); err != nil {
				t.Fatal(err)
			}
			if err := tt.suspend(e); err != nil {
				t.Fatal(err)
			}
			wantCore(t, e.get(t, "/api/core/whoami", tok), 401, redcloud.CodeUnauthorized, tt.message, nil)
			wantCore(t, e.get(t, "/api/core/numbers", tok), 401, redcloud.CodeUnauthorized, tt.message, nil)
			wantCore(t, e.send(t, tok, "k1", sms(numberID, "hi", numberE164)), 401, redcloud.CodeUnauthorized, tt.message, nil)

			r := e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret)
			wantOAuth(t, r, 401, "invalid_client", tt.message)
			if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="redcloud"` {
				t.Errorf("WWW-Authenticate = %q with Basic", got)
			}
			r = e.tokenForm(t, nil, form("grant_type", "client_credentials", "client_id", clientID, "client_secret", clientSecret), "")
			wantOAuth(t, r, 401, "invalid_client", tt.message)
			if got := r.header.Get("WWW-Authenticate"); got != "" {
				t.Errorf("WWW-Authenticate = %q without Basic", got)
			}
			// With the wrong secret the answer reveals nothing about the status.
			wantOAuth(t, e.tokenForm(t, nil, clientCredentials, clientID+":wrong_secret"), 401, "invalid_client", "Client authentication failed")
		})
	}
}

// TestCapabilities: each route without its capability answers 403 with
// details.capability, before anything else about the request is looked at.
func TestCapabilities(t *testing.T) {
	t.Parallel()
	routes := []struct {
		name       string
		capability string
		req        request
	}{
		{"list numbers", redcloud.CapNumbersRead, request{method: "GET", path: "/api/core/numbers"}},
		{"search numbers", redcloud.CapNumbersSearch, request{method: "POST", path: "/api/core/numbers/search", body: `{"npa":"512"}`}},
		{"update number", redcloud.CapNumbersUpdate, request{method: "PATCH", path: "/api/core/numbers/" + numberID, body: `{"campaignregId":"X"}`}},
		{"send", redcloud.CapMessagesSend, request{method: "POST", path: "/api/core/messages/send", body: sms(numberID, "hi", numberE164),
			header: []string{redcloud.HeaderIdempotencyKey, "k1"}}},
		{"send without a key and with bad JSON", redcloud.CapMessagesSend, request{method: "POST", path: "/api/core/messages/send", body: `{`}},
		{"idempotency key", redcloud.CapMessagesSend, request{method: "GET", path: "/api/core/idempotency-keys/k1"}},
		{"message", redcloud.CapMessagesSend, request{method: "GET", path: "/api/core/messages/msg_01jd8x5v7k2m3n4p5q6r7s8t9w"}},
		{"message list", redcloud.CapMessagesSend, request{method: "GET", path: "/api/core/messages?status=NOPE"}},
	}
	e := newEnv(t)
	tok := e.sandboxToken(t)
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			var rest []string
			for _, c := range platform.AllCapabilities {
				if c != rt.capability {
					rest = append(rest, c)
				}
			}
			if err := e.db.SetCapabilities(e.ctx, clientID, rest); err != nil {
				t.Fatal(err)
			}
			req := rt.req
			req.token = tok
			wantCore(t, e.do(t, nil, req), 403, redcloud.CodeForbidden,
				"API client lacks the "+rt.capability+" capability", map[string]any{"capability": rt.capability})
			// Every other route still works with the other capabilities.
			if r := e.get(t, "/api/core/whoami", tok); r.status != http.StatusOK {
				t.Errorf("whoami: %d %s", r.status, r.body)
			}
		})
	}
	t.Run("whoami needs none", func(t *testing.T) {
		if err := e.db.SetCapabilities(e.ctx, clientID, nil); err != nil {
			t.Fatal(err)
		}
		r := e.get(t, "/api/core/whoami", tok)
		wantJSON(t, r, 200, `{"apiClientId":"rc_test_client_123","apiClientName":"Red Cloud Test Client","apiClientStatus":"ACTIVE",
			"capabilities":[],"assignedNumbers":{"total":1,"smsEnabledCount":1,"mmsEnabledCount":1},
			"inboundWebhookConfigured":false,"deliveryWebhookConfigured":false}`)
	})
}

func TestWhoami(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	r := e.get(t, "/api/core/whoami", tok)
	wantJSON(t, r, 200, `{"apiClientId":"rc_test_client_123","apiClientName":"Red Cloud Test Client","apiClientStatus":"ACTIVE",
		"capabilities":["messages:send","numbers:read","numbers:search","numbers:update"],
		"assignedNumbers":{"total":1,"smsEnabledCount":1,"mmsEnabledCount":1},
		"inboundWebhookConfigured":false,"deliveryWebhookConfigured":false}`)
	if h := r.header.Get(redcloud.HeaderOutcome); h != "" {
		t.Errorf("X-RedCloud-Outcome = %q on a 200", h)
	}

	flags := func(t *testing.T, inbound, delivery bool) {
		t.Helper()
		var w redcloud.WhoAmI
		r := e.get(t, "/api/core/whoami", tok)
		mustJSON(t, r.body, &w)
		if w.InboundWebhookConfigured != inbound || w.DeliveryWebhookConfigured != delivery {
			t.Errorf("inbound, delivery configured = %v, %v; want %v, %v", w.InboundWebhookConfigured, w.DeliveryWebhookConfigured, inbound, delivery)
		}
	}
	steps := []struct {
		body              string
		inbound, delivery bool
	}{
		{`{"deliveryUrl":"https://example.com/delivery"}`, false, true},
		{`{"inboundUrl":"http://127.0.0.1:9/inbound"}`, true, true},
		{`{"deliveryUrl":null}`, true, false},
		{`{"inboundUrl":null,"deliveryUrl":"https://example.com/d"}`, false, true},
	}
	for _, s := range steps {
		if r := e.put(t, "/api/sandbox/webhooks", tok, s.body); r.status != http.StatusOK {
			t.Fatalf("PUT webhooks %s: %d %s", s.body, r.status, r.body)
		}
		flags(t, s.inbound, s.delivery)
	}

	// Counts follow the assigned numbers and their SMS/MMS flags.
	if err := e.db.AssignNumber(e.ctx, "num_15125550100", clientID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.AssignNumber(e.ctx, "num_15125560100", clientID); err != nil { // nxx 556: MMS disabled
		t.Fatal(err)
	}
	var w redcloud.WhoAmI
	mustJSON(t, e.get(t, "/api/core/whoami", tok).body, &w)
	if w.AssignedNumbers != (redcloud.AssignedNumbers{Total: 3, SMSEnabledCount: 3, MMSEnabledCount: 2}) {
		t.Errorf("assignedNumbers = %+v, want 3/3/2", w.AssignedNumbers)
	}

	// The other client sees itself.
	var o redcloud.WhoAmI
	mustJSON(t, e.get(t, "/api/core/whoami", e.otherToken(t)).body, &o)
	if o.APIClientID != otherID || o.AssignedNumbers.Total != 1 || !slices.Equal(o.Capabilities, platform.AllCapabilities) {
		t.Errorf("other whoami = %+v", o)
	}
}

// TestReactivationRevivesNoToken: a token issued before a suspension is
// answered "not active" during it and refused as unknown after the client
// (or its account) is active again; a new token works.
func TestReactivationRevivesNoToken(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		set  func(e *env, status string) error
	}{
		{"client", func(e *env, s string) error { return e.db.SetAPIClientStatus(e.ctx, clientID, s) }},
		{"account", func(e *env, s string) error { return e.db.SetAccountStatus(e.ctx, accountID, s) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			old := e.sandboxToken(t)
			if err := tt.set(e, redcloud.StatusSuspended); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Second) // past the token cache
			if r := e.get(t, "/api/core/whoami", old); r.status != 401 {
				t.Fatalf("suspended: %d", r.status)
			}
			if err := tt.set(e, redcloud.StatusActive); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Second)
			wantCore(t, e.get(t, "/api/core/whoami", old), 401, redcloud.CodeUnauthorized, httpapi.MsgInvalidToken, nil)
			if r := e.get(t, "/api/core/whoami", e.sandboxToken(t)); r.status != 200 {
				t.Errorf("a token issued after re-activation: %d", r.status)
			}
		})
	}
}
