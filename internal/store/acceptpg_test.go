package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// A live key wins over a sending number changed since: the replay answers
// the stored record, as it did before the number changed.
func TestAcceptReplayAfterSenderChanged(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		first := acceptance(t, ca, na, "k1", t0, time.Hour, sendSMS)
		_, _, err := db.Accept(ctx, first)
		must(t, err)
		s := redcloud.StatusSuspended
		must(t, db.SetNumberAttrs(ctx, "num_a", store.NumberAttrs{Status: &s}))
		rec, created, err := db.Accept(ctx, acceptance(t, ca, na, "k1", t0.Add(time.Minute), time.Hour, sendSMS))
		must(t, err)
		if created || !reflect.DeepEqual(rec, first.Record) {
			t.Fatalf("replay after suspension: created %v, record %+v; want the first record", created, rec)
		}
	})
}

// An acceptance in one process wakes the workers of another, once it has
// committed (the NOTIFY is sent after the commit, not inside it).
func TestAcceptWakesOtherProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.Postgres(t)
	listener, accepter := openSQLiteAt(t, dsn), openSQLiteAt(t, dsn)
	c, _, na, _ := twoClients(t, accepter)
	wakes := make(chan struct{}, 1)
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		listener.Listen(lctx, func() {
			select {
			case wakes <- struct{}{}:
			default:
			}
		})
	}()
	t.Cleanup(func() { stop(); <-done })
	select { // Listen wakes once it listens
	case <-wakes:
	case <-time.After(time.Minute):
		t.Fatal("not listening")
	}
	a := acceptance(t, c, na, "k1", t0, time.Hour, sendSMS)
	_, created, err := accepter.Accept(ctx, a)
	must(t, err)
	if !created {
		t.Fatal("not created")
	}
	select {
	case <-wakes:
	case <-time.After(time.Minute):
		t.Fatal("the acceptance did not wake the other process")
	}
	if _, _, err := listener.GetMessage(ctx, c.ID, a.Messages[0].ID); err != nil {
		t.Fatalf("the woken process does not see the message: %v", err)
	}
}
