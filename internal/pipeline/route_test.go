package pipeline_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
	"github.com/redcloud-core/redcloud/webhook"
)

// The sandbox's second API client (CONTRACT §10).
const (
	otherClientID     = "rc_other_client_456"
	otherClientSecret = "rc_other_secret_456"
)

// TestReplayRoutesLikeNewEvents: with nothing changed in between, a replay
// goes exactly where the event first went, for every event type and every
// routing configuration. New events are routed by acceptance
// (message.queued), the inbound path (message.inbound) and the pipeline
// (message.sent, message.delivery); replays by the store. All of them must
// decide by the one rule of CONTRACT §8.1, including after the number moved
// to another client that set its own overrides, where a second copy of the
// rule (in the replay SQL) once differed from the pipeline's.
func TestReplayRoutesLikeNewEvents(t *testing.T) {
	tests := []struct {
		name     string
		client   bool // the client's delivery and inbound URLs are set
		override bool // the number's owner set both overrides
		reassign bool // after acceptance the number moves to the other client, which sets its own overrides
		// Where the events go; "" is nowhere (NO_ENDPOINT).
		lifecycle, inbound string
	}{
		{"client URLs", true, false, false, "/client-delivery", "/client-inbound"},
		{"overrides", true, true, false, "/number-delivery", "/number-inbound"},
		{"overrides alone", false, true, false, "/number-delivery", "/number-inbound"},
		{"nowhere", false, false, false, "", ""},
		{"number reassigned", true, true, true, "/client-delivery", "/client-inbound"},
		{"number reassigned, no client URLs", false, true, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withoutPipeline())
			if tt.client {
				e.setWebhooks(t, "/client-delivery", "/client-inbound")
			} else {
				e.setWebhooks(t, "", "")
			}
			if tt.override {
				e.patchNumber(t, map[string]any{"webhookDeliveryOverride": e.recv.URL("/number-delivery"),
					"webhookInboundOverride": e.recv.URL("/number-inbound")})
			}
			id := e.send(t, plainRecipient)[0]
			in := e.inbound(t, otherE164, "hello")
			m := e.message(t, id)
			if len(m.Events) != 1 {
				t.Fatalf("events before the pipeline ran: %+v", m.Events)
			}
			if tt.reassign {
				// Routed at acceptance, under the first owner: replay those first.
				e.checkReplay(t, m.Events[0].EventID, tt.override, "/number-delivery")
				e.checkReplay(t, in.EventID, tt.override, "/number-inbound")
				e.reassign(t)
			} else {
				e.checkReplay(t, m.Events[0].EventID, tt.lifecycle != "", tt.lifecycle)
				e.checkReplay(t, in.EventID, tt.inbound != "", tt.inbound)
			}

			p, err := pipeline.New(pipeline.Config{Store: e.db, Provider: sandbox.New(time.Millisecond), Sandbox: true,
				PollInterval: pollInterval, Lease: lease,
				Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Start(e.ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.Stop)
			// A message whose number moved to another client before the
			// pipeline reached it is withheld (NUMBER_UNASSIGNED): its
			// message.failed must still go to its own client, never to the
			// new owner's override.
			status, events := redcloud.MessageDelivered, 3
			if tt.reassign {
				status, events = redcloud.MessageFailed, 2
			}
			m = e.waitStatus(t, id, status, events)
			for _, ev := range m.Events[1:] {
				if ev.Type != webhook.TypeSent && ev.Type != webhook.TypeDelivery && !(tt.reassign && ev.Type == webhook.TypeFailed) {
					t.Fatalf("event %+v", ev)
				}
				e.checkReplay(t, ev.EventID, tt.lifecycle != "", tt.lifecycle)
			}
		})
	}
}

// checkReplay replays an event and checks that the replay goes where the
// event's first delivery went: to the receiver's path, or nowhere.
func (e *env) checkReplay(t *testing.T, eventID string, routed bool, path string) {
	t.Helper()
	want := ""
	if routed {
		want = e.recv.URL(path)
	}
	ev, ds := e.event(t, eventID)
	if len(ds) != 1 || ds[0].URL != want {
		t.Fatalf("%s %s first went to %+v, want one delivery to %q", ev.Type, eventID, ds, want)
	}
	replayed, err := e.db.ReplayEvents(e.ctx, []string{eventID}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(replayed) != 1 || replayed[0].URL != want {
		t.Errorf("%s %s: replayed to %+v; its first delivery went to %q", ev.Type, eventID, replayed, want)
	}
}

// reassign moves num_abc123 to the other client, which points both
// overrides at its own paths.
func (e *env) reassign(t *testing.T) {
	t.Helper()
	if err := e.db.UnassignNumber(e.ctx, numberID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.AssignNumber(e.ctx, numberID, otherClientID); err != nil {
		t.Fatal(err)
	}
	own := e.token
	e.token = e.tokenFor(t, otherClientID, otherClientSecret)
	defer func() { e.token = own }()
	e.patchNumber(t, map[string]any{"webhookDeliveryOverride": e.recv.URL("/other-delivery"),
		"webhookInboundOverride": e.recv.URL("/other-inbound")})
}
