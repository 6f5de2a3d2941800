package platform_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// storable is what every string a decoder accepts must be: the databases
// store it unchanged (PostgreSQL text holds neither U+0000 nor invalid
// UTF-8).
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// Seeds stay small: the fuzzer minimizes every new input it finds, and a
// seed of kilobytes makes that take most of a 10 s CI run (the length
// limits are covered by the table tests).

// FuzzDecodeInbound: the sandbox inbound body. Every error is a well-formed
// INVALID_REQUEST; every accepted body satisfies the rules of CONTRACT §9–10
// and decodes to the same value from its own JSON form.
func FuzzDecodeInbound(f *testing.F) {
	for _, s := range []string{
		`{"numberId":"num_abc123","from":"+15557654321","text":"STOP"}`,
		`{"to":"+15551234567","from":"+15557654321","mediaUrls":["http://localhost/a.png","https://h.example/b"]}`,
		`{"numberId":"num_abc123","to":"+15551234567","from":"+15557654321","text":"hi"}`,
		`{"numberId":"num_abc123","from":"+15557654321","text":"a\u0000b"}`,
		`{"numberId":"num_\u0000","from":"+15557654321","text":"x"}`,
		"{\"numberId\":\"num_abc123\",\"from\":\"+15557654321\",\"text\":\"\xff\xfe\"}",
		`{"numberId":"num_abc123","from":"+15557654321","mediaUrls":["ftp://x/y",1]}`,
		`{"numberId":"num_abc123","from":"+15557654321","text":"x","numberId":"num_def456"}`,
		`{"NUMBERID":"num_abc123","from":"+15557654321","text":"x"}`,
		`{"to":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}`,
		`{} {}`, `null`, ``, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := platform.DecodeInbound(body)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if (in.NumberID == "") == (in.To == "") {
			t.Fatalf("accepted %+v: want exactly one of numberId and to", in)
		}
		if in.To != "" && !platform.ValidE164(in.To) || !platform.ValidE164(in.From) {
			t.Fatalf("accepted to %q / from %q that are not E.164", in.To, in.From)
		}
		if in.Text == "" && len(in.MediaURLs) == 0 {
			t.Fatal("accepted an inbound message without text or media")
		}
		if utf8.RuneCountInString(in.Text) > platform.MaxTextChars || len(in.MediaURLs) > platform.MaxMediaURLs {
			t.Fatalf("accepted %d characters and %d media", utf8.RuneCountInString(in.Text), len(in.MediaURLs))
		}
		for _, s := range append([]string{in.NumberID, in.To, in.From, in.Text}, in.MediaURLs...) {
			if !storable(s) {
				t.Fatalf("accepted %q: NUL or invalid UTF-8 would fail the database", s)
			}
		}
		for _, m := range in.MediaURLs {
			u, perr := url.Parse(m)
			if perr != nil || u.Host == "" || u.User != nil || u.Scheme != "http" && u.Scheme != "https" {
				t.Fatalf("accepted media URL %q", m)
			}
		}
		again, err := platform.DecodeInbound(mustJSON(t, in))
		if err != nil {
			t.Fatalf("the JSON form of an accepted body does not decode: %v", err)
		}
		if again.NumberID != in.NumberID || again.To != in.To || again.From != in.From || again.Text != in.Text ||
			strings.Join(again.MediaURLs, "\n") != strings.Join(in.MediaURLs, "\n") {
			t.Fatalf("round trip %+v → %+v", in, again)
		}
	})
}

// FuzzDecodeWebhookURLs: the sandbox webhooks body. Every error is a
// well-formed INVALID_REQUEST; every accepted body sets or clears at least
// one URL, and every URL it sets passes the save-time rules (§8.6) for the
// mode it was decoded in.
func FuzzDecodeWebhookURLs(f *testing.F) {
	for _, s := range []struct {
		body    string
		sandbox bool
	}{
		{`{"deliveryUrl":"https://h.example/d","inboundUrl":"https://h.example/i"}`, false},
		{`{"deliveryUrl":"http://127.0.0.1:9000/d"}`, true},
		{`{"deliveryUrl":"http://127.0.0.1:9000/d"}`, false},
		{`{"inboundUrl":null}`, false},
		{`{"inboundUrl":"https://u:p@h.example/i"}`, true},
		{`{"inboundUrl":"https://h.example/\u0000"}`, true},
		{`{"inboundUrl":"http://169.254.169.254/latest/meta-data/"}`, true},
		{`{"deliveryUrl":1,"inboundUrl":{}}`, false},
		{`{"deliveryURL":"https://h.example/d"}`, false},
		{`{"deliveryUrl":"https://a.example/","deliveryUrl":"https://b.example/"}`, false},
		{`{}`, false}, {`null`, true}, {``, false},
	} {
		f.Add([]byte(s.body), s.sandbox)
	}
	f.Fuzz(func(t *testing.T, body []byte, sandbox bool) {
		in, err := platform.DecodeWebhookURLs(body, sandbox)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if in.DeliveryURL == nil && in.InboundURL == nil {
			t.Fatal("accepted a body that changes nothing")
		}
		for _, u := range []**string{in.DeliveryURL, in.InboundURL} {
			if u == nil || *u == nil {
				continue
			}
			if msg := platform.CheckWebhookURL(**u, sandbox); msg != "" {
				t.Fatalf("accepted URL %q that %s", **u, msg)
			}
			if !storable(**u) {
				t.Fatalf("accepted URL %q with NUL or invalid UTF-8", **u)
			}
			if !sandbox && !strings.HasPrefix(**u, "https://") {
				t.Fatalf("accepted %q outside sandbox mode", **u)
			}
		}
	})
}

// TestDecodersRefuseNULAndInvalidUTF8: every request decoder answers 400 for
// a string holding U+0000 and for a body that is not UTF-8, instead of
// handing either to the database (PostgreSQL refuses both, which would be a
// 500) or silently replacing bytes (which would change the message and let
// two payloads share a fingerprint).
func TestDecodersRefuseNULAndInvalidUTF8(t *testing.T) {
	decoders := map[string]func([]byte) *platform.Error{
		"send": func(b []byte) *platform.Error { _, err := platform.DecodeSend(b, true); return err },
		"search": func(b []byte) *platform.Error {
			_, err := platform.DecodeSearch(b)
			return err
		},
		"number update": func(b []byte) *platform.Error { _, err := platform.DecodeNumberUpdate(b, true); return err },
		"inbound":       func(b []byte) *platform.Error { _, err := platform.DecodeInbound(b); return err },
		"webhooks":      func(b []byte) *platform.Error { _, err := platform.DecodeWebhookURLs(b, true); return err },
	}
	tests := []struct {
		decoder, body, msg, field string
	}{
		{"send", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"a\u0000b"}`, "text must not contain NUL characters", "text"},
		{"send", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"x","externalReference":"\u0000"}`,
			"externalReference must not contain NUL characters", "externalReference"},
		{"send", `{"sendFrom":"num_abc123","to":["+15551234567","+1\u0000"],"messageType":"SMS","text":"x"}`, "to must not contain NUL characters", "to"},
		{"send", "{\"sendFrom\":\"num_abc123\",\"to\":[\"+15551234567\"],\"messageType\":\"SMS\",\"text\":\"\xff\"}", "request body must be valid UTF-8", ""},
		{"search", `{"city":"Austin\u0000"}`, "city must not contain NUL characters", "city"},
		{"search", "{\"city\":\"\xc3\"}", "request body must be valid UTF-8", ""},
		{"number update", `{"campaignregId":"A1\u0000"}`, "campaignregId must not contain NUL characters", "campaignregId"},
		{"number update", "{\"campaignregId\":\"\xed\xa0\x80\"}", "request body must be valid UTF-8", ""}, // an encoded surrogate
		{"inbound", `{"numberId":"num_\u0000","from":"+15557654321","text":"x"}`, "numberId must not contain NUL characters", "numberId"},
		{"inbound", `{"numberId":"num_abc123","from":"+15557654321","text":"STOP\u0000"}`, "text must not contain NUL characters", "text"},
		{"webhooks", `{"deliveryUrl":"https://h.example/\u0000"}`, "deliveryUrl must not contain NUL characters", "deliveryUrl"},
		{"webhooks", "{\"inboundUrl\":\"https://h.example/\xff\"}", "request body must be valid UTF-8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.decoder+" "+tt.msg, func(t *testing.T) {
			wantErr(t, decoders[tt.decoder]([]byte(tt.body)), tt.msg, tt.field)
		})
	}
	// An escaped backslash before "u0000" is six characters of text, not NUL.
	in, err := platform.DecodeSend([]byte(`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"\\u0000"}`), false)
	if err != nil || in.Text != `\u0000` {
		t.Errorf("text \\\\u0000 = %q, %v; want the six characters accepted", in.Text, err)
	}
	// Valid multi-byte text still passes, and a replacement character sent as
	// such is the caller's own.
	for _, text := range []string{"héllo 😀", "\ufffd"} {
		b, _ := json.Marshal(map[string]any{"sendFrom": "num_abc123", "to": []string{"+15551234567"}, "messageType": "SMS", "text": text})
		if in, err := platform.DecodeSend(b, false); err != nil || in.Text != text {
			t.Errorf("text %q = %q, %v", text, in.Text, err)
		}
	}
}
