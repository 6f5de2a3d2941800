package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// notifyWork wakes the workers of every process once the transaction x
// commits (PostgreSQL NOTIFY is transactional); a no-op on SQLite, where
// one process owns the file and wakes its workers in memory.
func notifyWork(ctx context.Context, x q) error {
	if x.d.notify == "" {
		return nil
	}
	if _, err := x.exec(ctx, x.d.notify); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// Listen calls wake whenever another process commits new work, until ctx
// ends. On SQLite it returns at once. A lost connection is re-established;
// wake is also called after each reconnect, since notifications may have
// been missed meanwhile.
func (db *DB) Listen(ctx context.Context, wake func()) {
	if db.dialect.notify == "" {
		return
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		_ = err // the caller's poll covers the gap; retry with backoff
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context, wake func()) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
