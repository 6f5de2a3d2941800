package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

func TestGetMessage(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, na, _ := twoClients(t, db)
		a := acceptance(t, ca, na, "k1", t0,
			time.Hour, `{"sendFrom":"num_a","to":["+15005550100"],"messageType":"MMS","mediaUrls":["https://x.example/a.png","https://x.example/b.png"]}`)
		m := a.Messages[0]
		// Three events of one message, inserted out of order and with ids
		// that sort against their sequence.
		ev := func(id string, seq int64, typ string) platform.Event {
			return platform.Event{ID: id, MessageID: m.ID, APIClientID: ca.ID, Type: typ, Sequence: seq,
				Body: []byte(fmt.Sprintf(`{"sequence":%d}`, seq)), CreatedAt: t0.Add(time.Duration(seq) * time.Second)}
		}
		a.Events = []platform.Event{
			ev("evt_a", 3, webhook.TypeDelivery),
			ev("evt_c", 1, webhook.TypeQueued),
			ev("evt_b", 2, webhook.TypeSent),
		}
		a.Deliveries = nil
		_, _, err := db.Accept(ctx, a)
		must(t, err)

		got, events, err := db.GetMessage(ctx, ca.ID, m.ID)
		must(t, err)
		if !reflect.DeepEqual(got, m) {
			t.Errorf("GetMessage =\n%+v\nwant\n%+v", got, m)
		}
		if want := []platform.Event{a.Events[1], a.Events[2], a.Events[0]}; !reflect.DeepEqual(events, want) {
			t.Errorf("events =\n%+v\nwant in sequence order\n%+v", events, want)
		}

		_, _, err = db.GetMessage(ctx, cb.ID, m.ID) // another client's message
		wantIs(t, err, platform.ErrNotFound)
		_, _, err = db.GetMessage(ctx, ca.ID, "msg_nope")
		wantIs(t, err, platform.ErrNotFound)
	})
}

func TestInsertInbound(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, na, _ := twoClients(t, db)
		na.WebhookInboundOverride = ptr("https://num.example/in")
		m, e, d := platform.NewInbound(ca, na, platform.InboundInput{From: "+15557654321", Text: "STOP",
			MediaURLs: []string{"https://x.example/a.png"}}, t0)
		must(t, db.InsertInbound(ctx, m, e, d))

		got, events, err := db.GetMessage(ctx, ca.ID, m.ID)
		must(t, err)
		if !reflect.DeepEqual(got, m) {
			t.Errorf("GetMessage =\n%+v\nwant\n%+v", got, m)
		}
		if !reflect.DeepEqual(events, []platform.Event{e}) {
			t.Errorf("events = %+v, want [%+v]", events, e)
		}
		if got.Direction != platform.Inbound || got.Status != redcloud.MessageReceived || got.NextAttemptAt != nil {
			t.Errorf("inbound message stored as %s/%s, due %v", got.Direction, got.Status, got.NextAttemptAt)
		}
		if n := countRows(t, db, "deliveries WHERE url = 'https://num.example/in' AND state = 'PENDING'"); n != 1 {
			t.Errorf("%d pending deliveries to the inbound override, want 1", n)
		}
		if n := countRows(t, db, "messages WHERE status = 'QUEUED'"); n != 0 {
			t.Errorf("an inbound message is queued for the provider")
		}
		_, _, err = db.GetMessage(ctx, cb.ID, m.ID)
		wantIs(t, err, platform.ErrNotFound)

		// All or nothing: a second insert of the same message fails whole.
		m2, e2, d2 := platform.NewInbound(ca, na, platform.InboundInput{From: "+15557654321", Text: "again"}, t0)
		m2.ID = m.ID
		if err := db.InsertInbound(ctx, m2, e2, d2); err == nil {
			t.Fatal("inserting a message id twice succeeded")
		}
		if n := countRows(t, db, "events"); n != 1 {
			t.Errorf("a failed inbound insert left its event: %d events", n)
		}
	})
}
