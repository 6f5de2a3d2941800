package store_test

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// listFixture stores messages of rc_a with every filtered column varied,
// several sharing a millisecond (so that ids break ties), and a few of
// rc_b that no query of rc_a may return. It returns rc_a's messages.
func listFixture(t *testing.T, db *store.DB) []platform.Message {
	t.Helper()
	ctx := context.Background()
	ca, cb, na, nb := twoClients(t, db)
	na2 := mkNumber("num_a2", "+15551230003", "rc_a")
	must(t, db.InsertNumbers(ctx, []platform.Number{na2}))
	statuses := []string{redcloud.MessageQueued, redcloud.MessageSent, redcloud.MessageDelivered, redcloud.MessageFailed, redcloud.MessageReceived}
	var mine []platform.Message
	for i := range 40 {
		n := na
		if i%3 == 0 {
			n = na2
		}
		// Times go back and forth; every fourth message shares the
		// millisecond of the one before.
		at := t0.Add(time.Duration((i*7)%17) * time.Second)
		if i%4 == 3 {
			at = mine[i-1].CreatedAt
		}
		m, e, d := platform.NewInbound(ca, n, platform.InboundInput{From: n.E164, Text: fmt.Sprint("m", i)}, at)
		m.Status = statuses[i%len(statuses)]
		m.To = fmt.Sprintf("+1555000%04d", i%6)
		if i%5 == 0 {
			m.ExternalReference = fmt.Sprint("order_", i%10)
		}
		if i%10 < 2 {
			// Some QUEUED messages wait for shaping; a SENT one keeps the
			// estimate it was sent by, which reads back as none.
			until := at.Add(time.Minute)
			m.QueuedUntil = &until
		}
		must(t, db.InsertInbound(ctx, m, e, d))
		if m.Status != redcloud.MessageQueued {
			m.QueuedUntil = nil
		}
		mine = append(mine, m)
	}
	for i := range 5 {
		m, e, d := platform.NewInbound(cb, nb, platform.InboundInput{From: "+15550000000", Text: "theirs"}, t0.Add(time.Duration(i)*time.Second))
		m.To = "+15550000000"
		m.ExternalReference = "order_0"
		must(t, db.InsertInbound(ctx, m, e, d))
	}
	return mine
}

// matches is the reference implementation of a query's filters.
func matches(q platform.MessageQuery, m platform.Message) bool {
	return (q.Status == "" || m.Status == q.Status) && (q.To == "" || m.To == q.To) &&
		(q.NumberID == "" || m.NumberID == q.NumberID) &&
		(q.ExternalReference == "" || m.ExternalReference == q.ExternalReference) &&
		(q.CreatedAfter == nil || !m.CreatedAt.Before(*q.CreatedAfter)) &&
		(q.CreatedBefore == nil || m.CreatedAt.Before(*q.CreatedBefore)) &&
		(!q.Waiting || m.Status == redcloud.MessageQueued && m.QueuedUntil != nil)
}

func newestFirst(a, b platform.Message) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// TestListMessages pages every kind of query to its end and compares the
// pages, joined, with the reference filter and order: nothing repeated,
// nothing skipped, no empty last page, never another client's message.
func TestListMessages(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mine := listFixture(t, db)
		after, before := t0.Add(3*time.Second), t0.Add(12*time.Second)
		queries := map[string]platform.MessageQuery{
			"all":               {},
			"status":            {Status: redcloud.MessageFailed},
			"to":                {To: "+15550000001"},
			"numberId":          {NumberID: "num_a2"},
			"externalReference": {ExternalReference: "order_0"},
			"createdAfter":      {CreatedAfter: &after},
			"createdBefore":     {CreatedBefore: &before},
			"window":            {CreatedAfter: &after, CreatedBefore: &before},
			"combined":          {Status: redcloud.MessageQueued, NumberID: "num_a", CreatedAfter: &after},
			"nothing":           {To: "+15550000000"}, // rc_b's recipient
			"waiting":           {Waiting: true},
			"waiting, queued":   {Waiting: true, Status: redcloud.MessageQueued, NumberID: "num_a"},
		}
		for name, q := range queries {
			t.Run(name, func(t *testing.T) {
				var want []platform.Message
				for _, m := range mine {
					if matches(q, m) {
						want = append(want, m)
					}
				}
				slices.SortFunc(want, newestFirst)
				for _, limit := range []int{1, 7, 100} {
					q.Limit, q.After = limit, nil
					var got []platform.Message
					for pages := 0; ; pages++ {
						page, more, err := db.ListMessages(ctx, "rc_a", q)
						must(t, err)
						if len(page) > limit || more && len(page) != limit || pages > len(mine) {
							t.Fatalf("limit %d: page of %d, more=%v", limit, len(page), more)
						}
						got = append(got, page...)
						if !more {
							break
						}
						last := page[len(page)-1]
						q.After = &platform.MessagePosition{CreatedAt: last.CreatedAt, ID: last.ID}
					}
					if !reflect.DeepEqual(messageIDs(got), messageIDs(want)) {
						t.Errorf("limit %d: listed\n%v\nwant\n%v", limit, messageIDs(got), messageIDs(want))
					}
					if len(want) > 0 && !reflect.DeepEqual(got[0], want[0]) {
						t.Errorf("listed message =\n%+v\nwant\n%+v", got[0], want[0])
					}
				}
			})
		}
		page, more, err := db.ListMessages(ctx, "rc_nobody", platform.MessageQuery{Limit: 100})
		must(t, err)
		if len(page) != 0 || more {
			t.Errorf("a client without messages listed %d (more=%v)", len(page), more)
		}
	})
}

func messageIDs(ms []platform.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// TestListMessagesUsesIndexes: on SQLite every filter reads its index in
// page order — no table scan, no sort of the client's messages.
func TestListMessagesUsesIndexes(t *testing.T) {
	t.Parallel()
	db := openTest(t)
	_, read := store.Handles(db)
	at := t0
	pos := &platform.MessagePosition{CreatedAt: t0, ID: "msg_x"}
	for name, tc := range map[string]struct {
		client string
		q      platform.MessageQuery
		index  string
	}{
		"all":                             {"rc_a", platform.MessageQuery{After: pos}, "messages_client_created"},
		"window":                          {"rc_a", platform.MessageQuery{CreatedAfter: &at, CreatedBefore: &at}, "messages_client_created"},
		"status":                          {"rc_a", platform.MessageQuery{Status: "FAILED", After: pos}, "messages_client_status"},
		"waiting":                         {"rc_a", platform.MessageQuery{Waiting: true, After: pos}, "messages_client_status"},
		"to":                              {"rc_a", platform.MessageQuery{To: "+15551234567"}, "messages_client_to"},
		"numberId":                        {"rc_a", platform.MessageQuery{NumberID: "num_a"}, "messages_client_number"},
		"status, numberId":                {"rc_a", platform.MessageQuery{Status: "FAILED", NumberID: "num_a"}, "messages_client_status"},
		"status, to":                      {"rc_a", platform.MessageQuery{Status: "FAILED", To: "+15551234567"}, "messages_client_status"},
		"waiting, numberId":               {"rc_a", platform.MessageQuery{Waiting: true, NumberID: "num_a"}, "messages_client_status"},
		"to, numberId":                    {"rc_a", platform.MessageQuery{To: "+15551234567", NumberID: "num_a"}, "messages_client_to"},
		"externalReference":               {"rc_a", platform.MessageQuery{ExternalReference: "order_789"}, "messages_client_reference"},
		"every client":                    {"", platform.MessageQuery{After: pos}, "messages_created"},
		"every client, externalReference": {"", platform.MessageQuery{ExternalReference: "order_789"}, "messages_reference"},
		"every client, to":                {"", platform.MessageQuery{To: "+15551234567", After: pos}, "messages_to"},
	} {
		query, args := store.ListMessagesSQL(tc.client, tc.q)
		rows, err := read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
		must(t, err)
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			must(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
		rows.Close()
		p := fmt.Sprint(plan)
		if !strings.Contains(p, tc.index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s: plan %s; want %s in page order", name, p, tc.index)
		}
	}
}

// TestListMessagesEveryClient: with no client (the operator console) the
// list holds every API client's messages, paged the same way.
func TestListMessagesEveryClient(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mine := listFixture(t, db)
		for _, tc := range []struct {
			name string
			q    platform.MessageQuery
			want int
		}{
			{"all", platform.MessageQuery{}, len(mine) + 5},
			{"externalReference", platform.MessageQuery{ExternalReference: "order_0"}, 4 + 5},
			{"to", platform.MessageQuery{To: "+15550000000"}, 7 + 5},
		} {
			q := tc.q
			q.Limit = 4
			var got []platform.Message
			for {
				page, more, err := db.ListMessages(ctx, "", q)
				must(t, err)
				got = append(got, page...)
				if !more {
					break
				}
				last := page[len(page)-1]
				q.After = &platform.MessagePosition{CreatedAt: last.CreatedAt, ID: last.ID}
			}
			if len(got) != tc.want || !slices.IsSortedFunc(got, newestFirst) {
				t.Errorf("%s: listed %d messages (sorted %v), want %d", tc.name, len(got), slices.IsSortedFunc(got, newestFirst), tc.want)
			}
			clients := map[string]bool{}
			for _, m := range got {
				clients[m.APIClientID] = true
			}
			if !clients["rc_b"] {
				t.Errorf("%s: no message of rc_b listed", tc.name)
			}
		}
	})
}
