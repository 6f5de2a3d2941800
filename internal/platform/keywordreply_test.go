package platform_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

func TestKeywordRepliesText(t *testing.T) {
	var none platform.KeywordReplies
	for typ, want := range map[string]string{webhook.KeywordOptOut: platform.ReplyOptOut,
		webhook.KeywordOptIn: platform.ReplyOptIn, webhook.KeywordHelp: platform.ReplyHelp} {
		if got := none.Text(typ); got != want {
			t.Errorf("default %s reply = %q, want %q", typ, got, want)
		}
	}
	r := platform.KeywordReplies{OptOut: "bye", OptIn: "hi", Help: "help"}
	for typ, want := range map[string]string{webhook.KeywordOptOut: "bye", webhook.KeywordOptIn: "hi", webhook.KeywordHelp: "help"} {
		if got := r.Text(typ); got != want {
			t.Errorf("custom %s reply = %q, want %q", typ, got, want)
		}
	}
}

func TestCheckKeywordReply(t *testing.T) {
	tests := []struct {
		name, in, want, problem string
	}{
		{"trimmed", "  Acme: you are unsubscribed.\n", "Acme: you are unsubscribed.", ""},
		{"line breaks", "Acme\r\nReply START to rejoin", "Acme\r\nReply START to rejoin", ""},
		{"3 GSM-7 segments", strings.Repeat("a", 459), strings.Repeat("a", 459), ""},
		{"3 UCS-2 segments", strings.Repeat("ж", 201), strings.Repeat("ж", 201), ""},
		{"blank", " \t\n", "", "must not be blank"},
		{"control", "Acme\x00", "Acme\x00", "control characters"},
		{"DEL", "Acme\x7f", "Acme\x7f", "control characters"},
		{"not UTF-8", "Acme \xff", "Acme \xff", "valid UTF-8"},
		{"4 GSM-7 segments", strings.Repeat("a", 460), strings.Repeat("a", 460), "is 4 SMS segments (GSM-7); at most 3"},
		{"4 UCS-2 segments", strings.Repeat("ж", 202), strings.Repeat("ж", 202), "is 4 SMS segments (UCS-2); at most 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := platform.CheckKeywordReply(tt.in)
			if got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
			if tt.problem == "" && problem != "" || !strings.Contains(problem, tt.problem) {
				t.Errorf("problem = %q, want %q", problem, tt.problem)
			}
		})
	}
}
