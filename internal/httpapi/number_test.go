package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

const sandboxNumber = `{"numberId":"num_abc123","e164":"+15551234567","status":"ACTIVE","campaignRegId":"A1B2C3",
	"smsEnabled":true,"mmsEnabled":true,"webhookInboundOverride":null,"webhookDeliveryOverride":null}`

func TestListNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	wantJSON(t, e.get(t, "/api/core/numbers", tok), 200, `{"numbers":[`+sandboxNumber+`]}`)
	wantJSON(t, e.get(t, "/api/core/numbers", e.otherToken(t)), 200, `{"numbers":[{"numberId":"num_def456","e164":"+15557654321",
		"status":"ACTIVE","campaignRegId":"A1B2C3","smsEnabled":true,"mmsEnabled":true,"webhookInboundOverride":null,"webhookDeliveryOverride":null}]}`)

	// Assigned in reverse order; listed by numberId.
	for _, id := range []string{"num_15125560101", "num_15125550100"} {
		if err := e.db.AssignNumber(e.ctx, id, clientID); err != nil {
			t.Fatal(err)
		}
	}
	wantJSON(t, e.get(t, "/api/core/numbers", tok), 200, `{"numbers":[
		{"numberId":"num_15125550100","e164":"+15125550100","status":"ACTIVE","campaignRegId":null,"smsEnabled":true,"mmsEnabled":true,"webhookInboundOverride":null,"webhookDeliveryOverride":null},
		{"numberId":"num_15125560101","e164":"+15125560101","status":"ACTIVE","campaignRegId":null,"smsEnabled":true,"mmsEnabled":false,"webhookInboundOverride":null,"webhookDeliveryOverride":null},
		`+sandboxNumber+`]}`)
	// The other client still sees only its own.
	var other redcloud.NumberList
	mustJSON(t, e.get(t, "/api/core/numbers", e.otherToken(t)).body, &other)
	if len(other.Numbers) != 1 || other.Numbers[0].NumberID != otherNumber {
		t.Errorf("other client's list = %+v", other.Numbers)
	}
	// A client with no numbers gets an empty array, not null.
	if err := e.db.UnassignNumber(e.ctx, otherNumber); err != nil {
		t.Fatal(err)
	}
	wantJSON(t, e.get(t, "/api/core/numbers", e.otherToken(t)), 200, `{"numbers":[]}`)
}

// inventory returns the sandbox seed's numbers of one exchange, in order.
func inventory(npa, nxx string, from, n int) []string {
	var out []string
	for i := from; i < from+n; i++ {
		out = append(out, fmt.Sprintf("+1%s%s%04d", npa, nxx, 100+i))
	}
	return out
}

func group(npa, nxx, city, state, rateCenter, zip string, numbers []string) map[string]any {
	return map[string]any{"npa": npa, "nxx": nxx, "city": city, "state": state, "rateCenter": rateCenter,
		"zipCode": zip, "count": len(numbers), "numbers": numbers}
}

func searchBody(groups []map[string]any, total int) string {
	if groups == nil {
		groups = []map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"groups": groups, "total": total})
	return string(b)
}

// TestSearchNumbers runs against the sandbox inventory: 8 cities × exchanges
// 555 (MMS) and 556 × 20 numbers, +1NPANXX0100 to …0119.
func TestSearchNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	austin := func(nxx string, from, n int) map[string]any {
		return group("512", nxx, "Austin", "TX", "AUSTIN", "78701", inventory("512", nxx, from, n))
	}
	tests := []struct {
		name string
		body string
		want string
	}{
		{"documented example", `{"npa":"512","nxx":"555","limit":2}`, searchBody([]map[string]any{austin("555", 0, 2)}, 20)},
		{"empty body lists the default 20", ``, searchBody([]map[string]any{
			group("206", "555", "Seattle", "WA", "SEATTLE", "98101", inventory("206", "555", 0, 20))}, 320)},
		{"empty object", `{}`, searchBody([]map[string]any{
			group("206", "555", "Seattle", "WA", "SEATTLE", "98101", inventory("206", "555", 0, 20))}, 320)},
		{"limit 100 spans groups", `{"limit":100}`, searchBody([]map[string]any{
			group("206", "555", "Seattle", "WA", "SEATTLE", "98101", inventory("206", "555", 0, 20)),
			group("206", "556", "Seattle", "WA", "SEATTLE", "98101", inventory("206", "556", 0, 20)),
			group("214", "555", "Dallas", "TX", "DALLAS", "75201", inventory("214", "555", 0, 20)),
			group("214", "556", "Dallas", "TX", "DALLAS", "75201", inventory("214", "556", 0, 20)),
			group("303", "555", "Denver", "CO", "DENVER", "80202", inventory("303", "555", 0, 20)),
		}, 320)},
		{"limit 1", `{"limit":1}`, searchBody([]map[string]any{
			group("206", "555", "Seattle", "WA", "SEATTLE", "98101", inventory("206", "555", 0, 1))}, 320)},
		{"npa", `{"npa":"512","limit":25}`, searchBody([]map[string]any{austin("555", 0, 20), austin("556", 0, 5)}, 40)},
		{"nxx", `{"nxx":"556","limit":3}`, searchBody([]map[string]any{
			group("206", "556", "Seattle", "WA", "SEATTLE", "98101", inventory("206", "556", 0, 3))}, 160)},
		{"city, any case", `{"city":"aUSTIN","limit":3}`, searchBody([]map[string]any{austin("555", 0, 3)}, 40)},
		{"city with a space", `{"city":"san francisco","limit":1}`, searchBody([]map[string]any{
			group("415", "555", "San Francisco", "CA", "SNFC CA", "94102", inventory("415", "555", 0, 1))}, 40)},
		{"state, lower case", `{"state":"tx","limit":1}`, searchBody([]map[string]any{
			group("214", "555", "Dallas", "TX", "DALLAS", "75201", inventory("214", "555", 0, 1))}, 80)},
		{"rateCenter, any case", `{"rateCenter":"Snfc Ca","limit":1}`, searchBody([]map[string]any{
			group("415", "555", "San Francisco", "CA", "SNFC CA", "94102", inventory("415", "555", 0, 1))}, 40)},
		{"zipCode", `{"zipCode":"02108","limit":1}`, searchBody([]map[string]any{
			group("617", "555", "Boston", "MA", "BOSTON", "02108", inventory("617", "555", 0, 1))}, 40)},
		{"filters combine with AND", `{"state":"TX","nxx":"556","limit":2}`, searchBody([]map[string]any{
			group("214", "556", "Dallas", "TX", "DALLAS", "75201", inventory("214", "556", 0, 2))}, 40)},
		{"all filters", `{"npa":"512","nxx":"556","city":"Austin","state":"TX","zipCode":"78701","rateCenter":"AUSTIN","limit":1}`,
			searchBody([]map[string]any{austin("556", 0, 1)}, 20)},
		{"no match", `{"npa":"512","city":"Dallas"}`, `{"groups":[],"total":0}`},
		{"unknown npa", `{"npa":"999"}`, `{"groups":[],"total":0}`},
		{"assigned numbers are not inventory", `{"npa":"555"}`, `{"groups":[],"total":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, nil, request{method: "POST", path: "/api/core/numbers/search", token: tok, body: tt.body})
			wantJSON(t, r, 200, tt.want)
		})
	}

	t.Run("assigning removes from the inventory", func(t *testing.T) {
		if err := e.db.AssignNumber(e.ctx, "num_15125550100", otherID); err != nil {
			t.Fatal(err)
		}
		r := e.post(t, "/api/core/numbers/search", tok, `{"npa":"512","nxx":"555","limit":2}`)
		wantJSON(t, r, 200, searchBody([]map[string]any{austin("555", 1, 2)}, 19))
	})
}

func TestSearchNumbersInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	tests := []struct {
		body, field, message string
	}{
		{`{"npa":"112"}`, "npa", "npa must be three digits, the first 2-9"},
		{`{"npa":"51"}`, "npa", "npa must be three digits, the first 2-9"},
		{`{"npa":"51a"}`, "npa", "npa must be three digits, the first 2-9"},
		{`{"nxx":"055"}`, "nxx", "nxx must be three digits, the first 2-9"},
		{`{"nxx":"5555"}`, "nxx", "nxx must be three digits, the first 2-9"},
		{`{"state":"T"}`, "state", "state must be two letters"},
		{`{"state":"T1"}`, "state", "state must be two letters"},
		{`{"state":"TEX"}`, "state", "state must be two letters"},
		{`{"zipCode":"7870"}`, "zipCode", "zipCode must be five digits"},
		{`{"zipCode":"7870a"}`, "zipCode", "zipCode must be five digits"},
		{`{"limit":0}`, "limit", "limit must be an integer from 1 to 100"},
		{`{"limit":101}`, "limit", "limit must be an integer from 1 to 100"},
		{`{"limit":-1}`, "limit", "limit must be an integer from 1 to 100"},
		{`{"limit":1.5}`, "limit", "limit must be an integer"},
		{`{"npa":512}`, "npa", "npa must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			r := e.post(t, "/api/core/numbers/search", tok, tt.body)
			wantCore(t, r, 400, redcloud.CodeInvalidRequest, tt.message, map[string]any{"field": tt.field})
		})
	}
}

func TestUpdateNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	number := func(campaign, inbound, delivery string) string {
		b, _ := json.Marshal(map[string]any{"numberId": numberID, "e164": numberE164, "status": "ACTIVE",
			"campaignRegId": nullable(campaign), "smsEnabled": true, "mmsEnabled": true,
			"webhookInboundOverride": nullable(inbound), "webhookDeliveryOverride": nullable(delivery)})
		return string(b)
	}
	// Steps run in order: each starts from the state the previous left.
	steps := []struct {
		name, body string
		want       string
	}{
		{"set campaign", `{"campaignregId":"NEWCAMP"}`, number("NEWCAMP", "", "")},
		{"set delivery override", `{"webhookDeliveryOverride":"https://example.com/webhooks/delivery"}`,
			number("NEWCAMP", "", "https://example.com/webhooks/delivery")},
		{"set inbound override over http (sandbox)", `{"webhookInboundOverride":"http://127.0.0.1:8080/in?x=1&y=2"}`,
			number("NEWCAMP", "http://127.0.0.1:8080/in?x=1&y=2", "https://example.com/webhooks/delivery")},
		{"clear campaign", `{"campaignregId":null}`, number("", "http://127.0.0.1:8080/in?x=1&y=2", "https://example.com/webhooks/delivery")},
		{"all three", `{"campaignregId":"A1B2C3","webhookInboundOverride":null,"webhookDeliveryOverride":null}`, number("A1B2C3", "", "")},
		{"64 characters", `{"campaignregId":"` + strings.Repeat("c", 64) + `"}`, number(strings.Repeat("c", 64), "", "")},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			wantJSON(t, e.patch(t, "/api/core/numbers/"+numberID, tok, s.body), 200, s.want)
			// The list shows the same state.
			wantJSON(t, e.get(t, "/api/core/numbers", tok), 200, `{"numbers":[`+s.want+`]}`)
		})
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestUpdateNumberInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	tests := []struct {
		name, path, body string
		status           int
		code, message    string
		details          map[string]any
	}{
		{"no field", numberID, `{}`, 400, redcloud.CodeInvalidRequest,
			"at least one of campaignregId, webhookInboundOverride, webhookDeliveryOverride is required", nil},
		{"campaignRegId spelling", numberID, `{"campaignRegId":"X"}`, 400, redcloud.CodeInvalidRequest,
			"unknown field campaignRegId; the request field is spelled campaignregId", map[string]any{"field": "campaignRegId", "reason": "unknown_field"}},
		{"smsEnabled", numberID, `{"smsEnabled":false}`, 400, redcloud.CodeInvalidRequest, "field smsEnabled cannot be updated", map[string]any{"field": "smsEnabled"}},
		{"mmsEnabled", numberID, `{"mmsEnabled":false}`, 400, redcloud.CodeInvalidRequest, "field mmsEnabled cannot be updated", map[string]any{"field": "mmsEnabled"}},
		{"status", numberID, `{"status":"SUSPENDED"}`, 400, redcloud.CodeInvalidRequest, "field status cannot be updated", map[string]any{"field": "status"}},
		{"e164", numberID, `{"e164":"+15550000000","campaignregId":"X"}`, 400, redcloud.CodeInvalidRequest, "field e164 cannot be updated", map[string]any{"field": "e164"}},
		{"empty campaign", numberID, `{"campaignregId":""}`, 400, redcloud.CodeInvalidRequest, "campaignregId must be 1-64 characters", map[string]any{"field": "campaignregId"}},
		{"long campaign", numberID, `{"campaignregId":"` + strings.Repeat("c", 65) + `"}`, 400, redcloud.CodeInvalidRequest,
			"campaignregId must be 1-64 characters", map[string]any{"field": "campaignregId"}},
		{"campaign not a string", numberID, `{"campaignregId":5}`, 400, redcloud.CodeInvalidRequest,
			"campaignregId must be a string or null", map[string]any{"field": "campaignregId"}},
		{"URL with credentials", numberID, `{"webhookDeliveryOverride":"https://user:pass@example.com/hook"}`, 400, redcloud.CodeInvalidRequest,
			"webhookDeliveryOverride must not contain credentials", map[string]any{"field": "webhookDeliveryOverride"}},
		{"relative URL", numberID, `{"webhookInboundOverride":"/hook"}`, 400, redcloud.CodeInvalidRequest,
			"webhookInboundOverride must be an absolute URL", map[string]any{"field": "webhookInboundOverride"}},
		{"ftp URL", numberID, `{"webhookInboundOverride":"ftp://example.com/hook"}`, 400, redcloud.CodeInvalidRequest,
			"webhookInboundOverride must be an http or https URL", map[string]any{"field": "webhookInboundOverride"}},
		{"URL over 2048", numberID, `{"webhookInboundOverride":"https://example.com/` + strings.Repeat("a", 2048) + `"}`, 400, redcloud.CodeInvalidRequest,
			"webhookInboundOverride must be at most 2048 characters", map[string]any{"field": "webhookInboundOverride"}},
		{"other client's number", otherNumber, `{"campaignregId":"X"}`, 403, redcloud.CodeForbidden,
			"numberId is not owned by this API client", map[string]any{"field": "numberId"}},
		{"inventory number", "num_15125550100", `{"campaignregId":"X"}`, 403, redcloud.CodeForbidden,
			"numberId is not owned by this API client", map[string]any{"field": "numberId"}},
		{"nonexistent number", "num_nope", `{"campaignregId":"X"}`, 403, redcloud.CodeForbidden,
			"numberId is not owned by this API client", map[string]any{"field": "numberId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCore(t, e.patch(t, "/api/core/numbers/"+tt.path, tok, tt.body), tt.status, tt.code, tt.message, tt.details)
		})
	}
	// Nothing changed anywhere.
	wantJSON(t, e.get(t, "/api/core/numbers", tok), 200, `{"numbers":[`+sandboxNumber+`]}`)
	n, err := e.db.GetNumber(e.ctx, otherNumber)
	if err != nil || n.CampaignRegID == nil || *n.CampaignRegID != "A1B2C3" {
		t.Errorf("other client's number changed: %+v %v", n, err)
	}
}

func TestUpdateNumberOutsideSandbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutSandbox())
	tok := e.sandboxToken(t)
	wantCore(t, e.patch(t, "/api/core/numbers/"+numberID, tok, `{"webhookDeliveryOverride":"http://example.com/hook"}`), 400,
		redcloud.CodeInvalidRequest, "webhookDeliveryOverride must be an https URL", map[string]any{"field": "webhookDeliveryOverride"})
	r := e.patch(t, "/api/core/numbers/"+numberID, tok, `{"webhookDeliveryOverride":"https://example.com/hook"}`)
	if r.status != http.StatusOK {
		t.Errorf("https URL: %d %s", r.status, r.body)
	}
}
