package store

import (
	"context"
	"fmt"
	"time"
)

// AuthBlocked reports whether any key has at least limit failures in its
// current window (which started after now-window), and the time that window
// ends.
func (db *DB) AuthBlocked(ctx context.Context, keys []string, limit int, window time.Duration, now time.Time) (time.Time, bool, error) {
	var until time.Time
	blocked := false
	for _, k := range keys {
		var start, n int64
		err := db.r().row(ctx, `SELECT window_start, failures FROM auth_failures WHERE key = ?`, k).Scan(&start, &n)
		if err != nil {
			if isNoRows(err) {
				continue
			}
			return until, false, fmt.Errorf("auth throttle: %w", err)
		}
		end := fromMS(start).Add(window)
		if now.Before(end) && n >= int64(limit) {
			blocked = true
			if end.After(until) {
				until = end
			}
		}
	}
	return until, blocked, nil
}

// AuthFailed counts one failed attempt against every key; a key whose
// window has ended starts a new one. Old rows are deleted as it goes.
func (db *DB) AuthFailed(ctx context.Context, keys []string, window time.Duration, now time.Time) error {
	return db.grouped(ctx, func(x q) error {
		cutoff := ms(now.Add(-window))
		for _, k := range keys {
			if _, err := x.exec(ctx, `INSERT INTO auth_failures (key, window_start, failures) VALUES (?, ?, 1)
				ON CONFLICT (key) DO UPDATE SET
					failures = CASE WHEN auth_failures.window_start <= ? THEN 1 ELSE auth_failures.failures + 1 END,
					window_start = CASE WHEN auth_failures.window_start <= ? THEN ? ELSE auth_failures.window_start END`,
				k, ms(now), cutoff, cutoff, ms(now)); err != nil {
				return fmt.Errorf("auth throttle: %w", err)
			}
		}
		if _, err := x.exec(ctx, `DELETE FROM auth_failures WHERE window_start <= ?`, cutoff); err != nil {
			return fmt.Errorf("auth throttle: %w", err)
		}
		return nil
	})
}
