package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func TestKeywordSuppression(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, na, _ := twoClients(t, db)
		person := "+15557654321"
		suppressed := func(c platform.APIClient) bool {
			t.Helper()
			got, err := db.Suppressed(ctx, c.ID, []string{person, "+15550000000"})
			must(t, err)
			return got[person]
		}
		receive := func(text string) platform.InboundReceipt {
			t.Helper()
			r := platform.ReceiveInbound(ca, na, platform.InboundInput{From: person, Text: text}, t0)
			must(t, db.ReceiveInbound(ctx, r))
			return r
		}

		stop := receive("stop")
		if !suppressed(ca) {
			t.Fatal("STOP did not suppress the sender")
		}
		if suppressed(cb) {
			t.Error("STOP to rc_a's number suppressed the sender for rc_b too")
		}
		s, err := db.GetSuppression(ctx, ca.ID, person)
		must(t, err)
		want := platform.Suppression{APIClientID: ca.ID, E164: person, Source: platform.SuppressionKeyword, Keyword: "STOP",
			NumberID: na.ID, InboundMessageID: stop.Message.ID, CreatedAt: t0}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("suppression = %+v, want %+v", s, want)
		}
		// The reply is queued in the same transaction, marked, with its
		// queued event and no delivery.
		reply, events, err := db.GetMessage(ctx, ca.ID, stop.Keyword.Reply.ID)
		must(t, err)
		if !reply.KeywordReply || reply.Text != platform.ReplyOptOut || reply.To != person || len(events) != 1 {
			t.Errorf("reply %+v with %d events", reply, len(events))
		}
		if n := countRows(t, db, "deliveries WHERE event_id = '"+stop.Keyword.ReplyEvent.ID+"'"); n != 0 {
			t.Errorf("the keyword reply's event has %d deliveries, want none", n)
		}

		// HELP changes nothing; START lifts it.
		receive("HELP")
		if !suppressed(ca) {
			t.Error("HELP lifted the opt-out")
		}
		receive("Start")
		if suppressed(ca) {
			t.Error("START did not lift the keyword opt-out")
		}
		if n := countRows(t, db, "messages WHERE keyword_reply = 1 AND status = 'QUEUED'"); n != 3 {
			t.Errorf("%d queued keyword replies, want 3", n)
		}

		// START does not lift an api opt-out; a later STOP makes it the person's.
		api := platform.NewSuppression(ca.ID, person, t0)
		got, created, err := db.AddSuppression(ctx, api)
		must(t, err)
		if !created || got != api {
			t.Errorf("AddSuppression = %+v, %v", got, created)
		}
		if _, created, _ := db.AddSuppression(ctx, api); created {
			t.Error("a second AddSuppression created a row")
		}
		receive("start")
		if !suppressed(ca) {
			t.Error("START lifted an api opt-out")
		}
		receive("STOP ALL")
		s, err = db.GetSuppression(ctx, ca.ID, person)
		must(t, err)
		if s.Source != platform.SuppressionKeyword || s.Keyword != "STOP ALL" {
			t.Errorf("after STOP ALL over an api row: %+v", s)
		}
		// The api source may not remove a keyword row; any source may.
		if ok, err := db.DeleteSuppression(ctx, ca.ID, person, platform.SuppressionAPI); err != nil || ok {
			t.Errorf("DeleteSuppression(api) of a keyword row = %v, %v; want false", ok, err)
		}
		if ok, err := db.DeleteSuppression(ctx, ca.ID, person, ""); err != nil || !ok {
			t.Errorf("DeleteSuppression(any) = %v, %v; want true", ok, err)
		}
		_, err = db.GetSuppression(ctx, ca.ID, person)
		wantIs(t, err, platform.ErrNotFound)
	})
}

// TestKeywordRepliesStored: an API client's own keyword replies are
// stored, read back with the client, answer its keywords, and go back to
// the defaults when cleared; another client keeps the defaults.
func TestKeywordRepliesStored(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, na, nb := twoClients(t, db)
		custom := platform.KeywordReplies{OptOut: "Acme: unsubscribed. Text START to rejoin.", OptIn: "Acme: welcome back ✓", Help: "Acme help:\nacme.example/sms"}
		must(t, db.SetKeywordReplies(ctx, ca.ID, custom))
		wantIs(t, db.SetKeywordReplies(ctx, "rc_nobody", custom), platform.ErrNotFound)
		c, err := db.GetAPIClient(ctx, ca.ID)
		must(t, err)
		if c.KeywordReplies != custom {
			t.Fatalf("read back %+v, want %+v", c.KeywordReplies, custom)
		}
		reply := func(c platform.APIClient, n platform.Number, text string) string {
			t.Helper()
			r := platform.ReceiveInbound(c, n, platform.InboundInput{From: "+15557654321", Text: text}, t0)
			must(t, db.ReceiveInbound(ctx, r))
			m, _, err := db.GetMessage(ctx, c.ID, r.Keyword.Reply.ID)
			must(t, err)
			return m.Text
		}
		for kw, want := range map[string]string{"STOP": custom.OptOut, "START": custom.OptIn, "HELP": custom.Help} {
			if got := reply(c, na, kw); got != want {
				t.Errorf("%s reply %q, want %q", kw, got, want)
			}
		}
		other, err := db.GetAPIClient(ctx, cb.ID)
		must(t, err)
		if got := reply(other, nb, "STOP"); got != platform.ReplyOptOut {
			t.Errorf("the other client's STOP reply %q, want the default", got)
		}
		must(t, db.SetKeywordReplies(ctx, ca.ID, platform.KeywordReplies{}))
		c, err = db.GetAPIClient(ctx, ca.ID)
		must(t, err)
		if got := reply(c, na, "stop"); c.KeywordReplies != (platform.KeywordReplies{}) || got != platform.ReplyOptOut {
			t.Errorf("after reset: %+v, STOP reply %q", c.KeywordReplies, got)
		}
	})
}

// TestSuppressionRemovalRecorded: an operator's removal deletes the
// opt-out and records it with its reason in one transaction; a removal
// whose row changed source meanwhile removes and records nothing.
func TestSuppressionRemovalRecorded(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, na, _ := twoClients(t, db)
		person := "+15557654321"
		must(t, db.ReceiveInbound(ctx, platform.ReceiveInbound(ca, na, platform.InboundInput{From: person, Text: "STOP"}, t0)))
		s, err := db.GetSuppression(ctx, ca.ID, person)
		must(t, err)

		stale := s
		stale.Source = platform.SuppressionAPI
		if ok, err := db.RemoveSuppressionRecorded(ctx, stale, "wrong source", t0.Add(time.Minute)); err != nil || ok {
			t.Errorf("removal of a row whose source changed = %v, %v; want false", ok, err)
		}
		at := t0.Add(time.Hour)
		if ok, err := db.RemoveSuppressionRecorded(ctx, s, "ticket 4711: asked by phone", at); err != nil || !ok {
			t.Fatalf("RemoveSuppressionRecorded = %v, %v", ok, err)
		}
		_, err = db.GetSuppression(ctx, ca.ID, person)
		wantIs(t, err, platform.ErrNotFound)
		got, err := db.SuppressionRemovals(ctx, ca.ID)
		must(t, err)
		want := []platform.SuppressionRemoval{{Suppression: platform.Suppression{APIClientID: ca.ID, E164: person,
			Source: platform.SuppressionKeyword, Keyword: "STOP", CreatedAt: t0}, Reason: "ticket 4711: asked by phone", RemovedAt: at}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("removals =\n%+v\nwant\n%+v", got, want)
		}
		if ok, err := db.RemoveSuppressionRecorded(ctx, s, "again", at); err != nil || ok {
			t.Errorf("a second removal = %v, %v; want false", ok, err)
		}
		if got, err := db.SuppressionRemovals(ctx, ca.ID); err != nil || len(got) != 1 {
			t.Errorf("removals after a second removal: %d (err %v), want 1", len(got), err)
		}
		if got, err := db.SuppressionRemovals(ctx, cb.ID); err != nil || len(got) != 0 {
			t.Errorf("the other client's removals: %+v (err %v)", got, err)
		}
	})
}

func TestListSuppressions(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, _, _ := twoClients(t, db)
		for _, e := range []string{"+15550000003", "+15550000001", "+15550000002"} {
			_, _, err := db.AddSuppression(ctx, platform.NewSuppression(ca.ID, e, t0))
			must(t, err)
		}
		_, _, err := db.AddSuppression(ctx, platform.NewSuppression(cb.ID, "+15550000009", t0))
		must(t, err)
		var got []string
		after := ""
		for {
			page, err := db.ListSuppressions(ctx, ca.ID, after, 2)
			must(t, err)
			for _, s := range page {
				got = append(got, s.E164)
			}
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].E164
		}
		if want := []string{"+15550000001", "+15550000002", "+15550000003"}; !reflect.DeepEqual(got, want) {
			t.Errorf("pages = %v, want %v", got, want)
		}
		many := make([]string, 1200) // more than one chunk of the IN list
		for i := range many {
			many[i] = "+1555" + string(rune('0'+i%10)) + "00000" + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10))
		}
		many[1100] = "+15550000002"
		out, err := db.Suppressed(ctx, ca.ID, many)
		must(t, err)
		if !out["+15550000002"] || len(out) != 1 {
			t.Errorf("Suppressed over 1200 numbers = %v", out)
		}
	})
}

// TestKeywordAllOrNothing: the inbound message, its opt-out and its reply
// commit together; a failure of any part (here, the reply's id already
// taken) leaves none of them, so a crash cannot leave an opt-out without
// its confirmation or a reply queued twice.
func TestKeywordAllOrNothing(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		first := platform.ReceiveInbound(ca, na, platform.InboundInput{From: "+15557654321", Text: "HELP"}, t0)
		must(t, db.ReceiveInbound(ctx, first))
		r := platform.ReceiveInbound(ca, na, platform.InboundInput{From: "+15557654322", Text: "STOP"}, t0)
		r.Keyword.Reply.ID = first.Keyword.Reply.ID
		if err := db.ReceiveInbound(ctx, r); err == nil {
			t.Fatal("a keyword receipt whose reply id is taken committed")
		}
		got, err := db.Suppressed(ctx, ca.ID, []string{"+15557654322"})
		must(t, err)
		if len(got) != 0 {
			t.Error("the failed receipt's opt-out was kept")
		}
		_, _, err = db.GetMessage(ctx, ca.ID, r.Message.ID)
		wantIs(t, err, platform.ErrNotFound)
	})
}
