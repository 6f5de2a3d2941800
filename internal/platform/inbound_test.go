package platform_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

func TestDecodeInbound(t *testing.T) {
	urls := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("http://localhost/%d.png", i)
		}
		return out
	}
	media := func(n int) string { return string(mustJSON(t, urls(n))) }
	tests := []struct {
		name   string
		body   string
		msg    string // "" when valid
		field  string
		reason string
		want   platform.InboundInput
	}{
		{name: "by numberId", body: `{"numberId":"num_abc123","from":"+15557654321","text":"STOP"}`,
			want: platform.InboundInput{NumberID: "num_abc123", From: "+15557654321", Text: "STOP"}},
		{name: "by to, media only, http allowed", body: `{"to":"+15551234567","from":"+15557654321","mediaUrls":["http://localhost/a.png"]}`,
			want: platform.InboundInput{To: "+15551234567", From: "+15557654321", MediaURLs: []string{"http://localhost/a.png"}}},
		{name: "text 1600 characters", body: `{"numberId":"num_abc123","from":"+15557654321","text":"` + strings.Repeat("é", 1600) + `"}`,
			want: platform.InboundInput{NumberID: "num_abc123", From: "+15557654321", Text: strings.Repeat("é", 1600)}},
		{name: "neither numberId nor to", body: `{"from":"+15557654321","text":"hi"}`, msg: "exactly one of numberId and to is required", field: "numberId"},
		{name: "both numberId and to", body: `{"numberId":"num_abc123","to":"+15551234567","from":"+15557654321","text":"hi"}`,
			msg: "exactly one of numberId and to is required", field: "numberId"},
		{name: "to not E.164", body: `{"to":"15551234567","from":"+15557654321","text":"hi"}`, msg: "to must be an E.164 phone number", field: "to"},
		{name: "from missing", body: `{"numberId":"num_abc123","text":"hi"}`, msg: "from must be an E.164 phone number", field: "from"},
		{name: "from not E.164", body: `{"numberId":"num_abc123","from":"+0555","text":"hi"}`, msg: "from must be an E.164 phone number", field: "from"},
		{name: "neither text nor media", body: `{"numberId":"num_abc123","from":"+15557654321"}`, msg: "text or mediaUrls is required", field: "text"},
		{name: "text 1601 characters", body: `{"numberId":"num_abc123","from":"+15557654321","text":"` + strings.Repeat("é", 1601) + `"}`,
			msg: "text must be at most 1600 characters", field: "text"},
		{name: "10 media", body: `{"numberId":"num_abc123","from":"+15557654321","mediaUrls":` + media(10) + `}`,
			want: platform.InboundInput{NumberID: "num_abc123", From: "+15557654321", MediaURLs: urls(10)}},
		{name: "11 media", body: `{"numberId":"num_abc123","from":"+15557654321","mediaUrls":` + media(11) + `}`,
			msg: "mediaUrls must have at most 10 entries", field: "mediaUrls"},
		{name: "ftp media", body: `{"numberId":"num_abc123","from":"+15557654321","mediaUrls":["http://localhost/a","ftp://x/b"]}`,
			msg: "mediaUrls[1] must be an absolute http or https URL", field: "mediaUrls[1]"},
		{name: "media with a number element", body: `{"numberId":"num_abc123","from":"+15557654321","mediaUrls":[1]}`,
			msg: "mediaUrls must be an array of strings", field: "mediaUrls"},
		{name: "text number", body: `{"numberId":"num_abc123","from":"+15557654321","text":1}`, msg: "text must be a string", field: "text"},
		{name: "unknown field", body: `{"numberId":"num_abc123","from":"+15557654321","text":"hi","sendFrom":"x"}`,
			msg: "unknown field sendFrom", field: "sendFrom", reason: "unknown_field"},
		{name: "empty body", body: ``, msg: "request body is required"},
		{name: "array body", body: `[]`, msg: "request body must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := platform.DecodeInbound([]byte(tt.body))
			if tt.msg != "" {
				wantErr(t, err, tt.msg, tt.field)
				wantReason(t, err, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("DecodeInbound = %v, want no error", err)
			}
			if got.NumberID != tt.want.NumberID || got.To != tt.want.To || got.From != tt.want.From || got.Text != tt.want.Text ||
				strings.Join(got.MediaURLs, " ") != strings.Join(tt.want.MediaURLs, " ") {
				t.Errorf("DecodeInbound = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewInbound(t *testing.T) {
	now := time.Date(2026, 11, 26, 7, 4, 24, 123456789, time.FixedZone("X", 3600))
	wantNow := now.UTC().Truncate(time.Millisecond)
	c := platform.APIClient{ID: "rc_test_client_123", InboundURL: ptr("https://client.example/in"), DeliveryURL: ptr("https://client.example/d")}
	tests := []struct {
		name     string
		override *string
		client   platform.APIClient
		in       platform.InboundInput
		wantType string
		wantURL  string
	}{
		{"text to the client URL", nil, c, platform.InboundInput{From: "+15557654321", Text: "STOP"}, "SMS", "https://client.example/in"},
		{"media to the override", ptr("https://num.example/in"), c,
			platform.InboundInput{From: "+15557654321", MediaURLs: []string{"https://x.example/a.png"}}, "MMS", "https://num.example/in"},
		{"nowhere", nil, platform.APIClient{ID: "rc_x"}, platform.InboundInput{From: "+15557654321", Text: "hi"}, "SMS", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := platform.Number{ID: "num_abc123", E164: "+15551234567", APIClientID: tt.client.ID, WebhookInboundOverride: tt.override,
				WebhookDeliveryOverride: ptr("https://wrong.example/")}
			m, e, d := platform.NewInbound(tt.client, n, tt.in, now)
			if !msgID.MatchString(m.ID) || m.Direction != platform.Inbound || m.APIClientID != tt.client.ID || m.NumberID != n.ID ||
				m.From != tt.in.From || m.To != n.E164 || m.MessageType != tt.wantType || m.Status != redcloud.MessageReceived ||
				m.Sequence != 1 || m.NextAttemptAt != nil || !m.CreatedAt.Equal(wantNow) || m.MediaURLs == nil {
				t.Errorf("message = %+v", m)
			}
			ev, err := webhook.ParseEvent(e.Body)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != webhook.TypeInbound || e.Type != webhook.TypeInbound || ev.EventID != e.ID || ev.MessageID != m.ID ||
				ev.Sequence != 1 || !ev.Terminal || ev.Text != tt.in.Text || ev.To != n.E164 || ev.From != tt.in.From ||
				!ev.CreatedAt.Equal(wantNow) {
				t.Errorf("event body = %+v", ev)
			}
			if d.URL != tt.wantURL || d.EventID != e.ID {
				t.Errorf("delivery = %+v, want to %q", d, tt.wantURL)
			}
			wantState := platform.DeliveryPending
			if tt.wantURL == "" {
				wantState = platform.DeliveryNoEndpoint
			}
			if d.State != wantState {
				t.Errorf("delivery state = %s, want %s", d.State, wantState)
			}
		})
	}
}

func TestDecodeWebhookURLs(t *testing.T) {
	tests := []struct {
		name              string
		body              string
		sandbox           bool
		msg               string
		field             string
		reason            string
		delivery, inbound any // as in checkPatch
	}{
		{name: "set both", body: `{"deliveryUrl":"https://h.example/d","inboundUrl":"https://h.example/i"}`,
			delivery: "https://h.example/d", inbound: "https://h.example/i"},
		{name: "set delivery only", body: `{"deliveryUrl":"https://h.example/d"}`, delivery: "https://h.example/d"},
		{name: "clear inbound only", body: `{"inboundUrl":null}`, inbound: clear},
		{name: "http in sandbox", sandbox: true, body: `{"deliveryUrl":"http://127.0.0.1:9000/d"}`, delivery: "http://127.0.0.1:9000/d"},
		{name: "http outside sandbox", body: `{"deliveryUrl":"http://h.example/d"}`, msg: "deliveryUrl must be an https URL", field: "deliveryUrl"},
		{name: "credentials", sandbox: true, body: `{"inboundUrl":"http://u:p@localhost/i"}`, msg: "inboundUrl must not contain credentials", field: "inboundUrl"},
		{name: "relative", sandbox: true, body: `{"inboundUrl":"/i"}`, msg: "inboundUrl must be an absolute URL", field: "inboundUrl"},
		{name: "number", body: `{"deliveryUrl":1}`, msg: "deliveryUrl must be a string or null", field: "deliveryUrl"},
		{name: "empty object", body: `{}`, msg: "at least one of deliveryUrl and inboundUrl is required"},
		{name: "unknown field", body: `{"deliveryUrl":null,"secret":"x"}`, msg: "unknown field secret", field: "secret", reason: "unknown_field"},
		{name: "null body", body: `null`, msg: "request body must be a JSON object"},
		{name: "empty body", body: ``, msg: "request body is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := platform.DecodeWebhookURLs([]byte(tt.body), tt.sandbox)
			if tt.msg != "" {
				wantErr(t, err, tt.msg, tt.field)
				wantReason(t, err, tt.reason)
				return
			}
			if err != nil {
				t.Fatalf("DecodeWebhookURLs = %v", err)
			}
			checkPatch(t, "deliveryUrl", in.DeliveryURL, tt.delivery)
			checkPatch(t, "inboundUrl", in.InboundURL, tt.inbound)
		})
	}
}

func TestDecodeWebhookURLsReportsOneFieldDeterministically(t *testing.T) {
	body := []byte(`{"z":1,"y":2,"x":3,"w":4,"b":5,"a":6}`)
	for range 50 {
		_, err := platform.DecodeWebhookURLs(body, true)
		wantErr(t, err, "unknown field a", "a")
		if t.Failed() {
			return
		}
	}
}
