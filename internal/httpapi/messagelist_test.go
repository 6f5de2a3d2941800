package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/store"
)

// listPage gets one page of GET /api/core/messages with query.
func (e *env) listPage(t testing.TB, tok string, query url.Values) redcloud.MessageList {
	t.Helper()
	r := e.get(t, redcloud.PathMessages+"?"+query.Encode(), tok)
	if r.status != http.StatusOK {
		t.Fatalf("list %s: %d %s", query.Encode(), r.status, r.body)
	}
	var l redcloud.MessageList
	mustJSON(t, r.body, &l)
	var raw struct {
		Messages []map[string]json.RawMessage `json:"messages"`
	}
	mustJSON(t, r.body, &raw)
	for _, m := range raw.Messages {
		if _, ok := m["events"]; ok {
			t.Errorf("a listed message has events: %s", r.body)
		}
	}
	return l
}

// listAll follows nextCursor from the first page to the last and returns
// the message ids in the order listed.
func (e *env) listAll(t testing.TB, tok string, query url.Values) []string {
	t.Helper()
	query = maps(query)
	var ids []string
	for range 100 {
		l := e.listPage(t, tok, query)
		for _, m := range l.Messages {
			ids = append(ids, m.MessageID)
		}
		if l.NextCursor == nil {
			return ids
		}
		if len(l.Messages) == 0 {
			t.Fatalf("an empty page with a nextCursor")
		}
		query.Set("cursor", *l.NextCursor)
	}
	t.Fatal("more than 100 pages")
	return nil
}

func maps(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// TestListMessages: pages newest first, every filter, the caller's
// messages only, and each entry as GET /api/core/messages/{id} shows it
// without events.
func TestListMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, other := e.sandboxToken(t), e.otherToken(t)
	var sent []string // oldest first
	for i := range 5 {
		body := fmt.Sprintf(`{"sendFrom":%q,"to":["+15005550100","+15005550101"],"messageType":"SMS","text":"hi %d","externalReference":"order_%d"}`,
			numberID, i, i%2)
		sent = append(sent, wantAccepted(t, e.send(t, tok, fmt.Sprint("k", i), body)).ids()...)
		e.clock.Advance(time.Second)
	}
	theirs := wantAccepted(t, e.send(t, other, "k0", sms(otherNumber, "theirs", "+15005550100"))).ids()
	newest := slices.Clone(sent)
	slices.Reverse(newest)
	// Two recipients of one send share a millisecond: ids order them.
	for i := 0; i+1 < len(sent); i += 2 {
		newest[len(sent)-2-i], newest[len(sent)-1-i] = sent[i+1], sent[i]
	}

	l := e.listPage(t, tok, url.Values{})
	if len(l.Messages) != len(sent) || l.NextCursor != nil {
		t.Fatalf("listed %d messages, nextCursor %v; want all %d on one page", len(l.Messages), l.NextCursor, len(sent))
	}
	single := e.message(t, tok, l.Messages[0].MessageID)
	single.Events = nil
	if !reflect.DeepEqual(l.Messages[0], single) {
		t.Errorf("listed\n%+v\nGET shows\n%+v", l.Messages[0], single)
	}

	for name, tc := range map[string]struct {
		query url.Values
		want  func(i int) bool // by index in sent
	}{
		"all":               {url.Values{}, func(int) bool { return true }},
		"limit 3":           {url.Values{"limit": {"3"}}, func(int) bool { return true }},
		"limit 1":           {url.Values{"limit": {"1"}}, func(int) bool { return true }},
		"to":                {url.Values{"to": {"+15005550101"}, "limit": {"2"}}, func(i int) bool { return i%2 == 1 }},
		"externalReference": {url.Values{"externalReference": {"order_1"}, "limit": {"1"}}, func(i int) bool { return i/2%2 == 1 }},
		"status queued":     {url.Values{"status": {"QUEUED"}}, func(int) bool { return true }},
		"status delivered":  {url.Values{"status": {"DELIVERED"}}, func(int) bool { return false }},
		"numberId":          {url.Values{"numberId": {numberID}, "limit": {"4"}}, func(int) bool { return true }},
		"other numberId":    {url.Values{"numberId": {otherNumber}}, func(int) bool { return false }},
		"window": {url.Values{"createdAfter": {redcloud.NewTime(start.Add(time.Second)).String()},
			"createdBefore": {start.Add(3 * time.Second).Format(time.RFC3339Nano)}, "limit": {"3"}},
			func(i int) bool { return i/2 == 1 || i/2 == 2 }},
	} {
		t.Run(name, func(t *testing.T) {
			var want []string
			for _, id := range newest {
				if tc.want(slices.Index(sent, id)) {
					want = append(want, id)
				}
			}
			if got := e.listAll(t, tok, tc.query); !slices.Equal(got, want) {
				t.Errorf("listed %v, want %v", got, want)
			}
		})
	}
	if got := e.listAll(t, other, url.Values{"limit": {"1"}}); !slices.Equal(got, theirs) {
		t.Errorf("the other client listed %v, want only its own %v", got, theirs)
	}

	// A cursor is bound to its client and its filters.
	first := e.listPage(t, tok, url.Values{"limit": {"2"}})
	msg := "cursor is not a nextCursor of this query; start again without cursor"
	wantCore(t, e.get(t, redcloud.PathMessages+"?limit=2&cursor="+*first.NextCursor, other), 400,
		redcloud.CodeInvalidRequest, msg, map[string]any{"field": "cursor"})
	wantCore(t, e.get(t, redcloud.PathMessages+"?status=QUEUED&cursor="+*first.NextCursor, tok), 400,
		redcloud.CodeInvalidRequest, msg, map[string]any{"field": "cursor"})
}

// TestListMessagesInvalid: each invalid query answers 400 naming the
// parameter.
func TestListMessagesInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	for _, tc := range []struct{ query, field, message string }{
		{"limit=101", "limit", "limit must be an integer from 1 to 100"},
		{"limit=0", "limit", "limit must be an integer from 1 to 100"},
		{"status=LOST", "status", "status must be one of QUEUED, SENT, DELIVERED, FAILED, RECEIVED"},
		{"to=%2B1", "to", "to must be an E.164 phone number"},
		{"to=+15551234567", "to", "to must be an E.164 phone number (a '+' in a query string must be sent as %2B)"},
		{"createdAfter=2026-13-01T00:00:00Z", "createdAfter", "createdAfter must be an RFC 3339 time, e.g. 2026-11-26T07:04:24.123Z"},
		{"cursor=bm9wZQ", "cursor", "cursor is not a nextCursor of this query; start again without cursor"},
		{"page=2", "page", `unknown query parameter "page"; use one of status, to, numberId, externalReference, createdAfter, createdBefore, waiting, limit, cursor`},
		{"waiting=yes", "waiting", "waiting must be true or false"},
		{"waiting=1", "waiting", "waiting must be true or false"},
		{"waiting=true&status=SENT", "waiting", "waiting=true lists QUEUED messages only; it cannot be combined with status=SENT"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			wantCore(t, e.get(t, redcloud.PathMessages+"?"+tc.query, tok), 400, redcloud.CodeInvalidRequest, tc.message,
				map[string]any{"field": tc.field})
		})
	}
	wantCore(t, e.get(t, redcloud.PathMessages+"?limit=%zz", tok), 400, redcloud.CodeInvalidRequest, "the query string is malformed", nil)
}

// TestListMessagesWaiting: waiting=true lists the QUEUED messages waiting
// for their number's rate, each with its queuedUntil; waiting=false lists
// everything.
func TestListMessagesWaiting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, other := e.sandboxToken(t), e.otherToken(t)
	rate := 1.0
	mps := &rate
	if err := e.db.SetNumberAttrs(e.ctx, numberID, store.NumberAttrs{MPS: &mps}); err != nil {
		t.Fatal(err)
	}
	// At 1/s the first goes at once, the second and third wait 1 and 2 s.
	var sent []string
	for i := range 3 {
		sent = append(sent, wantAccepted(t, e.send(t, tok, fmt.Sprint("k", i), sms(numberID, "hi", "+15005550100"))).ids()...)
	}
	wantAccepted(t, e.send(t, other, "k0", sms(otherNumber, "theirs", "+15005550100")))
	waiting := []string{sent[2], sent[1]}
	for _, q := range []url.Values{{"waiting": {"true"}}, {"waiting": {"true"}, "status": {"QUEUED"}, "limit": {"1"}}} {
		if got := e.listAll(t, tok, q); !slices.Equal(got, waiting) {
			t.Errorf("%s listed %v, want %v", q.Encode(), got, waiting)
		}
	}
	for i, m := range e.listPage(t, tok, url.Values{"waiting": {"true"}}).Messages {
		want := start.Add(time.Duration(2-i) * time.Second)
		if m.Status != redcloud.MessageQueued || m.QueuedUntil == nil || !m.QueuedUntil.Equal(want) {
			t.Errorf("%s: status %s, queuedUntil %v; want QUEUED until %v", m.MessageID, m.Status, m.QueuedUntil, want)
		}
	}
	if got := e.listAll(t, tok, url.Values{"waiting": {"false"}}); len(got) != 3 {
		t.Errorf("waiting=false listed %v, want all 3", got)
	}
	if got := e.listAll(t, other, url.Values{"waiting": {"true"}}); len(got) != 0 {
		t.Errorf("the other client, unlimited, has waiting messages %v", got)
	}
}
