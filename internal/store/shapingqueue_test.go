package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestShapingSnapshot: the segments waiting and the wait per number and
// per campaign, and every shared bucket's limit.
func TestShapingSnapshot(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, na, nb := twoClients(t, db) // both numbers in campaign A1B2C3
		mps := ptr(1.0)
		must(t, db.SetNumberAttrs(ctx, na.ID, store.NumberAttrs{MPS: &mps}))
		na.MPS = mps
		spare := mkNumber("num_c", "+15551230003", "")
		spare.MPS, spare.CampaignRegID = ptr(3.0), nil
		unlimited := mkNumber("num_d", "+15551230004", "")
		unlimited.MPS = ptr(0.0)
		must(t, db.InsertNumbers(ctx, []platform.Number{spare, unlimited}))
		camp := platform.Campaign{ID: "A1B2C3", SMSTPM: 120, MMSTPM: 6, DailyCap: 1000}
		must(t, db.SetCampaign(ctx, camp, t0))
		const defaultMPS = 0.5

		send := func(c platform.APIClient, n platform.Number, key, body string) {
			t.Helper()
			a := acceptance(t, c, n, key, t0, time.Hour, body)
			a.Path = platform.ShapingPath(n, a.Messages[0].MessageType, defaultMPS, camp)
			if _, created, err := db.Accept(ctx, a); err != nil || !created {
				t.Fatalf("accept %s: %v %v", key, created, err)
			}
		}
		// num_a at 1/s: the first goes now, the others wait 1, 2 and 3 s
		// (the last has 2 segments).
		for i := range 3 {
			send(ca, na, fmt.Sprint("a", i), `{"sendFrom":"num_a","to":["+15550000001"],"messageType":"SMS","text":"m"}`)
		}
		send(ca, na, "a3", fmt.Sprintf(`{"sendFrom":"num_a","to":["+15550000001"],"messageType":"SMS","text":%q}`, strings.Repeat("x", 200)))
		// num_b's MMS at the campaign's 6/min: the second waits 10 s.
		for i := range 2 {
			send(cb, nb, fmt.Sprint("b", i), `{"sendFrom":"num_b","to":["+15550000002"],"messageType":"MMS","mediaUrls":["https://example.com/a.png"]}`)
		}
		// A sent message keeps its last estimate: not waiting.
		sentAt := t0.Add(time.Hour)
		m, e, d := platform.NewInbound(ca, na, platform.InboundInput{From: "+15550000009", Text: "sent"}, t0)
		m.Status, m.QueuedUntil = redcloud.MessageSent, &sentAt
		must(t, db.InsertInbound(ctx, m, e, d))

		now := t0.Add(500 * time.Millisecond)
		got, err := db.ShapingSnapshot(ctx, now, defaultMPS)
		must(t, err)
		want := platform.ShapingSnapshot{
			Queues: []platform.ShapingQueue{
				{Scope: "number", ID: "num_a", Segments: 4, Wait: 2500 * time.Millisecond},
				{Scope: "number", ID: "num_b", Segments: 1, Wait: 9500 * time.Millisecond},
				{Scope: "campaign", ID: "A1B2C3", Segments: 5, Wait: 9500 * time.Millisecond},
			},
			Rates: []platform.BucketRate{
				{Scope: "number", ID: "num_a", Type: "mms", Rate: 1}, {Scope: "number", ID: "num_a", Type: "sms", Rate: 1},
				{Scope: "number", ID: "num_b", Type: "mms", Rate: defaultMPS}, {Scope: "number", ID: "num_b", Type: "sms", Rate: defaultMPS},
				{Scope: "number", ID: "num_c", Type: "mms", Rate: 3}, {Scope: "number", ID: "num_c", Type: "sms", Rate: 3},
				{Scope: "campaign", ID: "A1B2C3", Type: "day", Rate: 1000}, {Scope: "campaign", ID: "A1B2C3", Type: "mms", Rate: 0.1},
				{Scope: "campaign", ID: "A1B2C3", Type: "sms", Rate: 2},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("snapshot\n%+v\nwant\n%+v", got, want)
		}

		// Later: the waits shrink to 0, never below; without a default
		// rate only the numbers' own rates are limits.
		got, err = db.ShapingSnapshot(ctx, t0.Add(time.Minute), 0)
		must(t, err)
		for _, q := range got.Queues {
			if q.Wait != 0 {
				t.Errorf("a minute later %s %s waits %s, want 0", q.Scope, q.ID, q.Wait)
			}
		}
		for _, r := range got.Rates {
			if r.ID == "num_b" {
				t.Errorf("without a default rate: %+v", r)
			}
		}
	})
}

// TestShapingSnapshotUsesIndex: on SQLite the sum reads the partial index
// of the waiting messages only, never the table.
func TestShapingSnapshotUsesIndex(t *testing.T) {
	t.Parallel()
	db := openTest(t)
	_, read := store.Handles(db)
	rows, err := read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+store.ShapingQueuesSQL)
	must(t, err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		must(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	must(t, rows.Err())
	if p := fmt.Sprint(plan); !strings.Contains(p, "COVERING INDEX messages_waiting") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan %s; want the covering index messages_waiting in number order", p)
	}
}
