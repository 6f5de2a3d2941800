package platform_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestDecodeSearch(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		msg       string // "" when valid
		field     string
		reason    string
		wantLimit int
	}{
		{name: "empty body", body: "", wantLimit: 20},
		{name: "whitespace body", body: " \n", wantLimit: 20},
		{name: "empty object", body: "{}", wantLimit: 20},
		{name: "every filter", body: `{"npa":"512","nxx":"555","city":"Austin","state":"tx","zipCode":"78701","rateCenter":"AUSTIN","limit":5}`, wantLimit: 5},
		{name: "limit 1", body: `{"limit":1}`, wantLimit: 1},
		{name: "limit 100", body: `{"limit":100}`, wantLimit: 100},
		{name: "limit null is the default", body: `{"limit":null}`, wantLimit: 20},
		{name: "limit 0", body: `{"limit":0}`, msg: "limit must be an integer from 1 to 100", field: "limit"},
		{name: "limit 101", body: `{"limit":101}`, msg: "limit must be an integer from 1 to 100", field: "limit"},
		{name: "limit -1", body: `{"limit":-1}`, msg: "limit must be an integer from 1 to 100", field: "limit"},
		{name: "limit string", body: `{"limit":"20"}`, msg: "limit must be an integer", field: "limit"},
		{name: "limit fraction", body: `{"limit":1.5}`, msg: "limit must be an integer", field: "limit"},
		{name: "limit huge", body: `{"limit":1e30}`, msg: "limit must be an integer", field: "limit"},
		{name: "npa first digit 1", body: `{"npa":"155"}`, msg: "npa must be three digits, the first 2-9", field: "npa"},
		{name: "npa first digit 0", body: `{"npa":"055"}`, msg: "npa must be three digits, the first 2-9", field: "npa"},
		{name: "npa two digits", body: `{"npa":"51"}`, msg: "npa must be three digits, the first 2-9", field: "npa"},
		{name: "npa four digits", body: `{"npa":"5122"}`, msg: "npa must be three digits, the first 2-9", field: "npa"},
		{name: "npa letter", body: `{"npa":"5a2"}`, msg: "npa must be three digits, the first 2-9", field: "npa"},
		{name: "npa number", body: `{"npa":512}`, msg: "npa must be a string", field: "npa"},
		{name: "nxx first digit 1", body: `{"nxx":"155"}`, msg: "nxx must be three digits, the first 2-9", field: "nxx"},
		{name: "nxx letters", body: `{"nxx":"abc"}`, msg: "nxx must be three digits, the first 2-9", field: "nxx"},
		{name: "state one letter", body: `{"state":"T"}`, msg: "state must be two letters", field: "state"},
		{name: "state three letters", body: `{"state":"TEX"}`, msg: "state must be two letters", field: "state"},
		{name: "state digit", body: `{"state":"T1"}`, msg: "state must be two letters", field: "state"},
		{name: "state non-ASCII", body: `{"state":"TÉ"}`, msg: "state must be two letters", field: "state"},
		{name: "zipCode four digits", body: `{"zipCode":"7870"}`, msg: "zipCode must be five digits", field: "zipCode"},
		{name: "zipCode six digits", body: `{"zipCode":"787011"}`, msg: "zipCode must be five digits", field: "zipCode"},
		{name: "zipCode ZIP+4", body: `{"zipCode":"78701-1234"}`, msg: "zipCode must be five digits", field: "zipCode"},
		{name: "city 100 chars", body: `{"city":"` + strings.Repeat("a", 100) + `"}`, wantLimit: 20},
		{name: "city 100 two-byte chars", body: `{"city":"` + strings.Repeat("é", 100) + `"}`, wantLimit: 20},
		{name: "city 101 chars", body: `{"city":"` + strings.Repeat("a", 101) + `"}`, msg: "city must be at most 100 characters", field: "city"},
		{name: "rateCenter 101 chars", body: `{"rateCenter":"` + strings.Repeat("a", 101) + `"}`, msg: "rateCenter must be at most 100 characters", field: "rateCenter"},
		{name: "unknown field", body: `{"areaCode":"512"}`, msg: "unknown field areaCode", field: "areaCode", reason: "unknown_field"},
		{name: "null body", body: "null", msg: "request body must be a JSON object"},
		{name: "array body", body: "[]", msg: "request body must be a JSON object"},
		{name: "malformed", body: `{"npa":`, msg: "request body is not valid JSON"},
		{name: "trailing data", body: `{} {}`, msg: "request body must hold exactly one JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := platform.DecodeSearch([]byte(tt.body))
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("DecodeSearch(%s) = %v, want no error", tt.body, err)
				}
				if got := in.EffectiveLimit(); got != tt.wantLimit {
					t.Errorf("EffectiveLimit = %d, want %d", got, tt.wantLimit)
				}
				return
			}
			wantErr(t, err, tt.msg, tt.field)
			wantReason(t, err, tt.reason)
		})
	}
}

func TestDecodeSearchFields(t *testing.T) {
	in, err := platform.DecodeSearch([]byte(`{"npa":"512","nxx":"555","city":"austin","state":"tx","zipCode":"78701","rateCenter":"Austin"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := platform.SearchInput{NPA: "512", NXX: "555", City: "austin", State: "tx", ZipCode: "78701", RateCenter: "Austin"}
	if in.NPA != want.NPA || in.NXX != want.NXX || in.City != want.City || in.State != want.State ||
		in.ZipCode != want.ZipCode || in.RateCenter != want.RateCenter || in.Limit != nil {
		t.Errorf("DecodeSearch = %+v, want %+v", in, want)
	}
}

func FuzzDecodeSearch(f *testing.F) {
	f.Add([]byte(`{"npa":"512","nxx":"555","city":"Austin","state":"TX","zipCode":"78701","rateCenter":"AUSTIN","limit":5}`))
	f.Add([]byte(`{"limit":0}`))
	f.Add([]byte(`{"limit":"x"}`))
	f.Add([]byte(`{"limit":1e400}`))
	f.Add([]byte(`{"npa":1}`))
	f.Add([]byte(``))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := platform.DecodeSearch(body)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if l := in.EffectiveLimit(); l < 1 || l > platform.MaxSearchLimit {
			t.Fatalf("accepted limit %d", l)
		}
	})
}

func TestDecodeNumberUpdate(t *testing.T) {
	long := "https://hooks.example.com/" + strings.Repeat("a", 2048-len("https://hooks.example.com/"))
	// set/clear/absent expectations for the three fields.
	type want struct {
		campaign, inbound, delivery any // nil: absent; clear: set to null; string: set to it
	}
	tests := []struct {
		name    string
		body    string
		sandbox bool
		msg     string // "" when valid
		field   string
		reason  string
		want    want
	}{
		{name: "set campaignregId", body: `{"campaignregId":"A1B2C3"}`, want: want{campaign: "A1B2C3"}},
		{name: "clear campaignregId", body: `{"campaignregId":null}`, want: want{campaign: clear}},
		{name: "set inbound override", body: `{"webhookInboundOverride":"https://hooks.example.com/in"}`, want: want{inbound: "https://hooks.example.com/in"}},
		{name: "clear inbound override", body: `{"webhookInboundOverride":null}`, want: want{inbound: clear}},
		{name: "set delivery override", body: `{"webhookDeliveryOverride":"https://hooks.example.com/d"}`, want: want{delivery: "https://hooks.example.com/d"}},
		{name: "clear delivery override", body: `{"webhookDeliveryOverride":null}`, want: want{delivery: clear}},
		{name: "all three", body: `{"campaignregId":"X","webhookInboundOverride":null,"webhookDeliveryOverride":"https://h.example/d"}`,
			want: want{campaign: "X", inbound: clear, delivery: "https://h.example/d"}},
		{name: "campaignregId 64 chars", body: `{"campaignregId":"` + strings.Repeat("é", 64) + `"}`, want: want{campaign: strings.Repeat("é", 64)}},
		{name: "campaignregId 65 chars", body: `{"campaignregId":"` + strings.Repeat("é", 65) + `"}`, msg: "campaignregId must be 1-64 characters", field: "campaignregId"},
		{name: "campaignregId empty", body: `{"campaignregId":""}`, msg: "campaignregId must be 1-64 characters", field: "campaignregId"},
		{name: "campaignregId number", body: `{"campaignregId":5}`, msg: "campaignregId must be a string or null", field: "campaignregId"},
		{name: "override boolean", body: `{"webhookInboundOverride":false}`, msg: "webhookInboundOverride must be a string or null", field: "webhookInboundOverride"},

		{name: "empty object", body: `{}`, msg: "at least one of campaignregId, webhookInboundOverride, webhookDeliveryOverride is required"},
		{name: "empty body", body: ``, msg: "request body is required"},
		{name: "null body", body: `null`, msg: "request body must be a JSON object"},
		{name: "array body", body: `[{"campaignregId":"X"}]`, msg: "request body must be a JSON object"},
		{name: "malformed", body: `{"campaignregId":"X"`, msg: "request body is not valid JSON"},
		{name: "trailing data", body: `{"campaignregId":"X"}{}`, msg: "request body must hold exactly one JSON object"},

		{name: "campaignRegId (capital R)", body: `{"campaignRegId":"A1B2C3"}`,
			msg: "unknown field campaignRegId; the request field is spelled campaignregId", field: "campaignRegId", reason: "unknown_field"},
		{name: "CAMPAIGNREGID", body: `{"CAMPAIGNREGID":"A1B2C3"}`,
			msg: "unknown field CAMPAIGNREGID; the request field is spelled campaignregId", field: "CAMPAIGNREGID", reason: "unknown_field"},
		{name: "campaignRegId beside a valid field", body: `{"webhookInboundOverride":null,"campaignRegId":"A1B2C3"}`,
			msg: "unknown field campaignRegId; the request field is spelled campaignregId", field: "campaignRegId", reason: "unknown_field"},
		{name: "smsEnabled", body: `{"smsEnabled":false}`, msg: "field smsEnabled cannot be updated", field: "smsEnabled"},
		{name: "mmsEnabled", body: `{"mmsEnabled":true}`, msg: "field mmsEnabled cannot be updated", field: "mmsEnabled"},
		{name: "status", body: `{"status":"SUSPENDED"}`, msg: "field status cannot be updated", field: "status"},
		{name: "e164", body: `{"e164":"+15551234567"}`, msg: "field e164 cannot be updated", field: "e164"},
		{name: "numberId", body: `{"numberId":"num_x"}`, msg: "field numberId cannot be updated", field: "numberId"},

		// Webhook URL rules (CONTRACT §8.6).
		{name: "https", body: `{"webhookDeliveryOverride":"https://hooks.example.com:8443/d?x=1"}`, want: want{delivery: "https://hooks.example.com:8443/d?x=1"}},
		{name: "http outside sandbox", body: `{"webhookDeliveryOverride":"http://hooks.example.com/d"}`,
			msg: "webhookDeliveryOverride must be an https URL", field: "webhookDeliveryOverride"},
		{name: "http in sandbox", sandbox: true, body: `{"webhookDeliveryOverride":"http://localhost:9000/d"}`, want: want{delivery: "http://localhost:9000/d"}},
		{name: "ftp in sandbox", sandbox: true, body: `{"webhookInboundOverride":"ftp://localhost/d"}`,
			msg: "webhookInboundOverride must be an http or https URL", field: "webhookInboundOverride"},
		{name: "credentials", body: `{"webhookDeliveryOverride":"https://user:pw@hooks.example.com/d"}`,
			msg: "webhookDeliveryOverride must not contain credentials", field: "webhookDeliveryOverride"},
		{name: "credentials in sandbox", sandbox: true, body: `{"webhookInboundOverride":"http://user@localhost/d"}`,
			msg: "webhookInboundOverride must not contain credentials", field: "webhookInboundOverride"},
		{name: "2048 chars", body: `{"webhookDeliveryOverride":"` + long + `"}`, want: want{delivery: long}},
		{name: "2049 chars", body: `{"webhookDeliveryOverride":"` + long + `a"}`,
			msg: "webhookDeliveryOverride must be at most 2048 characters", field: "webhookDeliveryOverride"},
		{name: "relative", body: `{"webhookDeliveryOverride":"/hooks/d"}`,
			msg: "webhookDeliveryOverride must be an absolute URL", field: "webhookDeliveryOverride"},
		{name: "relative in sandbox", sandbox: true, body: `{"webhookDeliveryOverride":"localhost:9000/d"}`,
			msg: "webhookDeliveryOverride must be an absolute URL", field: "webhookDeliveryOverride"},
		{name: "no host", body: `{"webhookDeliveryOverride":"https:///d"}`,
			msg: "webhookDeliveryOverride must be an absolute URL", field: "webhookDeliveryOverride"},
		{name: "opaque", body: `{"webhookDeliveryOverride":"https:hooks.example.com"}`,
			msg: "webhookDeliveryOverride must be an absolute URL", field: "webhookDeliveryOverride"},
		{name: "empty URL", body: `{"webhookDeliveryOverride":""}`,
			msg: "webhookDeliveryOverride must be an absolute URL", field: "webhookDeliveryOverride"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := platform.DecodeNumberUpdate([]byte(tt.body), tt.sandbox)
			if tt.msg != "" {
				wantErr(t, err, tt.msg, tt.field)
				wantReason(t, err, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("DecodeNumberUpdate(%.100s) = %v, want no error", tt.body, err)
			}
			checkPatch(t, "campaignregId", in.CampaignRegID, tt.want.campaign)
			checkPatch(t, "webhookInboundOverride", in.WebhookInboundOverride, tt.want.inbound)
			checkPatch(t, "webhookDeliveryOverride", in.WebhookDeliveryOverride, tt.want.delivery)
		})
	}
}

// clear marks a field that the request sets to null.
var clear = struct{}{}

// checkPatch compares a decoded optional, nullable field with want: nil
// (absent), clear (null) or a string (set to it).
func checkPatch(t *testing.T, name string, got **string, want any) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if got != nil {
			t.Errorf("%s is set, want absent", name)
		}
	case struct{}:
		if got == nil || *got != nil {
			t.Errorf("%s is not cleared", name)
		}
	case string:
		if got == nil || *got == nil || **got != w {
			t.Errorf("%s is not set to %q", name, w)
		}
	}
}

func TestDecodeNumberUpdateReportsOneFieldDeterministically(t *testing.T) {
	body := []byte(`{"status":"SUSPENDED","e164":"+15551234567","smsEnabled":false,"mmsEnabled":false,"zz":1}`)
	for range 50 {
		_, err := platform.DecodeNumberUpdate(body, false)
		wantErr(t, err, "field e164 cannot be updated", "e164")
		if t.Failed() {
			return
		}
	}
}

func FuzzDecodeNumberUpdate(f *testing.F) {
	f.Add([]byte(`{"campaignregId":"A1B2C3","webhookInboundOverride":null,"webhookDeliveryOverride":"https://h.example/d"}`), false)
	f.Add([]byte(`{"webhookDeliveryOverride":"http://localhost:9000/d"}`), true)
	f.Add([]byte(`{"campaignRegId":"A1B2C3"}`), false)
	f.Add([]byte(`{"smsEnabled":true}`), false)
	f.Add([]byte(`{"webhookInboundOverride":"https://u:p@h.example/"}`), true)
	f.Add([]byte(`{}`), false)
	f.Add([]byte(`null`), false)
	f.Fuzz(func(t *testing.T, body []byte, sandbox bool) {
		in, err := platform.DecodeNumberUpdate(body, sandbox)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if in.CampaignRegID == nil && in.WebhookInboundOverride == nil && in.WebhookDeliveryOverride == nil {
			t.Fatal("accepted an update that changes nothing")
		}
		for _, u := range []**string{in.WebhookInboundOverride, in.WebhookDeliveryOverride} {
			if u != nil && *u != nil {
				if msg := platform.CheckWebhookURL(**u, sandbox); msg != "" {
					t.Fatalf("accepted URL %q that %s", **u, msg)
				}
			}
		}
	})
}
