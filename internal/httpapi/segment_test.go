package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/webhook"
)

// segmentsOf is a 202 result or message resource as the segment tests read it.
type segmentsOf struct {
	Encoding         *string  `json:"encoding"`
	Segments         int      `json:"segments"`
	NonGSMCharacters []string `json:"nonGsmCharacters"`
}

// TestSendEncodingAndSegments: the 202, its replay, the message resource
// and the queued webhook body carry the encoding and segment count
// computed at acceptance.
func TestSendEncodingAndSegments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	for _, tc := range []struct {
		name, body string
		encoding   *string
		segments   int
		nonGSM     []string
	}{
		{"GSM-7 two parts", sms("num_abc123", strings.Repeat("a", 161), "+15551234567"), ptr(redcloud.EncodingGSM7), 2, []string{}},
		{"UCS-2", sms("num_abc123", "ça 😜 ça", "+15551234567", "+15557654321"), ptr(redcloud.EncodingUCS2), 1, []string{"ç", "😜"}},
		{"UCS-2 many parts", sms("num_abc123", strings.Repeat("ж", 1600), "+15551234567"), ptr(redcloud.EncodingUCS2), 24, []string{"ж"}},
		{"MMS", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","text":"ça","mediaUrls":["https://example.com/a.png"]}`, nil, 1, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "seg-" + strings.ReplaceAll(tc.name, " ", "-")
			first := e.send(t, tok, key, tc.body)
			s := wantAccepted(t, first)
			var body struct{ Results []segmentsOf }
			mustJSON(t, first.body, &body)
			for i, r := range body.Results {
				if !samePtr(r.Encoding, tc.encoding) || r.Segments != tc.segments {
					t.Errorf("result %d: encoding %v, segments %d; want %v, %d", i, deref(r.Encoding), r.Segments, deref(tc.encoding), tc.segments)
				}
			}
			wantReplay(t, e.send(t, tok, key, tc.body), first)

			for _, id := range s.ids() {
				var m segmentsOf
				r := e.get(t, "/api/core/messages/"+id, tok)
				if r.status != http.StatusOK {
					t.Fatalf("GET message: %d %s", r.status, r.body)
				}
				mustJSON(t, r.body, &m)
				if !samePtr(m.Encoding, tc.encoding) || m.Segments != tc.segments || !slices.Equal(m.NonGSMCharacters, tc.nonGSM) {
					t.Errorf("message %s: %v %d %q; want %v %d %q", id, deref(m.Encoding), m.Segments, m.NonGSMCharacters,
						deref(tc.encoding), tc.segments, tc.nonGSM)
				}
				_, events, err := e.db.GetMessage(e.ctx, clientID, id)
				if err != nil || len(events) == 0 {
					t.Fatalf("events of %s: %v, %v", id, events, err)
				}
				ev, err := webhook.ParseEvent(events[0].Body)
				if err != nil {
					t.Fatal(err)
				}
				if ev.Encoding != derefStr(tc.encoding) || ev.Segments != tc.segments {
					t.Errorf("queued body %s: want encoding %v, segments %d", events[0].Body, deref(tc.encoding), tc.segments)
				}
				if tc.encoding == nil && !strings.Contains(string(events[0].Body), `"encoding":null,"segments":1,`) {
					t.Errorf("MMS queued body %s: want encoding null", events[0].Body)
				}
			}
		})
	}
}

// TestMaxSegments: --max-segments refuses a longer SMS with 400 naming the
// count and the limit; at the limit, MMS, and without the flag, it accepts.
func TestMaxSegments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.MaxSegments = 2 })
	tok := e.sandboxToken(t)
	wantCore(t, e.send(t, tok, "over", sms("num_abc123", strings.Repeat("a", 307), "+15551234567")), 400,
		redcloud.CodeInvalidRequest, "text is 3 SMS segments; this server allows at most 2",
		map[string]any{"field": "text", "segments": float64(3), "maxSegments": float64(2)})
	wantCore(t, e.send(t, tok, "over-ucs2", sms("num_abc123", "ж"+strings.Repeat("a", 134), "+15551234567")), 400,
		redcloud.CodeInvalidRequest, "text is 3 SMS segments; this server allows at most 2",
		map[string]any{"field": "text", "segments": float64(3), "maxSegments": float64(2)})
	wantAccepted(t, e.send(t, tok, "at", sms("num_abc123", strings.Repeat("a", 306), "+15551234567")))
	wantAccepted(t, e.send(t, tok, "mms", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"MMS","text":"`+
		strings.Repeat("a", 1600)+`","mediaUrls":["https://example.com/a.png"]}`))

	off := newEnv(t)
	wantAccepted(t, off.send(t, off.sandboxToken(t), "long", sms("num_abc123", strings.Repeat("ж", 1600), "+15551234567")))
}

func samePtr(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func derefStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
