package platform_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

func TestReceiveInboundKeyword(t *testing.T) {
	now := time.Date(2026, 11, 26, 7, 4, 24, 0, time.UTC)
	c := platform.APIClient{ID: "rc_test_client_123", InboundURL: ptr("https://client.example/in")}
	n := platform.Number{ID: "num_abc123", E164: "+15551234567", APIClientID: c.ID}
	from := "+15557654321"
	custom := c
	custom.KeywordReplies = platform.KeywordReplies{OptOut: "Acme: unsubscribed. Text START to rejoin.", Help: "Acme help: acme.example/sms"}
	tests := []struct {
		name     string
		client   platform.APIClient
		in       platform.InboundInput
		typ      string // "" = no keyword action
		reply    string
		suppress bool
		lift     bool
	}{
		{"stop", c, platform.InboundInput{From: from, Text: " Stop! "}, webhook.KeywordOptOut, platform.ReplyOptOut, true, false},
		{"start", c, platform.InboundInput{From: from, Text: "START"}, webhook.KeywordOptIn, platform.ReplyOptIn, false, true},
		{"help", c, platform.InboundInput{From: from, Text: "info"}, webhook.KeywordHelp, platform.ReplyHelp, false, false},
		{"custom stop", custom, platform.InboundInput{From: from, Text: "STOP"}, webhook.KeywordOptOut, custom.KeywordReplies.OptOut, true, false},
		{"custom help", custom, platform.InboundInput{From: from, Text: "HELP"}, webhook.KeywordHelp, custom.KeywordReplies.Help, false, false},
		{"start, no custom text", custom, platform.InboundInput{From: from, Text: "start"}, webhook.KeywordOptIn, platform.ReplyOptIn, false, true},
		{"not a keyword", c, platform.InboundInput{From: from, Text: "stop 12345"}, "", "", false, false},
		{"unowned number", platform.APIClient{}, platform.InboundInput{From: from, Text: "STOP"}, "", "", false, false},
		{"MMS", c, platform.InboundInput{From: from, Text: "STOP", MediaURLs: []string{"https://x.example/a.png"}}, "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := platform.ReceiveInbound(tt.client, n, tt.in, now)
			var body struct {
				Keyword *webhook.Keyword `json:"keyword"`
			}
			if err := json.Unmarshal(r.Event.Body, &body); err != nil {
				t.Fatal(err)
			}
			if tt.typ == "" {
				if r.Keyword != nil || body.Keyword != nil {
					t.Errorf("keyword action %+v, body keyword %+v; want none", r.Keyword, body.Keyword)
				}
				return
			}
			a := r.Keyword
			if a == nil || a.Keyword.Type != tt.typ || body.Keyword == nil || body.Keyword.Type != tt.typ ||
				body.Keyword.Matched != a.Keyword.Matched {
				t.Fatalf("keyword action %+v, body keyword %+v; want type %s", a, body.Keyword, tt.typ)
			}
			if (a.Suppress != nil) != tt.suppress || a.Lift != tt.lift {
				t.Errorf("suppress %+v lift %v; want %v %v", a.Suppress, a.Lift, tt.suppress, tt.lift)
			}
			if s := a.Suppress; s != nil && (s.APIClientID != c.ID || s.E164 != from || s.Source != platform.SuppressionKeyword ||
				s.Keyword != "STOP" || s.NumberID != n.ID || s.InboundMessageID != r.Message.ID) {
				t.Errorf("suppression %+v", s)
			}
			m := a.Reply
			if !m.KeywordReply || m.Status != redcloud.MessageQueued || m.Direction != platform.Outbound ||
				m.From != n.E164 || m.To != from || m.Text != tt.reply || m.NumberID != n.ID || m.APIClientID != c.ID ||
				m.NextAttemptAt == nil || a.ReplyEvent.MessageID != m.ID || a.ReplyEvent.Type != webhook.TypeQueued {
				t.Errorf("reply %+v event %+v", m, a.ReplyEvent)
			}
		})
	}
}
