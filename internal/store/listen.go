package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyWork wakes the workers of every process once the transaction x
// commits: it marks the transaction, and the store's notifier sends the
// NOTIFY after the commit (see notifier). Outside a transaction it sends it
// at once. A no-op on SQLite, where one process owns the file and wakes its
// workers in memory.
func notifyWork(ctx context.Context, x q) error {
	if x.d.notify == "" {
		return nil
	}
	if x.notified != nil {
		*x.notified = true
		return nil
	}
	if _, err := x.exec(ctx, x.d.notify); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// listenApplication is the application_name of the LISTEN connection (when
// the DSN names none), so that operators can tell it apart in
// pg_stat_activity.
const listenApplication = "redcloud listen"

// The wait before listening again after a failure doubles from
// listenBackoffMin up to listenBackoffMax, and starts again from
// listenBackoffMin once a connection is listening.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 5 * time.Second
)

// Listen calls wake whenever another process commits new work, until ctx
// ends. On SQLite it returns at once. A failure (the connection cannot be
// made, or is lost) is logged and Listen tries again after a backoff; wake is
// also called after each (re)connect, since notifications may have been
// missed meanwhile. Until then the callers' polling covers the gap.
func (db *DB) Listen(ctx context.Context, wake func()) {
	if db.dialect.notify == "" {
		return
	}
	backoff := listenBackoffMin
	for {
		listened, err := db.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		if listened {
			backoff = listenBackoffMin
		}
		db.log.Warn("store: listening for new work failed; polling meanwhile", "err", err, "retryIn", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// listenOnce listens on one connection until it fails; listened reports
// whether LISTEN had succeeded on it.
func (db *DB) listenOnce(ctx context.Context, wake func()) (listened bool, err error) {
	// The store's own pool_max_conns is no PostgreSQL setting: the server
	// refuses a connection that passes it (as the pool's DSN, poolSize
	// takes it out).
	dsn, _, err := poolSize(db.dsn)
	if err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = listenApplication
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, fmt.Errorf("listen: wait for notification: %w", err)
		}
		wake()
	}
}
