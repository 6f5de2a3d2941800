package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// TestListenSurvivesALostConnection: when PostgreSQL ends the LISTEN
// connection, Listen logs the failure, listens again on a new connection,
// and another process's new work still wakes it.
func TestListenSurvivesALostConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.Postgres(t)
	var logs lockedBuffer
	db, err := store.Open(ctx, dsn, store.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	other := openSQLiteAt(t, dsn) // another process on the same database
	c, _, na, _ := twoClients(t, other)

	wakes := make(chan struct{}, 1)
	listenCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.Listen(listenCtx, func() {
			select {
			case wakes <- struct{}{}:
			default: // a wake is pending already
			}
		})
	}()
	t.Cleanup(func() { stop(); <-done })
	waitWake := func(why string) {
		t.Helper()
		select {
		case <-wakes:
		case <-time.After(time.Minute):
			t.Fatalf("no wake: %s", why)
		}
	}
	admin, err := sql.Open("pgx", dsn)
	must(t, err)
	t.Cleanup(func() { admin.Close() })

	waitWake("listening")
	first := listenerPID(t, admin, 0)
	var ended bool
	must(t, admin.QueryRowContext(ctx, `SELECT pg_terminate_backend($1)`, first).Scan(&ended))
	if !ended {
		t.Fatalf("backend %d was not terminated", first)
	}
	waitWake("listening again")
	again := listenerPID(t, admin, first) // the terminated one may linger a moment
	if !strings.Contains(logs.String(), "listening for new work failed") {
		t.Errorf("the lost connection was not logged; log:\n%s", logs.String())
	}

	m, e, d := platform.NewInbound(c, na, platform.InboundInput{From: "+15557654321", Text: "hi"}, t0)
	must(t, other.InsertInbound(ctx, m, e, d)) // notifies on commit
	waitWake("new work after the reconnection")
	if pid := listenerPID(t, admin, first); pid != again {
		// A wake from a further reconnection, not from the notification.
		t.Fatalf("listener moved from backend %d to %d", again, pid)
	}
}

// listenerPID returns the backend of the store's LISTEN connection, other
// than backend not.
func listenerPID(t *testing.T, admin *sql.DB, not int) int {
	t.Helper()
	rows, err := admin.QueryContext(context.Background(), `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'redcloud listen' AND pid <> $1`, not)
	must(t, err)
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		must(t, rows.Scan(&pid))
		pids = append(pids, pid)
	}
	must(t, rows.Err())
	if len(pids) != 1 {
		t.Fatalf("LISTEN backends: %v, want one", pids)
	}
	return pids[0]
}

// On SQLite one process owns the file: there is nothing to listen to.
func TestListenOnSQLiteReturns(t *testing.T) {
	t.Parallel()
	openTest(t).Listen(context.Background(), func() { t.Error("woken on SQLite") })
}

// lockedBuffer is a bytes.Buffer safe for a logger and a test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
