package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/webhook"
)

// TestStopAfterAcceptance: a STOP that lands after a send was accepted,
// while the provider is slow, stops the queued message to that person
// (message.failed RECIPIENT_OPTED_OUT, no provider call), not the others;
// the STOP confirmation itself goes to the provider once and emits no
// webhooks; message.inbound names the keyword. On SQLite and PostgreSQL.
func TestStopAfterAcceptance(t *testing.T) {
	forEachDB(t, testStopAfterAcceptance)
}

func testStopAfterAcceptance(t *testing.T, dsn string) {
	e := newEnvOn(t, dsn, withoutPipeline())
	e.setWebhooks(t, "/delivery", "/inbound")
	to := recipients(3, 7200000)
	ids := e.send(t, to...)
	in := e.inbound(t, to[1], "Stop.")

	counter := &sendCounter{counts: map[string]int{}}
	prov := &countingProvider{counter: counter, delay: 20 * time.Millisecond}
	pipe, err := pipeline.New(pipeline.Config{Store: e.db, Provider: prov, Sandbox: true,
		PollInterval: pollInterval, Lease: lease, WebhookRetrySchedule: webhookSchedule,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	must(t, err)
	must(t, pipe.Start(e.ctx))
	t.Cleanup(pipe.Stop)

	m := e.waitStatus(t, ids[1], redcloud.MessageFailed, 2)
	if m.Failure == nil || m.Failure.Code != redcloud.FailureRecipientOptedOut {
		t.Errorf("message to the opted-out person: failure %+v, want RECIPIENT_OPTED_OUT", m.Failure)
	}
	eventually(t, waitFor, func() bool { return len(e.recv.accepted(ids[1])) == 2 },
		func() string { return describeHits(e.recv.forMessage(ids[1])) })
	if h := e.recv.accepted(ids[1]); h[1].Event.Type != webhook.TypeFailed || h[1].Event.Failure.Code != redcloud.FailureRecipientOptedOut {
		t.Errorf("second webhook %+v, want message.failed RECIPIENT_OPTED_OUT", h[1].Event)
	}
	for _, i := range []int{0, 2} {
		e.waitStatus(t, ids[i], redcloud.MessageSent, 2)
	}

	// The reply: the one sent message that is not one of the send's.
	var reply string
	eventually(t, waitFor, func() bool { return prov.sent() == 3 }, func() string { return "provider sends" })
	for id, n := range counter.snapshot() {
		if n != 1 {
			t.Errorf("message %s sent %d times", id, n)
		}
		if !slices.Contains(ids, id) {
			reply = id
		}
	}
	if counter.snapshot()[ids[1]] != 0 {
		t.Error("the message to the opted-out person reached the provider")
	}
	r := e.waitStatus(t, reply, redcloud.MessageSent, 2)
	if r.To != to[1] || r.From != numberE164 || r.Text == nil || *r.Text != platform.ReplyOptOut {
		t.Errorf("reply %+v", r)
	}

	eventually(t, waitFor, func() bool { return len(e.recv.accepted(in.MessageID)) == 1 },
		func() string { return describeHits(e.recv.forMessage(in.MessageID)) })
	if k := e.recv.accepted(in.MessageID)[0].Event.Keyword; k == nil || k.Type != webhook.KeywordOptOut || k.Matched != "STOP" {
		t.Errorf("message.inbound keyword %+v, want OPT_OUT STOP", k)
	}
	// Give a wrongly queued reply webhook the time the others took.
	eventually(t, waitFor, func() bool { return len(e.recv.accepted(ids[2])) == 2 }, func() string { return "" })
	if h := e.recv.forMessage(reply); len(h) != 0 {
		t.Errorf("the keyword reply emitted webhooks: %s", describeHits(h))
	}
}

// newCountingPipeline starts a pipeline on e's database whose provider
// counts its sends, as a restarted process would.
func newCountingPipeline(t *testing.T, e *env) (*countingProvider, *pipeline.Pipeline) {
	t.Helper()
	prov := &countingProvider{counter: &sendCounter{counts: map[string]int{}}, delay: 5 * time.Millisecond}
	pipe, err := pipeline.New(pipeline.Config{Store: e.db, Provider: prov, Sandbox: true,
		PollInterval: pollInterval, Lease: lease, WebhookRetrySchedule: webhookSchedule,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	must(t, err)
	must(t, pipe.Start(e.ctx))
	t.Cleanup(pipe.Stop)
	return prov, pipe
}

// TestKeywordReplyAfterCrash: the process that took a STOP and a HELP
// died before sending their replies — one reply still unclaimed, the other
// claimed by the dead process, which never reached the provider. After the
// restart each reply goes to the provider exactly once, with the client's
// own STOP text, and emits no webhooks; the opt-out held throughout. (A
// crash inside the inbound transaction leaves nothing: the store's
// TestKeywordAllOrNothing.) On SQLite and PostgreSQL.
func TestKeywordReplyAfterCrash(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnvOn(t, dsn, withoutPipeline())
		e.setWebhooks(t, "/delivery", "/inbound")
		const stopText = "Acme: you are unsubscribed. Text START to rejoin."
		must(t, e.db.SetKeywordReplies(e.ctx, clientID, platform.KeywordReplies{OptOut: stopText}))
		stopper, helper := "+15557300001", "+15557300002"

		stop := e.inbound(t, stopper, "STOP")
		// The dead process claimed the STOP's reply and died before the
		// provider call; its lease runs out shortly.
		now := time.Now()
		claimed, err := e.db.ClaimMessages(e.ctx, "crashed_process", now, now.Add(300*time.Millisecond), 10)
		must(t, err)
		if len(claimed) != 1 || !claimed[0].KeywordReply || claimed[0].To != stopper {
			t.Fatalf("the dead process claimed %+v, want the STOP's reply", claimed)
		}
		help := e.inbound(t, helper, "help")
		// Sends accepted meanwhile: refused for the person who texted STOP.
		status, b := e.call(t, http.MethodPost, "/api/core/messages/send",
			map[string]any{"sendFrom": numberID, "to": []string{stopper, helper}, "messageType": "SMS", "text": "hello"},
			redcloud.HeaderIdempotencyKey, "idem_"+randomHex(8))
		var res redcloud.SendResponse
		mustJSON(t, b, &res)
		if status != http.StatusAccepted || len(res.Results) != 1 || res.Results[0].To != helper || len(res.Errors) != 1 {
			t.Fatalf("send after the STOP: %d %s", status, b)
		}

		prov, _ := newCountingPipeline(t, e) // the restart
		// Two replies and the send to the helper, each once.
		eventually(t, waitFor, func() bool { return prov.sent() == 3 }, func() string { return fmt.Sprint(prov.counter.snapshot()) })
		counts := prov.counter.snapshot()
		replies := map[string]string{} // messageId → recipient
		for id, n := range counts {
			if n != 1 {
				t.Errorf("message %s went to the provider %d times, want once", id, n)
			}
			if id == res.Results[0].MessageID {
				continue
			}
			m := e.waitStatus(t, id, redcloud.MessageSent, 2)
			replies[id] = m.To
			want := platform.ReplyHelp
			if m.To == stopper {
				want = stopText
			}
			if m.Text == nil || *m.Text != want || m.From != numberE164 {
				t.Errorf("reply %+v, want text %q from %s", m, want, numberE164)
			}
		}
		if len(counts) != 3 || len(replies) != 2 || !slices.Contains(slices.Collect(maps.Values(replies)), stopper) ||
			!slices.Contains(slices.Collect(maps.Values(replies)), helper) {
			t.Errorf("provider sends %v, replies %v; want one reply to each person and the send", counts, replies)
		}
		// Both inbound messages reach the inbound URL once; the replies
		// never reach any URL.
		for _, in := range []redcloud.SandboxInboundResult{stop, help} {
			eventually(t, waitFor, func() bool { return len(e.recv.accepted(in.MessageID)) == 1 },
				func() string { return describeHits(e.recv.forMessage(in.MessageID)) })
		}
		eventually(t, waitFor, func() bool { return len(e.recv.accepted(res.Results[0].MessageID)) >= 2 }, func() string { return "" })
		for id := range replies {
			if h := e.recv.forMessage(id); len(h) != 0 {
				t.Errorf("the keyword reply %s emitted webhooks: %s", id, describeHits(h))
			}
		}
		out, err := e.db.Suppressed(e.ctx, clientID, []string{stopper, helper})
		must(t, err)
		if !out[stopper] || out[helper] {
			t.Errorf("opt-outs after the restart %v, want only %s", out, stopper)
		}
	})
}

// TestReplayAcrossStop: a send accepted before the recipient's STOP,
// replayed after it, answers its stored 202 byte for byte (the opt-out
// check comes after the idempotency lookup); a new send refuses the
// person; the accepted message to them fails RECIPIENT_OPTED_OUT without
// reaching the provider. On SQLite and PostgreSQL.
func TestReplayAcrossStop(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		e := newEnvOn(t, dsn, withoutPipeline())
		person, other := "+15557300011", "+15557300012"
		body := map[string]any{"sendFrom": numberID, "to": []string{person, other}, "messageType": "SMS", "text": "hello"}
		send := func(key string) (int, http.Header, []byte) {
			t.Helper()
			b, _ := json.Marshal(body)
			req, _ := http.NewRequestWithContext(e.ctx, http.MethodPost, e.api.URL+"/api/core/messages/send", bytes.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+e.token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(redcloud.HeaderIdempotencyKey, key)
			res, err := e.http.Do(req)
			must(t, err)
			defer res.Body.Close()
			out, err := io.ReadAll(res.Body)
			must(t, err)
			return res.StatusCode, res.Header, out
		}
		status, _, first := send("idem_before_stop")
		if status != http.StatusAccepted {
			t.Fatalf("first send: %d %s", status, first)
		}
		var accepted redcloud.SendResponse
		mustJSON(t, first, &accepted)
		e.inbound(t, person, "STOP")

		status, h, again := send("idem_before_stop")
		if status != http.StatusAccepted || h.Get(redcloud.HeaderReplayed) != "true" || !bytes.Equal(again, first) {
			t.Errorf("replay after the STOP: %d replayed=%q\n%s\nwant the stored\n%s", status, h.Get(redcloud.HeaderReplayed), again, first)
		}
		status, _, fresh := send("idem_after_stop")
		var res redcloud.SendResponse
		mustJSON(t, fresh, &res)
		if status != http.StatusAccepted || len(res.Results) != 1 || res.Results[0].To != other ||
			len(res.Errors) != 1 || res.Errors[0].To != person || res.Errors[0].Reason != platform.ReasonOptedOut {
			t.Errorf("new send after the STOP: %d %s", status, fresh)
		}

		prov, _ := newCountingPipeline(t, e)
		var toPerson string
		for _, r := range accepted.Results {
			if r.To == person {
				toPerson = r.MessageID
			}
		}
		m := e.waitStatus(t, toPerson, redcloud.MessageFailed, 2)
		if m.Failure == nil || m.Failure.Code != redcloud.FailureRecipientOptedOut {
			t.Errorf("the message accepted before the STOP: failure %+v, want RECIPIENT_OPTED_OUT", m.Failure)
		}
		// The other two sends and the STOP's reply reach the provider; the
		// message to the person never does.
		eventually(t, waitFor, func() bool { return prov.sent() == 3 }, func() string { return fmt.Sprint(prov.counter.snapshot()) })
		if n := prov.counter.snapshot()[toPerson]; n != 0 {
			t.Errorf("the message to the opted-out person reached the provider %d times", n)
		}
	})
}
