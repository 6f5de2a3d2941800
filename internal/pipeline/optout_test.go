package pipeline_test

import (
	"log/slog"
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
// webhooks; message.inbound names the keyword.
func TestStopAfterAcceptance(t *testing.T) {
	e := newEnv(t, withoutPipeline())
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
