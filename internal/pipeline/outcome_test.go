package pipeline_test

import (
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
)

// TestOutcomeWriteOutlastsLease: the provider accepts a message but the
// database refuses to record it (a trigger stands in for a full disk) for
// well over the lease. The pipeline keeps retrying the write instead of
// letting its lease lapse into a second provider send, and records SENT
// once the database takes the write.
func TestOutcomeWriteOutlastsLease(t *testing.T) {
	e := newEnv(t, withoutPipeline())
	id := e.send(t, plainRecipient)[0]
	raw, err := sql.Open("sqlite", "file:"+e.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER refuse_sent BEFORE UPDATE OF status ON messages
		WHEN NEW.status = 'SENT' BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END`); err != nil {
		t.Fatal(err)
	}
	counter := &sendCounter{counts: map[string]int{}}
	prov := &countingProvider{counter: counter}
	const lease = time.Second
	pipe, err := pipeline.New(pipeline.Config{Store: e.db, Provider: prov, Sandbox: true,
		PollInterval: 50 * time.Millisecond, Lease: lease,
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	must(t, err)
	must(t, pipe.Start(e.ctx))
	t.Cleanup(pipe.Stop)
	eventually(t, waitFor, func() bool { return prov.sent() >= 1 }, func() string { return "no provider send" })
	time.Sleep(3 * lease) // the outage outlasts the lease several times over
	if _, err := raw.Exec(`DROP TRIGGER refuse_sent`); err != nil {
		t.Fatal(err)
	}
	e.waitStatus(t, id, redcloud.MessageSent, 2)
	if n := prov.sent(); n != 1 {
		t.Errorf("provider got the message %d times across a %v write outage, want once", n, 3*lease)
	}
}
