package platform_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestDecodeMessageQuery(t *testing.T) {
	t.Parallel()
	q, perr := platform.DecodeMessageQuery(url.Values{}, "rc_a")
	if perr != nil || q.Limit != platform.DefaultMessageLimit || q.After != nil {
		t.Fatalf("empty query = %+v, %v; want the default limit", q, perr)
	}
	q, perr = platform.DecodeMessageQuery(mustQuery(t, "status=FAILED&to=%2B15551234567&numberId=num_abc123"+
		"&externalReference=order_789&createdAfter=2026-11-26T07:04:24.1231Z&createdBefore=2026-11-26T08:00:00%2B00:30&limit=100"), "rc_a")
	if perr != nil {
		t.Fatal(perr)
	}
	after := time.Date(2026, 11, 26, 7, 4, 24, 124_000_000, time.UTC) // rounded up to the millisecond
	before := time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC)
	if q.Status != "FAILED" || q.To != "+15551234567" || q.NumberID != "num_abc123" || q.ExternalReference != "order_789" ||
		!q.CreatedAfter.Equal(after) || !q.CreatedBefore.Equal(before) || q.Limit != 100 {
		t.Errorf("decoded %+v", q)
	}
	for query, want := range map[string]bool{"waiting=true": true, "waiting=true&status=QUEUED": true, "waiting=false": false} {
		if q, perr := platform.DecodeMessageQuery(mustQuery(t, query), "rc_a"); perr != nil || q.Waiting != want {
			t.Errorf("%s: waiting %v, %v; want %v", query, q.Waiting, perr, want)
		}
	}
}

func TestDecodeMessageQueryInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ query, field, message string }{
		{"state=FAILED", "state", "unknown query parameter"},
		{"status=FAILED&status=SENT", "status", "given once"},
		{"status=", "status", "must not be empty"},
		{"status=failed", "status", "status must be one of"},
		{"to=15551234567", "to", "E.164"},
		{"to=+15551234567", "to", "%2B"},
		{"numberId=+15551234567", "numberId", "numberId"},
		{"externalReference=" + strings.Repeat("x", 256), "externalReference", "255"},
		{"createdAfter=yesterday", "createdAfter", "RFC 3339"},
		{"createdBefore=2026-11-26", "createdBefore", "RFC 3339"},
		{"createdAfter=2026-11-26T08:00:00Z&createdBefore=2026-11-26T08:00:00Z", "createdBefore", "later"},
		{"limit=0", "limit", "1 to 100"},
		{"limit=101", "limit", "1 to 100"},
		{"limit=ten", "limit", "1 to 100"},
		{"limit=%2B5", "limit", "1 to 100"},
		{"waiting=yes", "waiting", "waiting must be true or false"},
		{"waiting=TRUE", "waiting", "waiting must be true or false"},
		{"waiting=true&status=SENT", "waiting", "cannot be combined with status=SENT"},
		{"cursor=garbage!", "cursor", "cursor"},
		{"cursor=MS4xLjIuMw", "cursor", "cursor"}, // "1.1.2.3": a wrong binding
	} {
		t.Run(tc.query, func(t *testing.T) {
			_, perr := platform.DecodeMessageQuery(mustQuery(t, tc.query), "rc_a")
			if perr == nil {
				t.Fatal("accepted")
			}
			if perr.Details["field"] != tc.field || !strings.Contains(perr.Message, tc.message) {
				t.Errorf("error %q, details %v; want field %q and %q", perr.Message, perr.Details, tc.field, tc.message)
			}
		})
	}
}

// TestMessageCursor: a cursor round-trips to the position of the message
// it was made from, and only with the filters and client it was made for.
func TestMessageCursor(t *testing.T) {
	t.Parallel()
	q, _ := platform.DecodeMessageQuery(mustQuery(t, "status=SENT&limit=5"), "rc_a")
	last := platform.Message{ID: "msg_01jd8x5v7k2m3n4p5q6r7s8t9w", CreatedAt: time.UnixMilli(1_790_000_000_123).UTC()}
	cursor := q.NextCursor("rc_a", last)
	if strings.ContainsAny(cursor, "+/=") {
		t.Errorf("cursor %q is not URL-safe", cursor)
	}
	// Another limit keeps the cursor valid.
	got, perr := platform.DecodeMessageQuery(mustQuery(t, "status=SENT&limit=50&cursor="+cursor), "rc_a")
	if perr != nil {
		t.Fatal(perr)
	}
	if got.After == nil || got.After.ID != last.ID || !got.After.CreatedAt.Equal(last.CreatedAt) {
		t.Errorf("position %+v, want %v at %v", got.After, last.ID, last.CreatedAt)
	}
	for name, tc := range map[string]struct{ query, client string }{
		"other filter":  {"status=FAILED&cursor=" + cursor, "rc_a"},
		"no filter":     {"cursor=" + cursor, "rc_a"},
		"other client":  {"status=SENT&cursor=" + cursor, "rc_b"},
		"tampered":      {"status=SENT&cursor=" + cursor[:len(cursor)-2] + "AA", "rc_a"},
		"padding added": {"status=SENT&cursor=" + cursor + "%3D", "rc_a"},
	} {
		if _, perr := platform.DecodeMessageQuery(mustQuery(t, tc.query), tc.client); perr == nil || perr.Details["field"] != "cursor" {
			t.Errorf("%s: %v, want a 400 naming cursor", name, perr)
		}
	}
	// waiting is a filter like the others; waiting=false is its absence.
	if _, perr := platform.DecodeMessageQuery(mustQuery(t, "status=SENT&waiting=false&cursor="+cursor), "rc_a"); perr != nil {
		t.Errorf("waiting=false refused the cursor: %v", perr)
	}
	queued, _ := platform.DecodeMessageQuery(mustQuery(t, "status=QUEUED"), "rc_a")
	waiting, _ := platform.DecodeMessageQuery(mustQuery(t, "waiting=true"), "rc_a")
	for query, c := range map[string]string{"status=QUEUED&waiting=true": queued.NextCursor("rc_a", last),
		"status=QUEUED": waiting.NextCursor("rc_a", last), "waiting=false": waiting.NextCursor("rc_a", last)} {
		if _, perr := platform.DecodeMessageQuery(mustQuery(t, query+"&cursor="+c), "rc_a"); perr == nil || perr.Details["field"] != "cursor" {
			t.Errorf("%s with another query's cursor: %v, want a 400 naming cursor", query, perr)
		}
	}
	if _, perr := platform.DecodeMessageQuery(mustQuery(t, "waiting=true&cursor="+waiting.NextCursor("rc_a", last)), "rc_a"); perr != nil {
		t.Errorf("waiting=true refused its own cursor: %v", perr)
	}
}

func mustQuery(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
