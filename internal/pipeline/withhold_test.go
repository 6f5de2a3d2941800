package pipeline_test

import (
	"log/slog"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// TestSuspensionStopsQueuedMessages: messages accepted before their API
// client, its account or the sending number was suspended, or before the
// number was unassigned (or reassigned), are failed with a withholding
// code when the pipeline reaches them, with message.failed and no provider
// call.
func TestSuspensionStopsQueuedMessages(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(t *testing.T, e *env)
		code   string
	}{
		{"client suspended", func(t *testing.T, e *env) {
			must(t, e.db.SetAPIClientStatus(e.ctx, clientID, redcloud.StatusSuspended))
		}, redcloud.FailureSenderSuspended},
		{"account suspended", func(t *testing.T, e *env) {
			c, err := e.db.GetAPIClient(e.ctx, clientID)
			must(t, err)
			must(t, e.db.SetAccountStatus(e.ctx, c.AccountID, redcloud.StatusSuspended))
		}, redcloud.FailureSenderSuspended},
		{"number suspended", func(t *testing.T, e *env) {
			s := redcloud.StatusSuspended
			must(t, e.db.SetNumberAttrs(e.ctx, numberID, store.NumberAttrs{Status: &s}))
		}, redcloud.FailureSenderSuspended},
		{"number unassigned", func(t *testing.T, e *env) {
			must(t, e.db.UnassignNumber(e.ctx, numberID))
		}, redcloud.FailureNumberUnassigned},
		{"number reassigned", func(t *testing.T, e *env) {
			must(t, e.db.UnassignNumber(e.ctx, numberID))
			must(t, e.db.AssignNumber(e.ctx, numberID, redcloud.SandboxOtherClientID))
		}, redcloud.FailureNumberUnassigned},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withoutPipeline())
			e.setWebhooks(t, "/delivery", "")
			ids := e.send(t, recipients(3, 7100000)...)
			tt.change(t, e)
			counter := &sendCounter{counts: map[string]int{}}
			prov := &countingProvider{counter: counter}
			pipe, err := pipeline.New(pipeline.Config{Store: e.db, Provider: prov, Sandbox: true,
				PollInterval: pollInterval, Lease: lease, WebhookRetrySchedule: webhookSchedule,
				Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			must(t, err)
			must(t, pipe.Start(e.ctx))
			t.Cleanup(pipe.Stop)
			for _, id := range ids {
				// Read from the store: the API refuses a suspended client
				// once its cached token lookup expires.
				if m := e.waitStored(t, id, redcloud.MessageFailed, 2); m.FailureCode != tt.code {
					t.Errorf("message %s failure %q, want %s", id, m.FailureCode, tt.code)
				}
				eventually(t, waitFor, func() bool { return len(e.recv.accepted(id)) == 2 },
					func() string { return describeHits(e.recv.forMessage(id)) })
				if h := e.recv.accepted(id); h[1].Event.Type != webhook.TypeFailed || h[1].Event.Failure == nil || h[1].Event.Failure.Code != tt.code {
					t.Errorf("message %s: second webhook %+v, want message.failed %s", id, h[1].Event, tt.code)
				}
			}
			if n := prov.sent(); n != 0 {
				t.Errorf("provider called %d times for withheld messages, want 0", n)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
