package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/openapitest"
	"github.com/redcloud-core/redcloud/internal/store"
)

const msgKeyMismatch = "Idempotency-Key was already used with a different payload"

// TestSendProcessingOrder shows, step by step (CONTRACT §5), that a request
// failing several steps gets the first failing step's error.
func TestSendProcessingOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	noSend := e.token(t, otherID, otherSecret)
	if err := e.db.SetCapabilities(e.ctx, otherID, []string{redcloud.CapNumbersRead}); err != nil {
		t.Fatal(err)
	}
	// A number that fails step 8 in two ways (suspended, no campaign).
	if err := e.db.AssignNumber(e.ctx, "num_15125550100", clientID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetNumberAttrs(e.ctx, "num_15125550100", store.NumberAttrs{Status: ptr(redcloud.StatusSuspended)}); err != nil {
		t.Fatal(err)
	}
	const taken = "order-taken"
	wantAccepted(t, e.send(t, tok, taken, sms(numberID, "first", numberE164)))

	bad := "to must be an E.164 phone number"
	tests := []struct {
		name    string
		token   string
		key     string
		body    string
		header  []string
		status  int
		code    string
		message string
		details map[string]any
	}{
		{name: "1 token before everything", token: "", key: "", body: `{`,
			status: 401, code: redcloud.CodeUnauthorized, message: msgInvalidToken},
		{name: "2 capability before the key", token: noSend, key: "", body: `{`,
			status: 403, code: redcloud.CodeForbidden, message: "API client lacks the messages:send capability",
			details: map[string]any{"capability": "messages:send"}},
		{name: "3 no key and bad JSON → key error (details {} as in CONTRACT §2)", token: tok, key: "", body: `{`,
			status: 400, code: redcloud.CodeInvalidRequest, message: "Idempotency-Key header is required",
			details: map[string]any{}},
		{name: "3 no key and wrong content type → key error", token: tok, key: "", body: `x`, header: []string{"Content-Type", "text/plain"},
			status: 400, code: redcloud.CodeInvalidRequest, message: "Idempotency-Key header is required",
			details: map[string]any{}},
		{name: "3 key with a space", token: tok, key: "order 789", body: `{`,
			status: 400, code: redcloud.CodeInvalidRequest, message: "Idempotency-Key must be 1-255 visible ASCII characters",
			details: map[string]any{"field": "Idempotency-Key"}},
		{name: "3 key of 256 characters", token: tok, key: strings.Repeat("k", 256), body: sms(numberID, "x", numberE164),
			status: 400, code: redcloud.CodeInvalidRequest, message: "Idempotency-Key must be 1-255 visible ASCII characters",
			details: map[string]any{"field": "Idempotency-Key"}},
		{name: "3 key with non-ASCII", token: tok, key: "clé", body: sms(numberID, "x", numberE164),
			status: 400, code: redcloud.CodeInvalidRequest, message: "Idempotency-Key must be 1-255 visible ASCII characters",
			details: map[string]any{"field": "Idempotency-Key"}},
		{name: "4 bad JSON with a key", token: tok, key: "k4", body: `{"sendFrom":`,
			status: 400, code: redcloud.CodeInvalidRequest, message: "request body is not valid JSON"},
		{name: "4 wrong content type", token: tok, key: "k4", body: sms(numberID, "x", numberE164), header: []string{"Content-Type", "text/plain"},
			status: 415, code: redcloud.CodeInvalidRequest, message: "Content-Type must be application/json",
			details: map[string]any{"field": "Content-Type"}},
		{name: "4 shape before the idempotency lookup", token: tok, key: taken, body: `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS"}`,
			status: 400, code: redcloud.CodeInvalidRequest, message: "text is required for SMS", details: map[string]any{"field": "text"}},
		{name: "5 lookup before the sendFrom format", token: tok, key: taken, body: sms("+15551234567", "first", numberE164),
			status: 409, code: redcloud.CodeConflict, message: msgKeyMismatch,
			details: map[string]any{"reason": "payload_mismatch", "fields": []string{"sendFrom"}}},
		{name: "5 lookup before ownership", token: tok, key: taken, body: sms(otherNumber, "first", numberE164),
			status: 409, code: redcloud.CodeConflict, message: msgKeyMismatch,
			details: map[string]any{"reason": "payload_mismatch", "fields": []string{"sendFrom"}}},
		{name: "6 E.164 sendFrom", token: tok, key: "k6", body: sms("+15551234567", "x", "not-a-number"),
			status: 400, code: redcloud.CodeInvalidRequest,
			message: "sendFrom must be a numberId from /api/core/numbers, not an E.164 phone number", details: map[string]any{"field": "sendFrom"}},
		{name: "6 E.164 sendFrom without plus", token: tok, key: "k6", body: sms("15551234567", "x", numberE164),
			status: 400, code: redcloud.CodeInvalidRequest,
			message: "sendFrom must be a numberId from /api/core/numbers, not an E.164 phone number", details: map[string]any{"field": "sendFrom"}},
		{name: "6 sendFrom not a numberId", token: tok, key: "k6", body: sms("abc123", "x", numberE164),
			status: 400, code: redcloud.CodeInvalidRequest,
			message: "sendFrom must be a numberId (num_…) from /api/core/numbers", details: map[string]any{"field": "sendFrom"}},
		{name: "7 other client's number", token: tok, key: "k7", body: sms(otherNumber, "x", "bad"),
			status: 403, code: redcloud.CodeForbidden, message: "sendFrom is not owned by this API client", details: map[string]any{"field": "sendFrom"}},
		{name: "7 nonexistent number", token: tok, key: "k7", body: sms("num_nope", "x", numberE164),
			status: 403, code: redcloud.CodeForbidden, message: "sendFrom is not owned by this API client", details: map[string]any{"field": "sendFrom"}},
		{name: "7 inventory number", token: tok, key: "k7", body: sms("num_15125550101", "x", numberE164),
			status: 403, code: redcloud.CodeForbidden, message: "sendFrom is not owned by this API client", details: map[string]any{"field": "sendFrom"}},
		{name: "8 suspended before recipients", token: tok, key: "k8", body: sms("num_15125550100", "x", "bad"),
			status: 400, code: redcloud.CodeInvalidRequest, message: "sendFrom is not ACTIVE", details: map[string]any{"field": "sendFrom"}},
		{name: "9 all recipients invalid", token: tok, key: "k9", body: sms(numberID, "x", "15551234567", "+0123", numberE164+"x"),
			status: 400, code: redcloud.CodeInvalidRequest, message: "no valid recipients", details: map[string]any{"field": "to", "errors": []map[string]any{
				{"to": "15551234567", "index": 0, "code": "INVALID_REQUEST", "message": bad},
				{"to": "+0123", "index": 1, "code": "INVALID_REQUEST", "message": bad},
				{"to": numberE164 + "x", "index": 2, "code": "INVALID_REQUEST", "message": bad},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := append([]string{redcloud.HeaderIdempotencyKey, tt.key}, tt.header...)
			r := e.do(t, nil, request{method: "POST", path: "/api/core/messages/send", token: tt.token, body: tt.body, header: h})
			wantCore(t, r, tt.status, tt.code, tt.message, tt.details)
		})
	}
	// Only the one acceptance exists.
	if n := e.count(t, `SELECT COUNT(*) FROM idempotency_keys`); n != 1 {
		t.Errorf("%d idempotency records, want 1", n)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

// TestSendNumberChecks covers step 8, one way to fail it per number.
func TestSendNumberChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	campaign := ptr("C1")
	var none *string
	tests := []struct {
		name    string
		number  string
		attrs   *store.NumberAttrs // nil: num_abc123, campaign cleared by PATCH
		mms     bool
		message string
	}{
		{"campaign cleared by PATCH", numberID, nil, false, "sendFrom must have campaignregId configured"},
		{"suspended", "num_15125550100", &store.NumberAttrs{Status: ptr(redcloud.StatusSuspended), CampaignRegID: &campaign}, false, "sendFrom is not ACTIVE"},
		{"MMS disabled", "num_15125560100", &store.NumberAttrs{CampaignRegID: &campaign, MMSEnabled: ptr(false)}, true, "sendFrom is not enabled for MMS"},
		{"SMS disabled", "num_15125550101", &store.NumberAttrs{CampaignRegID: &campaign, SMSEnabled: ptr(false)}, false, "sendFrom is not enabled for SMS"},
		{"suspended and no campaign: status first", "num_15125550102", &store.NumberAttrs{Status: ptr(redcloud.StatusSuspended), CampaignRegID: &none}, false, "sendFrom is not ACTIVE"},
		{"MMS disabled and no campaign: campaign first", "num_15125560101", &store.NumberAttrs{MMSEnabled: ptr(false)}, true, "sendFrom must have campaignregId configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.attrs == nil {
				if r := e.patch(t, "/api/core/numbers/"+tt.number, tok, `{"campaignregId":null}`); r.status != 200 {
					t.Fatalf("PATCH: %d %s", r.status, r.body)
				}
			} else {
				if err := e.db.AssignNumber(e.ctx, tt.number, clientID); err != nil {
					t.Fatal(err)
				}
				if err := e.db.SetNumberAttrs(e.ctx, tt.number, *tt.attrs); err != nil {
					t.Fatal(err)
				}
			}
			body := sms(tt.number, "x", numberE164)
			if tt.mms {
				body = `{"sendFrom":"` + tt.number + `","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://example.com/a.png"]}`
			}
			wantCore(t, e.send(t, tok, "k-"+tt.number, body), 400, redcloud.CodeInvalidRequest, tt.message, map[string]any{"field": "sendFrom"})
		})
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != 0 {
		t.Errorf("%d messages after 400s", n)
	}
	// MMS from an MMS-enabled number with a campaign works; the check is per number.
	if err := e.db.AssignNumber(e.ctx, "num_15125550103", clientID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetNumberAttrs(e.ctx, "num_15125550103", store.NumberAttrs{CampaignRegID: &campaign}); err != nil {
		t.Fatal(err)
	}
	wantAccepted(t, e.send(t, tok, "mms-ok", `{"sendFrom":"num_15125550103","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://example.com/a.png"]}`))
}

func TestSendBodyValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("+1512555%04d", i)
	}
	manyJSON, _ := json.Marshal(many)
	hundredJSON, _ := json.Marshal(many[:100])
	mms := func(media string) string {
		return `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":` + media + `}`
	}
	tests := []struct {
		name, body, field, message string
	}{
		{"empty body", `{}`, "sendFrom", "sendFrom is required"},
		{"sendFrom null", `{"sendFrom":null,"to":["+15551234567"],"messageType":"SMS","text":"x"}`, "sendFrom", "sendFrom is required"},
		{"to missing", `{"sendFrom":"num_abc123","messageType":"SMS","text":"x"}`, "to", "to is required"},
		{"to empty", `{"sendFrom":"num_abc123","to":[],"messageType":"SMS","text":"x"}`, "to", "to must have 1-100 entries"},
		{"to over 100", `{"sendFrom":"num_abc123","to":` + string(manyJSON) + `,"messageType":"SMS","text":"x"}`, "to", "to must have 1-100 entries"},
		{"to a string", `{"sendFrom":"num_abc123","to":"+15551234567","messageType":"SMS","text":"x"}`, "to", "to must be an array of strings"},
		{"to of numbers", `{"sendFrom":"num_abc123","to":[15551234567],"messageType":"SMS","text":"x"}`, "to", "to must be an array of strings"},
		{"messageType missing", `{"sendFrom":"num_abc123","to":["+15551234567"],"text":"x"}`, "messageType", "messageType is required"},
		{"messageType lower case", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"sms","text":"x"}`, "messageType", "messageType must be SMS or MMS"},
		{"SMS without text", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS"}`, "text", "text is required for SMS"},
		{"SMS with empty text", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":""}`, "text", "text is required for SMS"},
		{"SMS text over 1600", sms(numberID, strings.Repeat("é", 1601), numberE164), "text", "text must be at most 1600 characters"},
		{"SMS with media", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"x","mediaUrls":["https://example.com/a.png"]}`,
			"mediaUrls", "mediaUrls is not allowed for SMS"},
		{"MMS without media", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","text":"x"}`, "mediaUrls", "mediaUrls is required for MMS"},
		{"MMS with 11 media", mms(`["https://e.com/1","https://e.com/2","https://e.com/3","https://e.com/4","https://e.com/5","https://e.com/6","https://e.com/7","https://e.com/8","https://e.com/9","https://e.com/10","https://e.com/11"]`),
			"mediaUrls", "mediaUrls must have 1-10 entries"},
		{"MMS relative media", mms(`["https://e.com/a.png","/b.png"]`), "mediaUrls[1]", "mediaUrls[1] must be an absolute http or https URL"},
		{"MMS ftp media", mms(`["ftp://e.com/a.png"]`), "mediaUrls[0]", "mediaUrls[0] must be an absolute http or https URL"},
		{"MMS media with credentials", mms(`["https://u:p@e.com/a.png"]`), "mediaUrls[0]", "mediaUrls[0] must be an absolute http or https URL"},
		{"externalReference over 255", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"x","externalReference":"` + strings.Repeat("r", 256) + `"}`,
			"externalReference", "externalReference must be at most 255 characters"},
		{"text a number", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":5}`, "text", "text must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCore(t, e.send(t, tok, "validation", tt.body), 400, redcloud.CodeInvalidRequest, tt.message, map[string]any{"field": tt.field})
		})
	}
	// Limits are inclusive; http media is allowed in sandbox mode.
	ok := []string{
		sms(numberID, strings.Repeat("é", 1600), numberE164),
		mms(`["http://127.0.0.1/a.png","https://e.com/2","https://e.com/3","https://e.com/4","https://e.com/5","https://e.com/6","https://e.com/7","https://e.com/8","https://e.com/9","https://e.com/10"]`),
		`{"sendFrom":"num_abc123","to":` + string(hundredJSON) + `,"messageType":"SMS","text":"x","externalReference":"` + strings.Repeat("r", 255) + `"}`,
	}
	for i, body := range ok {
		s := wantAccepted(t, e.send(t, tok, "valid-"+itoa(i), body))
		if len(s.Results) == 0 || len(s.Errors) != 0 {
			t.Errorf("body %d: %d results, %d errors", i, len(s.Results), len(s.Errors))
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestSendPartialAcceptance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := `{"sendFrom":"num_abc123","to":["+15551234567","15551234567","+15551234567","+15005550001","+15005550001","+4915112345678"],
		"messageType":"SMS","text":"hello","externalReference":"order_789"}`
	r := e.send(t, tok, "idem_order_789", body)
	s := wantAccepted(t, r)
	tos := []string{}
	for _, res := range s.Results {
		tos = append(tos, res.To)
	}
	if !slices.Equal(tos, []string{"+15551234567", "+15005550001", "+4915112345678"}) {
		t.Errorf("accepted %v", tos)
	}
	if got, want := normal(t, s.Errors), normal(t, `[
		{"to":"15551234567","index":1,"code":"INVALID_REQUEST","message":"to must be an E.164 phone number"},
		{"to":"+15551234567","index":2,"code":"INVALID_REQUEST","message":"duplicate recipient"},
		{"to":"+15005550001","index":4,"code":"INVALID_REQUEST","message":"duplicate recipient"}]`); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %s", mustMarshal(s.Errors))
	}
	// Each accepted recipient is its own QUEUED message.
	for _, res := range s.Results {
		m := e.message(t, tok, res.MessageID)
		if m.To != res.To || m.From != numberE164 || m.Status != redcloud.MessageQueued || m.ExternalReference == nil || *m.ExternalReference != "order_789" {
			t.Errorf("message %s = %+v", res.MessageID, m)
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE idempotency_key = 'idem_order_789'`); n != 3 {
		t.Errorf("%d messages stored, want 3", n)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM events WHERE type = 'message.queued' AND sequence = 1`); n != 3 {
		t.Errorf("%d message.queued events, want 3", n)
	}
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// message fetches GET /api/core/messages/{id}.
func (e *env) message(t testing.TB, tok, id string) redcloud.Message {
	t.Helper()
	r := e.get(t, "/api/core/messages/"+url.PathEscape(id), tok)
	if r.status != http.StatusOK {
		t.Fatalf("GET message %s: %d %s", id, r.status, r.body)
	}
	var m redcloud.Message
	mustJSON(t, r.body, &m)
	return m
}

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := `{"sendFrom":"num_abc123","to":["+15551234567","+15005550002","bad"],"messageType":"SMS","text":"hi & <bye>","externalReference":"order_789"}`
	first := e.send(t, tok, "idem_order_789", body)
	s := wantAccepted(t, first)

	replay := e.send(t, tok, "idem_order_789", body)
	wantReplay(t, replay, first)
	if replay.header.Get(redcloud.HeaderRequestID) == first.header.Get(redcloud.HeaderRequestID) {
		t.Error("the replay reuses the first request id")
	}
	// Field order, absent vs empty vs null do not change the fingerprint;
	// other headers (content type parameters, fault header absent) neither.
	equivalent := []string{
		`{"externalReference":"order_789","text":"hi & <bye>","messageType":"SMS","to":["+15551234567","+15005550002","bad"],"sendFrom":"num_abc123"}`,
		`{"sendFrom":"num_abc123","to":["+15551234567","+15005550002","bad"],"messageType":"SMS","text":"hi & <bye>","externalReference":"order_789","mediaUrls":[]}`,
		`{"sendFrom":"num_abc123","to":["+15551234567","+15005550002","bad"],"messageType":"SMS","text":"hi & <bye>","externalReference":"order_789","mediaUrls":null}`,
		"\n{ \"sendFrom\" : \"num_abc123\", \"to\" : [\"+15551234567\", \"+15005550002\", \"bad\"], \"messageType\":\"SMS\", \"text\":\"hi \\u0026 <bye>\", \"externalReference\":\"order_789\" }\n",
	}
	for _, b := range equivalent {
		wantReplay(t, e.send(t, tok, "idem_order_789", b, "Content-Type", "application/json; charset=utf-8"), first)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != len(s.Results) {
		t.Errorf("%d messages after replays, want %d", n, len(s.Results))
	}
	for _, id := range s.ids() {
		if m := e.message(t, tok, id); len(m.Events) != 1 {
			t.Errorf("message %s has %d events after replays", id, len(m.Events))
		}
	}

	// Absent and empty externalReference are alike too.
	a := e.send(t, tok, "absent-empty", sms(numberID, "x", numberE164))
	wantAccepted(t, a)
	wantReplay(t, e.send(t, tok, "absent-empty", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"x","externalReference":""}`), a)
	wantReplay(t, e.send(t, tok, "absent-empty", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"x","externalReference":null}`), a)
}

func TestIdempotencyConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	base := map[string]any{"sendFrom": numberID, "to": []string{numberE164, "+15005550003"}, "messageType": "SMS", "text": "hi", "externalReference": "ref"}
	first := e.send(t, tok, "conflict", mustMarshal(base))
	wantAccepted(t, first)
	with := func(kv ...any) string {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return mustMarshal(m)
	}
	tests := []struct {
		name   string
		body   string
		fields []string
	}{
		{"text", with("text", "hello"), []string{"text"}},
		{"recipients reordered", with("to", []string{"+15005550003", numberE164}), []string{"to"}},
		{"one recipient fewer", with("to", []string{numberE164}), []string{"to"}},
		{"externalReference dropped", with("externalReference", nil), []string{"externalReference"}},
		{"text and externalReference", with("text", "x", "externalReference", "other"), []string{"text", "externalReference"}},
		{"MMS instead of SMS", with("messageType", "MMS", "mediaUrls", []string{"https://e.com/a.png"}), []string{"messageType", "mediaUrls"}},
		{"everything", with("sendFrom", "num_other", "to", []string{"+15005550004"}, "text", "y", "externalReference", nil),
			[]string{"sendFrom", "to", "text", "externalReference"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.send(t, tok, "conflict", tt.body)
			wantCore(t, r, 409, redcloud.CodeConflict, msgKeyMismatch, map[string]any{"reason": "payload_mismatch", "fields": tt.fields})
			if r.header.Get(redcloud.HeaderReplayed) != "" {
				t.Error("Idempotent-Replayed on a 409")
			}
		})
	}
	// The original payload still replays.
	wantReplay(t, e.send(t, tok, "conflict", mustMarshal(base)), first)
	if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

// TestIdempotencyNothingStoredOnError: a 4xx stores nothing, so the key is
// free once the request is fixed.
func TestIdempotencyNothingStoredOnError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	failures := []struct {
		body   string
		status int
	}{
		{sms(numberID, "x", "bad", "worse"), 400}, // no valid recipient
		{sms(otherNumber, "x", numberE164), 403},  // not owned
		{sms("+15551234567", "x", numberE164), 400},
		{`{"sendFrom":"num_abc123"}`, 400},
	}
	for _, f := range failures {
		if r := e.send(t, tok, "fixme", f.body); r.status != f.status {
			t.Fatalf("%s: %d %s, want %d", f.body, r.status, r.body, f.status)
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM idempotency_keys`); n != 0 {
		t.Errorf("%d idempotency records after failures", n)
	}
	wantCore(t, e.get(t, "/api/core/idempotency-keys/fixme", tok), 404, redcloud.CodeNotFound, "no live record of this Idempotency-Key", nil)
	// The fixed request under the same key is a first acceptance, not a 409.
	wantAccepted(t, e.send(t, tok, "fixme", sms(numberID, "x", numberE164)))
}

// TestIdempotencyPerClient: the same key of another API client is another
// key.
func TestIdempotencyPerClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, other := e.sandboxToken(t), e.otherToken(t)
	mine := wantAccepted(t, e.send(t, tok, "idem_order_789", sms(numberID, "x", "+15005550004")))
	theirs := wantAccepted(t, e.send(t, other, "idem_order_789", sms(otherNumber, "y", "+15005550004")))
	if mine.ids()[0] == theirs.ids()[0] {
		t.Error("both clients got the same messageId")
	}
	// Each replays its own; neither sees the other's record or message.
	rec := e.idempotencyRecord(t, other, "idem_order_789")
	if !bytes.Contains(rec.Response, []byte(theirs.ids()[0])) {
		t.Errorf("other client's record = %s", rec.Response)
	}
	wantCore(t, e.get(t, "/api/core/messages/"+mine.ids()[0], other), 404, redcloud.CodeNotFound, "message not found", nil)
	wantCore(t, e.get(t, "/api/core/messages/"+theirs.ids()[0], tok), 404, redcloud.CodeNotFound, "message not found", nil)
}

// TestReplayAfterNumberChanged: the idempotency lookup (step 5) comes before
// the number checks (6–8), so an accepted send replays whatever happened to
// its number since.
func TestReplayAfterNumberChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := sms(numberID, "x", numberE164)
	first := e.send(t, tok, "before-change", body)
	wantAccepted(t, first)
	if r := e.patch(t, "/api/core/numbers/"+numberID, tok, `{"campaignregId":null}`); r.status != 200 {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	wantReplay(t, e.send(t, tok, "before-change", body), first)
	if err := e.db.SetNumberAttrs(e.ctx, numberID, store.NumberAttrs{Status: ptr(redcloud.StatusSuspended)}); err != nil {
		t.Fatal(err)
	}
	wantReplay(t, e.send(t, tok, "before-change", body), first)
	if err := e.db.UnassignNumber(e.ctx, numberID); err != nil {
		t.Fatal(err)
	}
	wantReplay(t, e.send(t, tok, "before-change", body), first)
	// A new key meets the number checks.
	wantCore(t, e.send(t, tok, "after-change", body), 403, redcloud.CodeForbidden, "sendFrom is not owned by this API client", map[string]any{"field": "sendFrom"})
}

func TestIdempotencyExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := sms(numberID, "x", numberE164)
	first := e.send(t, tok, "expiring", body)
	s1 := wantAccepted(t, first)

	e.clock.Advance(24*time.Hour - time.Millisecond)
	tok = e.sandboxToken(t) // the first token expired long ago
	wantReplay(t, e.send(t, tok, "expiring", body), first)
	rec := e.idempotencyRecord(t, tok, "expiring")
	if !rec.ExpiresAt.Equal(start.Add(24 * time.Hour)) {
		t.Errorf("expiresAt = %v, want %v", rec.ExpiresAt, start.Add(24*time.Hour))
	}

	e.clock.Advance(time.Millisecond)
	wantCore(t, e.get(t, "/api/core/idempotency-keys/expiring", tok), 404, redcloud.CodeNotFound, "no live record of this Idempotency-Key", nil)
	// Forgotten: the same request is a new acceptance with new messageIds.
	second := e.send(t, tok, "expiring", body)
	s2 := wantAccepted(t, second)
	if slices.Equal(s1.ids(), s2.ids()) {
		t.Error("the acceptance after expiry reused the messageIds")
	}
	rec = e.idempotencyRecord(t, tok, "expiring")
	if !rec.FirstSeenAt.Equal(start.Add(24*time.Hour)) || !bytes.Equal(rec.Response, second.body) {
		t.Errorf("record after expiry = %+v", rec)
	}
	wantReplay(t, e.send(t, tok, "expiring", body), second)
	if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE idempotency_key = 'expiring'`); n != 2 {
		t.Errorf("%d messages under the key, want 2 (one per acceptance)", n)
	}
}

// TestIdempotencyRace: 50 identical sends with one key at once → exactly one
// acceptance, every response that same acceptance.
func TestIdempotencyRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	body := sms(numberID, "race", numberE164, "+15005550004", "bad")
	results := race(t, e, tok, "race-key", func(int) string { return body })
	fresh := 0
	var accepted resp
	for _, r := range results {
		if r.status != http.StatusAccepted {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if r.header.Get(redcloud.HeaderReplayed) == "" {
			fresh++
			accepted = r
		}
	}
	if fresh != 1 {
		t.Fatalf("%d responses without Idempotent-Replayed, want exactly 1", fresh)
	}
	for _, r := range results {
		if !bytes.Equal(r.body, accepted.body) {
			t.Errorf("bodies differ:\n%s\n%s", r.body, accepted.body)
		}
	}
	var s sendResult
	mustJSON(t, accepted.body, &s)
	wantStoredMessages(t, e, "race-key", s.ids())
}

// TestIdempotencyRaceMixed: 50 sends with one key at once, half with another
// text → one acceptance; its payload's requests get it, the others 409.
func TestIdempotencyRaceMixed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	bodies := []string{sms(numberID, "left", numberE164), sms(numberID, "right", numberE164)}
	results := race(t, e, tok, "mixed-key", func(i int) string { return bodies[i%2] })
	var accepted []resp
	for _, r := range results {
		if r.status == http.StatusAccepted && r.header.Get(redcloud.HeaderReplayed) == "" {
			accepted = append(accepted, r)
		}
	}
	if len(accepted) != 1 {
		t.Fatalf("%d acceptances, want exactly 1", len(accepted))
	}
	var s sendResult
	mustJSON(t, accepted[0].body, &s)
	m := e.message(t, tok, s.ids()[0])
	winner := map[string]int{"left": 0, "right": 1}[*m.Text]
	for i, r := range results {
		if i%2 == winner {
			if r.status != http.StatusAccepted || !bytes.Equal(r.body, accepted[0].body) {
				t.Errorf("request %d with the winning payload: %d %s", i, r.status, r.body)
			}
			continue
		}
		wantCore(t, r, 409, redcloud.CodeConflict, msgKeyMismatch, map[string]any{"reason": "payload_mismatch", "fields": []string{"text"}})
	}
	wantStoredMessages(t, e, "mixed-key", s.ids())
}

// race sends 50 requests with key at once and returns their responses in
// request order. The 50 connections are opened beforehand, so that the
// requests reach the server together rather than one TCP handshake apart.
func race(t *testing.T, e *env, tok, key string, body func(i int) string) []resp {
	t.Helper()
	const n = 50
	tr := &http.Transport{MaxIdleConnsPerHost: n}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: openapitest.New(t).Transport(tr)}
	all := func(do func(i int)) {
		var ready, done sync.WaitGroup
		gate := make(chan struct{})
		ready.Add(n)
		done.Add(n)
		for i := range n {
			go func() {
				defer done.Done()
				ready.Done()
				<-gate
				do(i)
			}()
		}
		ready.Wait()
		close(gate)
		done.Wait()
	}
	all(func(int) { _, _ = e.try(client, request{method: "GET", path: "/healthz"}) }) // open the connections
	results := make([]resp, n)
	errs := make([]error, n)
	all(func(i int) {
		results[i], errs[i] = e.try(client, request{method: "POST", path: "/api/core/messages/send", token: tok, body: body(i),
			header: []string{redcloud.HeaderIdempotencyKey, key}})
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if id := results[i].header.Get(redcloud.HeaderRequestID); !reRequestID.MatchString(id) {
			t.Errorf("request %d: X-Request-Id = %q", i, id)
		}
	}
	return results
}

// wantStoredMessages checks that the database holds exactly the messages ids
// under key, each with one event.
func wantStoredMessages(t *testing.T, e *env, key string, ids []string) {
	t.Helper()
	rows, err := e.raw(t).QueryContext(e.ctx, `SELECT id FROM messages WHERE idempotency_key = ? ORDER BY id`, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var stored []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, id)
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(stored, want) {
		t.Errorf("stored messages %v, want %v", stored, want)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM events`); n != len(ids) {
		t.Errorf("%d events, want %d", n, len(ids))
	}
	if n := e.count(t, `SELECT COUNT(*) FROM idempotency_keys`); n != 1 {
		t.Errorf("%d idempotency records, want 1", n)
	}
}

// idempotencyRecord fetches GET /api/core/idempotency-keys/{key}.
func (e *env) idempotencyRecord(t testing.TB, tok, key string) redcloud.IdempotencyRecord {
	t.Helper()
	r := e.get(t, "/api/core/idempotency-keys/"+url.PathEscape(key), tok)
	if r.status != http.StatusOK {
		t.Fatalf("GET key %q: %d %s", key, r.status, r.body)
	}
	var rec redcloud.IdempotencyRecord
	mustJSON(t, r.body, &rec)
	return rec
}

func TestIdempotencyKeyRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	keys := []string{"idem_order_789", "order/789", "a/b?c#d%e+f&g=h", "~!@$^*()[]{}|\\:;'\",.<>", "%2F", strings.Repeat("k", 255)}
	for i, key := range keys {
		t.Run(key[:min(len(key), 20)], func(t *testing.T) {
			e.clock.Advance(time.Second)
			sent := e.send(t, tok, key, sms(numberID, "key "+itoa(i), numberE164))
			wantAccepted(t, sent)
			r := e.get(t, "/api/core/idempotency-keys/"+url.PathEscape(key), tok)
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var rec map[string]json.RawMessage
			mustJSON(t, r.body, &rec)
			var gotKey, fp, first, expires string
			var status int
			mustJSON(t, rec["key"], &gotKey)
			mustJSON(t, rec["fingerprint"], &fp)
			mustJSON(t, rec["firstSeenAt"], &first)
			mustJSON(t, rec["expiresAt"], &expires)
			mustJSON(t, rec["status"], &status)
			now := start.Add(time.Duration(i+1) * time.Second)
			if gotKey != key || !reSHA256.MatchString(fp) || status != 202 ||
				first != now.Format(redcloud.TimeLayout) || expires != now.Add(24*time.Hour).Format(redcloud.TimeLayout) || len(rec) != 6 {
				t.Errorf("record = %s", r.body)
			}
			if got, want := normal(t, []byte(rec["response"])), normal(t, sent.body); !reflect.DeepEqual(got, want) {
				t.Errorf("response = %s, want the stored body %s", rec["response"], sent.body)
			}
		})
	}
	t.Run("same payload, same fingerprint", func(t *testing.T) {
		b := sms(numberID, "fp", numberE164)
		wantAccepted(t, e.send(t, tok, "fp-1", b))
		wantAccepted(t, e.send(t, tok, "fp-2", b))
		x, y := e.idempotencyRecord(t, tok, "fp-1"), e.idempotencyRecord(t, tok, "fp-2")
		if x.Fingerprint != y.Fingerprint {
			t.Errorf("fingerprints %s, %s differ for one payload", x.Fingerprint, y.Fingerprint)
		}
		z := e.idempotencyRecord(t, tok, keys[0])
		if z.Fingerprint == x.Fingerprint {
			t.Error("different payloads share a fingerprint")
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		wantCore(t, e.get(t, "/api/core/idempotency-keys/never-used", tok), 404, redcloud.CodeNotFound, "no live record of this Idempotency-Key", nil)
	})
	t.Run("a key with a space cannot exist", func(t *testing.T) {
		// Keys are visible ASCII (CONTRACT §5): "order 789" is refused on a
		// send, so its lookup finds nothing.
		wantCore(t, e.get(t, "/api/core/idempotency-keys/"+url.PathEscape("order 789"), tok), 404, redcloud.CodeNotFound,
			"no live record of this Idempotency-Key", nil)
	})
	t.Run("escaped slash is not a path separator", func(t *testing.T) {
		// "order/789" exists; "order" does not.
		wantCore(t, e.get(t, "/api/core/idempotency-keys/order", tok), 404, redcloud.CodeNotFound, "no live record of this Idempotency-Key", nil)
	})
	t.Run("another client's key", func(t *testing.T) {
		wantCore(t, e.get(t, "/api/core/idempotency-keys/idem_order_789", e.otherToken(t)), 404, redcloud.CodeNotFound,
			"no live record of this Idempotency-Key", nil)
	})
}

func TestMessageRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	s := wantAccepted(t, e.send(t, tok, "msg", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://example.com/a.png"],"externalReference":"order_789"}`))
	id := s.ids()[0]
	r := e.get(t, "/api/core/messages/"+id, tok)
	var m map[string]any
	mustJSON(t, r.body, &m)
	events, _ := m["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("events = %v", m["events"])
	}
	ev := events[0].(map[string]any)
	if !reEventID.MatchString(ev["eventId"].(string)) {
		t.Errorf("eventId = %v", ev["eventId"])
	}
	stamp := start.Format(redcloud.TimeLayout)
	wantJSON(t, r, 200, `{"messageId":"`+id+`","direction":"outbound","numberId":"num_abc123","from":"+15551234567","to":"+15551234567",
		"messageType":"MMS","text":null,"mediaUrls":["https://example.com/a.png"],"externalReference":"order_789","status":"QUEUED",
		"createdAt":"`+stamp+`","updatedAt":"`+stamp+`","providerMessageRef":null,"failure":null,
		"events":[{"eventId":"`+ev["eventId"].(string)+`","type":"message.queued","sequence":1,"createdAt":"`+stamp+`"}],
		"encoding":null,"segments":1,"nonGsmCharacters":[],"queuedUntil":null}`)

	wantCore(t, e.get(t, "/api/core/messages/"+id, e.otherToken(t)), 404, redcloud.CodeNotFound, "message not found", nil)
	wantCore(t, e.get(t, "/api/core/messages/msg_01jd8x5v7k2m3n4p5q6r7s8t9w", tok), 404, redcloud.CodeNotFound, "message not found", nil)
}
