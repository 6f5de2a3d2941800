package platform_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// sendBody returns a valid SMS send body with edit applied to its fields;
// edit may delete fields or set them to anything JSON can encode.
func sendBody(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"sendFrom":    "num_abc123",
		"to":          []string{"+15551234567"},
		"messageType": "SMS",
		"text":        "hello",
	}
	if edit != nil {
		edit(m)
	}
	return mustJSON(t, m)
}

// mmsBody is sendBody for a valid MMS.
func mmsBody(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	return sendBody(t, func(m map[string]any) {
		m["messageType"] = "MMS"
		delete(m, "text")
		m["mediaUrls"] = []string{"https://cdn.example.com/a.png"}
		if edit != nil {
			edit(m)
		}
	})
}

// recipients returns n distinct valid recipients.
func recipients(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("+1555000%04d", i)
	}
	return out
}

// mediaURLs returns n distinct valid media URLs.
func mediaURLs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("https://cdn.example.com/%d.png", i)
	}
	return out
}

func TestDecodeSendErrors(t *testing.T) {
	const ok = ""
	const e = "é" // two bytes, one character
	tests := []struct {
		name      string
		body      []byte
		allowHTTP bool
		msg       string // "" when the body is valid
		field     string
		reason    string
	}{
		// JSON shape.
		{name: "empty body", body: []byte(""), msg: "request body is required"},
		{name: "whitespace body", body: []byte(" \n\t "), msg: "request body is required"},
		{name: "null body", body: []byte("null"), msg: "request body must be a JSON object"},
		{name: "top-level array", body: []byte(`[{"sendFrom":"num_abc123"}]`), msg: "request body must be a JSON object"},
		{name: "top-level string", body: []byte(`"num_abc123"`), msg: "request body must be a JSON object"},
		{name: "top-level number", body: []byte(`42`), msg: "request body must be a JSON object"},
		{name: "malformed JSON", body: []byte(`{"sendFrom":`), msg: "request body is not valid JSON"},
		{name: "malformed JSON, single quotes", body: []byte(`{'sendFrom':'num_abc123'}`), msg: "request body is not valid JSON"},
		{name: "trailing object", body: append(sendBody(t, nil), []byte(` {}`)...), msg: "request body must hold exactly one JSON object"},
		{name: "trailing garbage", body: append(sendBody(t, nil), []byte(`x`)...), msg: "request body must hold exactly one JSON object"},
		{name: "trailing whitespace is fine", body: append(sendBody(t, nil), []byte(" \n")...), msg: ok},
		{name: "unknown field", body: sendBody(t, func(m map[string]any) { m["from"] = "+15551234567" }),
			msg: "unknown field from", field: "from", reason: "unknown_field"},
		{name: "unknown field media_urls", body: sendBody(t, func(m map[string]any) { m["media_urls"] = []string{} }),
			msg: "unknown field media_urls", field: "media_urls", reason: "unknown_field"},

		// sendFrom.
		{name: "sendFrom missing", body: sendBody(t, func(m map[string]any) { delete(m, "sendFrom") }), msg: "sendFrom is required", field: "sendFrom"},
		{name: "sendFrom null", body: sendBody(t, func(m map[string]any) { m["sendFrom"] = nil }), msg: "sendFrom is required", field: "sendFrom"},
		{name: "sendFrom empty", body: sendBody(t, func(m map[string]any) { m["sendFrom"] = "" }), msg: "sendFrom is required", field: "sendFrom"},
		{name: "sendFrom number", body: sendBody(t, func(m map[string]any) { m["sendFrom"] = 15551234567 }), msg: "sendFrom must be a string", field: "sendFrom"},

		// to.
		{name: "to missing", body: sendBody(t, func(m map[string]any) { delete(m, "to") }), msg: "to is required", field: "to"},
		{name: "to null", body: sendBody(t, func(m map[string]any) { m["to"] = nil }), msg: "to is required", field: "to"},
		{name: "to empty", body: sendBody(t, func(m map[string]any) { m["to"] = []string{} }), msg: "to must have 1-100 entries", field: "to"},
		{name: "to 100 entries", body: sendBody(t, func(m map[string]any) { m["to"] = recipients(100) }), msg: ok},
		{name: "to 101 entries", body: sendBody(t, func(m map[string]any) { m["to"] = recipients(101) }), msg: "to must have 1-100 entries", field: "to"},
		{name: "to as string", body: sendBody(t, func(m map[string]any) { m["to"] = "+15551234567" }), msg: "to must be an array of strings", field: "to"},
		{name: "to with a number element", body: sendBody(t, func(m map[string]any) { m["to"] = []any{"+15551234567", 15557654321} }), msg: "to must be an array of strings", field: "to"},
		{name: "to as object", body: sendBody(t, func(m map[string]any) { m["to"] = map[string]string{"0": "+15551234567"} }), msg: "to must be an array of strings", field: "to"},

		// messageType.
		{name: "messageType missing", body: sendBody(t, func(m map[string]any) { delete(m, "messageType") }), msg: "messageType is required", field: "messageType"},
		{name: "messageType empty", body: sendBody(t, func(m map[string]any) { m["messageType"] = "" }), msg: "messageType is required", field: "messageType"},
		{name: "messageType lower-case", body: sendBody(t, func(m map[string]any) { m["messageType"] = "sms" }), msg: "messageType must be SMS or MMS", field: "messageType"},
		{name: "messageType unknown", body: sendBody(t, func(m map[string]any) { m["messageType"] = "RCS" }), msg: "messageType must be SMS or MMS", field: "messageType"},
		{name: "messageType boolean", body: sendBody(t, func(m map[string]any) { m["messageType"] = true }), msg: "messageType must be a string", field: "messageType"},

		// text.
		{name: "SMS text missing", body: sendBody(t, func(m map[string]any) { delete(m, "text") }), msg: "text is required for SMS", field: "text"},
		{name: "SMS text empty", body: sendBody(t, func(m map[string]any) { m["text"] = "" }), msg: "text is required for SMS", field: "text"},
		{name: "SMS text null", body: sendBody(t, func(m map[string]any) { m["text"] = nil }), msg: "text is required for SMS", field: "text"},
		{name: "text number", body: sendBody(t, func(m map[string]any) { m["text"] = 7 }), msg: "text must be a string", field: "text"},
		{name: "SMS text 1600 characters (3200 bytes)", body: sendBody(t, func(m map[string]any) { m["text"] = strings.Repeat(e, 1600) }), msg: ok},
		{name: "SMS text 1601 characters", body: sendBody(t, func(m map[string]any) { m["text"] = strings.Repeat(e, 1601) }), msg: "text must be at most 1600 characters", field: "text"},
		{name: "SMS text 1601 ASCII characters", body: sendBody(t, func(m map[string]any) { m["text"] = strings.Repeat("a", 1601) }), msg: "text must be at most 1600 characters", field: "text"},
		{name: "MMS text 1600 characters", body: mmsBody(t, func(m map[string]any) { m["text"] = strings.Repeat("😀", 1600) }), msg: ok},
		{name: "MMS text 1601 characters", body: mmsBody(t, func(m map[string]any) { m["text"] = strings.Repeat("😀", 1601) }), msg: "text must be at most 1600 characters", field: "text"},
		{name: "MMS without text", body: mmsBody(t, nil), msg: ok},

		// mediaUrls.
		{name: "SMS with mediaUrls", body: sendBody(t, func(m map[string]any) { m["mediaUrls"] = []string{"https://cdn.example.com/a.png"} }), msg: "mediaUrls is not allowed for SMS", field: "mediaUrls"},
		{name: "SMS with empty mediaUrls", body: sendBody(t, func(m map[string]any) { m["mediaUrls"] = []string{} }), msg: ok},
		{name: "SMS with null mediaUrls", body: sendBody(t, func(m map[string]any) { m["mediaUrls"] = nil }), msg: ok},
		{name: "MMS without mediaUrls", body: mmsBody(t, func(m map[string]any) { delete(m, "mediaUrls") }), msg: "mediaUrls is required for MMS", field: "mediaUrls"},
		{name: "MMS with empty mediaUrls", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = []string{} }), msg: "mediaUrls is required for MMS", field: "mediaUrls"},
		{name: "MMS 10 media", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = mediaURLs(10) }), msg: ok},
		{name: "MMS 11 media", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = mediaURLs(11) }), msg: "mediaUrls must have 1-10 entries", field: "mediaUrls"},
		{name: "mediaUrls with a number element", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = []any{1} }), msg: "mediaUrls must be an array of strings", field: "mediaUrls"},
		{name: "mediaUrls as string", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = "https://cdn.example.com/a.png" }), msg: "mediaUrls must be an array of strings", field: "mediaUrls"},
		{name: "http media rejected", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = []string{"http://cdn.example.com/a.png"} }),
			msg: "mediaUrls[0] must be an absolute https URL", field: "mediaUrls[0]"},
		{name: "http media allowed in sandbox", allowHTTP: true, body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = []string{"http://localhost:8080/a.png"} }), msg: ok},
		{name: "ftp media rejected in sandbox", allowHTTP: true, body: mmsBody(t, func(m map[string]any) {
			m["mediaUrls"] = []string{"https://cdn.example.com/a.png", "ftp://cdn.example.com/b.png"}
		}), msg: "mediaUrls[1] must be an absolute http or https URL", field: "mediaUrls[1]"},
		{name: "credentials in media URL", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = []string{"https://user:pass@cdn.example.com/a.png"} }),
			msg: "mediaUrls[0] must be an absolute https URL", field: "mediaUrls[0]"},
		{name: "user name in media URL, sandbox", allowHTTP: true, body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = []string{"http://user@localhost/a.png"} }),
			msg: "mediaUrls[0] must be an absolute http or https URL", field: "mediaUrls[0]"},
		{name: "relative media URL", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = []string{"/a.png"} }),
			msg: "mediaUrls[0] must be an absolute https URL", field: "mediaUrls[0]"},
		{name: "media URL without host", body: mmsBody(t, func(m map[string]any) { m["mediaUrls"] = []string{"https:///a.png"} }),
			msg: "mediaUrls[0] must be an absolute https URL", field: "mediaUrls[0]"},
		{name: "media URL of 2049 characters", body: mmsBody(t, func(m map[string]any) {
			m["mediaUrls"] = []string{"https://cdn.example.com/" + strings.Repeat("a", 2049-len("https://cdn.example.com/"))}
		}), msg: "mediaUrls[0] must be an absolute https URL", field: "mediaUrls[0]"},

		// externalReference.
		{name: "externalReference 255 characters", body: sendBody(t, func(m map[string]any) { m["externalReference"] = strings.Repeat(e, 255) }), msg: ok},
		{name: "externalReference 256 characters", body: sendBody(t, func(m map[string]any) { m["externalReference"] = strings.Repeat(e, 256) }),
			msg: "externalReference must be at most 255 characters", field: "externalReference"},
		{name: "externalReference number", body: sendBody(t, func(m map[string]any) { m["externalReference"] = 789 }),
			msg: "externalReference must be a string", field: "externalReference"},
		{name: "externalReference null", body: sendBody(t, func(m map[string]any) { m["externalReference"] = nil }), msg: ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := platform.DecodeSend(tt.body, tt.allowHTTP)
			if tt.msg == ok {
				if err != nil {
					t.Fatalf("DecodeSend(%.200s) = %v, want no error", tt.body, err)
				}
				return
			}
			wantErr(t, err, tt.msg, tt.field)
			wantReason(t, err, tt.reason)
		})
	}
}

func TestDecodeSendFields(t *testing.T) {
	body := []byte(`{"externalReference":"order_789","text":"hi there","mediaUrls":["https://cdn.example.com/a.png","https://cdn.example.com/b.png"],
		"messageType":"MMS","to":["+15551234567","15557654321"],"sendFrom":"num_abc123"}`)
	got, err := platform.DecodeSend(body, false)
	if err != nil {
		t.Fatal(err)
	}
	want := platform.SendInput{
		SendFrom: "num_abc123", To: []string{"+15551234567", "15557654321"}, MessageType: "MMS", Text: "hi there",
		MediaURLs: []string{"https://cdn.example.com/a.png", "https://cdn.example.com/b.png"}, ExternalReference: "order_789",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeSend = %#v, want %#v", got, want)
	}

	// Absent arrays decode as empty, not nil.
	got, err = platform.DecodeSend(sendBody(t, nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if got.MediaURLs == nil {
		t.Error("absent mediaUrls decoded as nil, want empty")
	}
}

func TestCanonicalAbsentEqualsEmpty(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"SMS mediaUrls [] vs absent",
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi","mediaUrls":[]}`,
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}`},
		{"SMS mediaUrls null vs absent",
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi","mediaUrls":null}`,
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}`},
		{"MMS text empty vs absent",
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://x.example/a.png"],"text":""}`,
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://x.example/a.png"]}`},
		{"MMS text null vs absent",
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://x.example/a.png"],"text":null}`,
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://x.example/a.png"]}`},
		{"externalReference empty vs absent",
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi","externalReference":""}`,
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}`},
		{"field order",
			`{"text":"hi","externalReference":"order_789","messageType":"SMS","to":["+15551234567","+15557654321"],"sendFrom":"num_abc123"}`,
			`{"sendFrom":"num_abc123","to":["+15551234567","+15557654321"],"messageType":"SMS","text":"hi","externalReference":"order_789"}`},
		{"whitespace and escapes",
			"{ \"sendFrom\" : \"num_abc123\",\n\"to\":[ \"+15551234567\" ],\t\"messageType\":\"SMS\",\"text\":\"h\\u0069\" }",
			`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := decodeOK(t, tt.a).Canonical()
			b := decodeOK(t, tt.b).Canonical()
			if !bytes.Equal(a, b) {
				t.Errorf("canonical forms differ:\n%s\n%s", a, b)
			}
			if platform.Fingerprint(a) != platform.Fingerprint(b) {
				t.Error("fingerprints differ")
			}
		})
	}
}

func decodeOK(t testing.TB, body string) platform.SendInput {
	t.Helper()
	in, err := platform.DecodeSend([]byte(body), false)
	if err != nil {
		t.Fatalf("DecodeSend(%s): %v", body, err)
	}
	return in
}

func TestCanonicalForm(t *testing.T) {
	// The canonical form is stored and fingerprinted: its bytes must not
	// change between releases, or every stored key would mismatch.
	in := decodeOK(t, `{"text":"hi","messageType":"SMS","to":["+15551234567"],"sendFrom":"num_abc123"}`)
	want := `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi","mediaUrls":[],"externalReference":""}`
	if got := string(in.Canonical()); got != want {
		t.Errorf("Canonical() =\n%s\nwant\n%s", got, want)
	}
	// A zero SendInput (nil slices) has the same shape.
	zero := `{"sendFrom":"","to":[],"messageType":"","text":"","mediaUrls":[],"externalReference":""}`
	if got := string(platform.SendInput{}.Canonical()); got != zero {
		t.Errorf("zero Canonical() = %s, want %s", got, zero)
	}
}

var fingerprintRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

func TestFingerprint(t *testing.T) {
	c := decodeOK(t, string(sendBody(t, nil))).Canonical()
	fp := platform.Fingerprint(c)
	if !fingerprintRE.MatchString(fp) {
		t.Fatalf("Fingerprint = %q, want sha256: + 64 lower-case hex", fp)
	}
	sum := sha256.Sum256(c)
	if want := "sha256:" + hex.EncodeToString(sum[:]); fp != want {
		t.Errorf("Fingerprint = %s, want %s", fp, want)
	}
	if platform.Fingerprint(c) != fp {
		t.Error("Fingerprint is not stable")
	}
}

// TestFingerprintChanges edits each field of a full MMS in turn: every edit
// must change the fingerprint, and DiffFields must name exactly that field.
func TestFingerprintChanges(t *testing.T) {
	base := platform.SendInput{
		SendFrom: "num_abc123", To: []string{"+15551234567", "+15557654321"}, MessageType: "MMS", Text: "hi",
		MediaURLs: []string{"https://cdn.example.com/a.png"}, ExternalReference: "order_789",
	}
	tests := []struct {
		field string
		edit  func(in *platform.SendInput)
	}{
		{"sendFrom", func(in *platform.SendInput) { in.SendFrom = "num_def456" }},
		{"to", func(in *platform.SendInput) { in.To = []string{"+15551234567"} }},
		{"to", func(in *platform.SendInput) { in.To = []string{"+15557654321", "+15551234567"} }},
		{"to", func(in *platform.SendInput) { in.To = []string{"+15551234567", "+15557654322"} }},
		{"to", func(in *platform.SendInput) { in.To = []string{"+15551234567", "+15557654321", "+15557654321"} }},
		{"to", func(in *platform.SendInput) { in.To = []string{"+15551234567\x00+15557654321"} }},
		{"messageType", func(in *platform.SendInput) { in.MessageType = "SMS" }},
		{"text", func(in *platform.SendInput) { in.Text = "hi!" }},
		{"text", func(in *platform.SendInput) { in.Text = "" }},
		{"text", func(in *platform.SendInput) { in.Text = "Hi" }},
		{"mediaUrls", func(in *platform.SendInput) { in.MediaURLs = nil }},
		{"mediaUrls", func(in *platform.SendInput) { in.MediaURLs = []string{"https://cdn.example.com/b.png"} }},
		{"mediaUrls", func(in *platform.SendInput) {
			in.MediaURLs = []string{"https://cdn.example.com/a.png", "https://cdn.example.com/a.png"}
		}},
		{"externalReference", func(in *platform.SendInput) { in.ExternalReference = "" }},
		{"externalReference", func(in *platform.SendInput) { in.ExternalReference = "order_790" }},
	}
	baseC := base.Canonical()
	seen := map[string]string{platform.Fingerprint(baseC): "base"}
	for i, tt := range tests {
		in := base
		in.To = slices.Clone(base.To)
		in.MediaURLs = slices.Clone(base.MediaURLs)
		tt.edit(&in)
		c := in.Canonical()
		fp := platform.Fingerprint(c)
		if prev, dup := seen[fp]; dup {
			t.Errorf("edit %d (%s): fingerprint equals that of %s", i, tt.field, prev)
		}
		seen[fp] = tt.field
		if got := platform.DiffFields(baseC, c); !slices.Equal(got, []string{tt.field}) {
			t.Errorf("edit %d: DiffFields = %q, want [%s]", i, got, tt.field)
		}
		if got := platform.DiffFields(c, baseC); !slices.Equal(got, []string{tt.field}) {
			t.Errorf("edit %d: DiffFields reversed = %q, want [%s]", i, got, tt.field)
		}
	}
}

func TestDiffFields(t *testing.T) {
	a := platform.SendInput{SendFrom: "num_a", To: []string{"+15551234567"}, MessageType: "SMS", Text: "x"}
	tests := []struct {
		name string
		b    platform.SendInput
		want []string
	}{
		{"identical", a, nil},
		{"nil and empty alike", platform.SendInput{SendFrom: "num_a", To: []string{"+15551234567"}, MessageType: "SMS", Text: "x", MediaURLs: []string{}}, nil},
		{"every field, canonical order", platform.SendInput{SendFrom: "num_b", To: []string{"+15557654321"}, MessageType: "MMS", Text: "y",
			MediaURLs: []string{"https://x.example/a"}, ExternalReference: "r"},
			[]string{"sendFrom", "to", "messageType", "text", "mediaUrls", "externalReference"}},
		{"last and first", platform.SendInput{SendFrom: "num_b", To: []string{"+15551234567"}, MessageType: "SMS", Text: "x", ExternalReference: "r"},
			[]string{"sendFrom", "externalReference"}},
		{"to with an extra empty entry", platform.SendInput{SendFrom: "num_a", To: []string{"+15551234567", ""}, MessageType: "SMS", Text: "x"},
			[]string{"to"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := platform.DiffFields(a.Canonical(), tt.b.Canonical())
			if !slices.Equal(got, tt.want) {
				t.Errorf("DiffFields = %q, want %q", got, tt.want)
			}
		})
	}
	// Arrays whose entries join to the same string must still differ.
	x := platform.SendInput{To: []string{"a\x00", "b"}}
	y := platform.SendInput{To: []string{"a", "\x00b"}}
	if got := platform.DiffFields(x.Canonical(), y.Canonical()); !slices.Equal(got, []string{"to"}) {
		t.Errorf("DiffFields over to [a\\x00 b] vs [a \\x00b] = %q, want [to]", got)
	}
	x = platform.SendInput{MediaURLs: []string{"a\x00", "b"}}
	y = platform.SendInput{MediaURLs: []string{"a", "\x00b"}}
	if got := platform.DiffFields(x.Canonical(), y.Canonical()); !slices.Equal(got, []string{"mediaUrls"}) {
		t.Errorf("DiffFields over mediaUrls [a\\x00 b] vs [a \\x00b] = %q, want [mediaUrls]", got)
	}
}

func TestCheckSendFrom(t *testing.T) {
	tests := []struct {
		in  string
		msg string
	}{
		{"num_abc123", ""},
		{"num_15125550100", ""},
		{"+15551234567", platform.MsgSendFromE164},
		{"15551234567", platform.MsgSendFromE164},
		{"+1", platform.MsgSendFromE164},
		{"garbage", "sendFrom must be a numberId (num_…) from /api/core/numbers"},
		{"num_", "sendFrom must be a numberId (num_…) from /api/core/numbers"},
		{"num_abc 123", "sendFrom must be a numberId (num_…) from /api/core/numbers"},
		{"rc_test_client_123", "sendFrom must be a numberId (num_…) from /api/core/numbers"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := platform.CheckSendFrom(tt.in)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("CheckSendFrom(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			wantErr(t, err, tt.msg, "sendFrom")
		})
	}
}

func TestCheckSendNumber(t *testing.T) {
	good := func() platform.Number {
		return platform.Number{ID: "num_abc123", E164: "+15551234567", Status: redcloud.StatusActive,
			CampaignRegID: ptr("A1B2C3"), SMSEnabled: true, MMSEnabled: true}
	}
	tests := []struct {
		name        string
		edit        func(n *platform.Number)
		messageType string
		msg         string
	}{
		{"SMS ok", nil, "SMS", ""},
		{"MMS ok", nil, "MMS", ""},
		{"suspended", func(n *platform.Number) { n.Status = redcloud.StatusSuspended }, "SMS", "sendFrom is not ACTIVE"},
		{"suspended wins over no campaign", func(n *platform.Number) { n.Status = redcloud.StatusSuspended; n.CampaignRegID = nil }, "SMS", "sendFrom is not ACTIVE"},
		{"no campaign", func(n *platform.Number) { n.CampaignRegID = nil }, "SMS", platform.MsgNoCampaign},
		{"empty campaign", func(n *platform.Number) { n.CampaignRegID = ptr("") }, "MMS", platform.MsgNoCampaign},
		{"SMS disabled", func(n *platform.Number) { n.SMSEnabled = false }, "SMS", "sendFrom is not enabled for SMS"},
		{"SMS disabled, MMS ok", func(n *platform.Number) { n.SMSEnabled = false }, "MMS", ""},
		{"MMS disabled", func(n *platform.Number) { n.MMSEnabled = false }, "MMS", "sendFrom is not enabled for MMS"},
		{"MMS disabled, SMS ok", func(n *platform.Number) { n.MMSEnabled = false }, "SMS", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := good()
			if tt.edit != nil {
				tt.edit(&n)
			}
			err := platform.CheckSendNumber(n, tt.messageType)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("CheckSendNumber = %v, want nil", err)
				}
				return
			}
			wantErr(t, err, tt.msg, "sendFrom")
		})
	}
}

func TestCheckRecipients(t *testing.T) {
	bad := func(to string, i int, msg string) redcloud.RecipientError {
		return redcloud.RecipientError{To: to, Index: i, Code: redcloud.CodeInvalidRequest, Message: msg}
	}
	tests := []struct {
		name    string
		to      []string
		wantOK  []platform.Recipient
		wantBad []redcloud.RecipientError
	}{
		{"all valid, order kept", []string{"+15557654321", "+15551234567"},
			[]platform.Recipient{{To: "+15557654321", Index: 0}, {To: "+15551234567", Index: 1}}, nil},
		{"invalid, duplicate after a valid one",
			[]string{"+15551234567", "15551234567", "+15551234567", "+15557654321", "+15551234567"},
			[]platform.Recipient{{To: "+15551234567", Index: 0}, {To: "+15557654321", Index: 3}},
			[]redcloud.RecipientError{
				bad("15551234567", 1, platform.MsgBadRecipient),
				bad("+15551234567", 2, platform.MsgDupRecipient),
				bad("+15551234567", 4, platform.MsgDupRecipient),
			}},
		{"a repeated invalid entry is invalid, not duplicate", []string{"nope", "nope"},
			[]platform.Recipient{},
			[]redcloud.RecipientError{bad("nope", 0, platform.MsgBadRecipient), bad("nope", 1, platform.MsgBadRecipient)}},
		{"empty entry", []string{"", "+15551234567"},
			[]platform.Recipient{{To: "+15551234567", Index: 1}},
			[]redcloud.RecipientError{bad("", 0, platform.MsgBadRecipient)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, errs := platform.CheckRecipients(tt.to)
			if !reflect.DeepEqual(ok, tt.wantOK) {
				t.Errorf("accepted = %+v, want %+v", ok, tt.wantOK)
			}
			if !reflect.DeepEqual(errs, tt.wantBad) {
				t.Errorf("errors = %+v, want %+v", errs, tt.wantBad)
			}
		})
	}
}

func FuzzDecodeSend(f *testing.F) {
	f.Add([]byte(`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hello"}`), false)
	f.Add([]byte(`{"sendFrom":"num_abc123","to":["+15551234567","15557654321"],"messageType":"MMS","mediaUrls":["http://localhost/a.png"],"externalReference":"order_789"}`), true)
	f.Add([]byte(`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://u:p@x.example/a"]}`), false)
	f.Add([]byte(`{"sendFrom":"num_abc123","to":"+15551234567","messageType":"SMS","text":"hi","mediaUrls":[]}`), false)
	f.Add([]byte(`{"sendFrom":"num_abc123","to":[1],"messageType":"SMS","text":"\u00e9\ud83d\ude00"}`), false)
	f.Add([]byte(`{"sendFrom":"num_abc123","to":[],"unknown":true}`), false)
	f.Add([]byte(`{"text":"<&>\u2028","messageType":"SMS","to":[null],"sendFrom":"num_a"} `), false)
	f.Add([]byte(`[]`), false)
	f.Add([]byte(`null`), false)
	f.Add([]byte(``), false)
	f.Add([]byte(`{} {}`), false)
	f.Fuzz(func(t *testing.T, body []byte, allowHTTP bool) {
		in, err := platform.DecodeSend(body, allowHTTP)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		c := in.Canonical()
		again, err := platform.DecodeSend(c, allowHTTP)
		if err != nil {
			t.Fatalf("canonical form %s of an accepted body does not decode: %v", c, err)
		}
		if !reflect.DeepEqual(again, in) {
			t.Fatalf("canonical form decodes to %#v, want %#v", again, in)
		}
		if c2 := again.Canonical(); !bytes.Equal(c2, c) {
			t.Fatalf("canonical form is not a fixed point:\n%s\n%s", c, c2)
		}
		fp := platform.Fingerprint(c)
		if !fingerprintRE.MatchString(fp) || fp != platform.Fingerprint(in.Canonical()) {
			t.Fatalf("fingerprint %q unstable or malformed", fp)
		}
		if d := platform.DiffFields(c, c); len(d) != 0 {
			t.Fatalf("DiffFields(c, c) = %q, want none", d)
		}
	})
}
