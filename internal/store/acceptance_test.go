package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

const sendSMS = `{"sendFrom":"num_a","to":["+15005550100","not-a-number","+15005550101"],"messageType":"SMS","text":"hello","externalReference":"order_789"}`

// acceptance builds the acceptance of body (a valid send) by client c from
// number n under key at now, as the HTTP layer does.
func acceptance(t *testing.T, c platform.APIClient, n platform.Number, key string, now time.Time, ttl time.Duration, body string) platform.Acceptance {
	t.Helper()
	send, verr := platform.DecodeSend([]byte(body), true)
	if verr != nil {
		t.Fatalf("DecodeSend: %v", verr)
	}
	ok, bad := platform.CheckRecipients(send.To)
	return platform.NewAcceptance(platform.AcceptInput{
		Client: c, Number: n, Send: send, Key: key, Recipients: ok, Errors: bad,
		Now: now, KeyTTL: ttl, Validity: 4 * time.Hour,
	})
}

// messagesUnder counts the rows of each acceptance table under (client, key).
func messagesUnder(t *testing.T, db *store.DB, client, key string) (messages, events, deliveries int) {
	t.Helper()
	where := fmt.Sprintf("m.api_client_id = '%s' AND m.idempotency_key = '%s'", client, key)
	messages = countRows(t, db, "messages m WHERE "+where)
	events = countRows(t, db, "events e JOIN messages m ON m.id = e.message_id WHERE "+where)
	deliveries = countRows(t, db, "deliveries d JOIN events e ON e.id = d.event_id JOIN messages m ON m.id = e.message_id WHERE "+where)
	return messages, events, deliveries
}

// checkStored fails unless every message of a is stored as built, with its
// message.queued event.
func checkStored(t *testing.T, db *store.DB, a platform.Acceptance) {
	t.Helper()
	for i, want := range a.Messages {
		m, events, err := db.GetMessage(context.Background(), want.APIClientID, want.ID)
		if err != nil {
			t.Fatalf("GetMessage(%s): %v", want.ID, err)
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("message %d =\n%+v\nwant\n%+v", i, m, want)
		}
		if wantEv := []platform.Event{a.Events[i]}; !reflect.DeepEqual(events, wantEv) {
			t.Errorf("events of message %d =\n%+v\nwant\n%+v", i, events, wantEv)
		}
	}
}

func TestAccept(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		ca.DeliveryURL = ptr("https://client.example/d")
		a := acceptance(t, ca, na, "k1", t0, 24*time.Hour, sendSMS)

		rec, created, err := db.Accept(ctx, a)
		must(t, err)
		if !created || !reflect.DeepEqual(rec, a.Record) {
			t.Fatalf("Accept = %+v, %v; want the new record, true", rec, created)
		}
		got, err := db.GetIdempotency(ctx, ca.ID, "k1", t0)
		must(t, err)
		if !reflect.DeepEqual(got, a.Record) {
			t.Errorf("GetIdempotency =\n%+v\nwant\n%+v", got, a.Record)
		}
		checkStored(t, db, a)
		if m, e, d := messagesUnder(t, db, ca.ID, "k1"); m != 2 || e != 2 || d != 2 {
			t.Errorf("stored %d messages, %d events, %d deliveries; want 2 each", m, e, d)
		}
		if n := countRows(t, db, "deliveries WHERE state = 'PENDING' AND url = 'https://client.example/d' AND next_attempt_at IS NOT NULL"); n != 2 {
			t.Errorf("%d deliveries PENDING and due to the client URL, want 2", n)
		}
		if n := countRows(t, db, "messages WHERE status = 'QUEUED' AND next_attempt_at IS NOT NULL AND lease_owner IS NULL"); n != 2 {
			t.Errorf("%d messages QUEUED and due, want 2", n)
		}
	})
}

func TestAcceptNoEndpoint(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ca, _, na, _ := twoClients(t, db)
		a := acceptance(t, ca, na, "k1", t0, time.Hour, sendSMS)
		_, _, err := db.Accept(context.Background(), a)
		must(t, err)
		if n := countRows(t, db, "deliveries WHERE state = 'NO_ENDPOINT' AND url = '' AND next_attempt_at IS NULL"); n != 2 {
			t.Errorf("%d deliveries NO_ENDPOINT and never due, want 2", n)
		}
	})
}

func TestAcceptReplay(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, na, nb := twoClients(t, db)
		first := acceptance(t, ca, na, "k1", t0, time.Hour, sendSMS)
		_, _, err := db.Accept(ctx, first)
		must(t, err)

		for _, tt := range []struct {
			name string
			body string
			at   time.Time
		}{
			{"same payload", sendSMS, t0.Add(time.Minute)},
			{"different payload", `{"sendFrom":"num_a","to":["+15005550199"],"messageType":"SMS","text":"other"}`, t0.Add(2 * time.Minute)},
			{"a millisecond before expiry", sendSMS, t0.Add(time.Hour - time.Millisecond)},
		} {
			again := acceptance(t, ca, na, "k1", tt.at, time.Hour, tt.body)
			rec, created, err := db.Accept(ctx, again)
			must(t, err)
			if created {
				t.Fatalf("%s: a second acceptance under the key was created", tt.name)
			}
			if !reflect.DeepEqual(rec, first.Record) {
				t.Errorf("%s: Accept returned\n%+v\nwant the first record\n%+v", tt.name, rec, first.Record)
			}
			for _, m := range again.Messages {
				if _, _, err := db.GetMessage(ctx, ca.ID, m.ID); !errorsIsNotFound(err) {
					t.Errorf("%s: the loser's message %s: err = %v, want ErrNotFound", tt.name, m.ID, err)
				}
			}
		}
		if m, e, d := messagesUnder(t, db, ca.ID, "k1"); m != 2 || e != 2 || d != 2 {
			t.Errorf("stored %d messages, %d events, %d deliveries; want 2 each (the first acceptance only)", m, e, d)
		}
		checkStored(t, db, first)

		// The key is scoped per API client.
		other := acceptance(t, cb, nb, "k1", t0.Add(time.Minute), time.Hour, sendSMS)
		rec, created, err := db.Accept(ctx, other)
		must(t, err)
		if !created || !reflect.DeepEqual(rec, other.Record) {
			t.Errorf("another client's key: created = %v, record %+v", created, rec)
		}
	})
}

func TestAcceptReplacesExpiredRecord(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		first := acceptance(t, ca, na, "k1", t0, time.Hour, sendSMS)
		_, _, err := db.Accept(ctx, first)
		must(t, err)

		later := t0.Add(time.Hour) // the first record's expiry
		second := acceptance(t, ca, na, "k1", later, time.Hour, `{"sendFrom":"num_a","to":["+15005550199"],"messageType":"SMS","text":"new"}`)
		rec, created, err := db.Accept(ctx, second)
		must(t, err)
		if !created || !reflect.DeepEqual(rec, second.Record) {
			t.Fatalf("Accept after expiry = %+v, %v; want the new record, true", rec, created)
		}
		got, err := db.GetIdempotency(ctx, ca.ID, "k1", later)
		must(t, err)
		if !reflect.DeepEqual(got, second.Record) {
			t.Errorf("GetIdempotency = %+v, want the new record", got)
		}
		checkStored(t, db, second)
		checkStored(t, db, first) // messages outlive their key
		if n := countRows(t, db, "idempotency_keys"); n != 1 {
			t.Errorf("%d idempotency records, want 1", n)
		}
	})
}

func TestAcceptIsAllOrNothing(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		a := acceptance(t, ca, na, "k1", t0, time.Hour, sendSMS)
		a.Events[1].ID = a.Events[0].ID // the second event cannot be inserted
		if _, _, err := db.Accept(ctx, a); err == nil {
			t.Fatal("Accept with a duplicate event id succeeded")
		}
		_, err := db.GetIdempotency(ctx, ca.ID, "k1", t0)
		wantIs(t, err, platform.ErrNotFound)
		for _, table := range []string{"idempotency_keys", "messages", "events", "deliveries"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("a failed acceptance left %d rows in %s", n, table)
			}
		}
		// The key is free: a correct acceptance now succeeds.
		_, created, err := db.Accept(ctx, acceptance(t, ca, na, "k1", t0, time.Hour, sendSMS))
		must(t, err)
		if !created {
			t.Error("the key stayed taken after a failed acceptance")
		}
	})
}

// TestAcceptRace: many requests with one key at the same moment create
// exactly one acceptance, and every caller gets its record (CONTRACT §5.1).
func TestAcceptRace(t *testing.T) {
	t.Parallel()
	const n = 50
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		as := make([]platform.Acceptance, n)
		for i := range as {
			as[i] = acceptance(t, ca, na, "race", t0, time.Hour, sendSMS)
		}
		type result struct {
			rec     platform.IdempotencyRecord
			created bool
			err     error
		}
		results := make([]result, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				rec, created, err := db.Accept(ctx, as[i])
				results[i] = result{rec, created, err}
			})
		}
		close(start)
		wg.Wait()

		winner := -1
		for i, r := range results {
			if r.err != nil {
				t.Fatalf("Accept %d: %v", i, r.err)
			}
			if r.created {
				if winner >= 0 {
					t.Fatalf("Accept %d and %d both created an acceptance", winner, i)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatal("no Accept created the acceptance")
		}
		want := as[winner].Record
		for i, r := range results {
			if !reflect.DeepEqual(r.rec, want) {
				t.Errorf("Accept %d returned a record other than the winner's: %s", i, r.rec.Response)
			}
		}
		checkStored(t, db, as[winner])
		for i, a := range as {
			if i == winner {
				continue
			}
			for _, m := range a.Messages {
				if _, _, err := db.GetMessage(ctx, ca.ID, m.ID); !errorsIsNotFound(err) {
					t.Fatalf("loser %d's message %s: err = %v, want ErrNotFound", i, m.ID, err)
				}
			}
		}
		if m, e, d := messagesUnder(t, db, ca.ID, "race"); m != 2 || e != 2 || d != 2 {
			t.Errorf("stored %d messages, %d events, %d deliveries; want exactly one set (2 each)", m, e, d)
		}
		if n := countRows(t, db, "idempotency_keys"); n != 1 {
			t.Errorf("%d idempotency records, want 1", n)
		}
	})
}

// TestAcceptRechecksSender: a number unassigned, reassigned or suspended
// between the request's ownership check and the commit is refused inside
// the acceptance transaction, and nothing is written.
func TestAcceptRechecksSender(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		change func(t *testing.T, db *store.DB)
	}{
		{"unassigned", func(t *testing.T, db *store.DB) { must(t, db.UnassignNumber(context.Background(), "num_a")) }},
		{"reassigned", func(t *testing.T, db *store.DB) {
			must(t, db.UnassignNumber(context.Background(), "num_a"))
			must(t, db.AssignNumber(context.Background(), "num_a", "rc_b"))
		}},
		{"suspended", func(t *testing.T, db *store.DB) {
			s := redcloud.StatusSuspended
			must(t, db.SetNumberAttrs(context.Background(), "num_a", store.NumberAttrs{Status: &s}))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachDB(t, func(t *testing.T, db *store.DB) {
				ca, _, na, _ := twoClients(t, db)
				a := acceptance(t, ca, na, "k1", t0, time.Hour, sendSMS) // checked while num_a was rc_a's
				tt.change(t, db)
				_, created, err := db.Accept(context.Background(), a)
				if !errors.Is(err, store.ErrSenderChanged) || created {
					t.Fatalf("Accept: created %v, err %v; want ErrSenderChanged", created, err)
				}
				if m, e, d := messagesUnder(t, db, "rc_a", "k1"); m+e+d != 0 {
					t.Errorf("refused acceptance wrote %d messages, %d events, %d deliveries", m, e, d)
				}
				if n := countRows(t, db, "idempotency_keys"); n != 0 {
					t.Errorf("refused acceptance kept %d idempotency records", n)
				}
			})
		})
	}
}
