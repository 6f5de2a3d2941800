package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// HasDueMessages reports, with a read, whether ClaimMessages would find
// anything: idle polls then take no write lock. ORDER BY makes PostgreSQL
// read the partial index messages_due: for a bare LIMIT 1 it chose a scan
// of the whole table whenever its statistics guessed many rows due (4 ms
// at 5,000 messages, every poll), and an index scan also marks the dead
// entries it passes so that the next poll skips them.
func (db *DB) HasDueMessages(ctx context.Context, now time.Time) (bool, error) {
	return db.exists(ctx, `SELECT 1 FROM messages WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?
		AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT 1`, ms(now), ms(now))
}

func (db *DB) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := db.r().row(ctx, query, args...).Scan(&one)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check due work: %w", err)
	}
	return true, nil
}

// ClaimMessages leases up to limit QUEUED messages that are due, for owner
// until leaseUntil. A row whose lease expired (its worker died) is due again,
// and comes back with Reclaimed set. Shaping applies with its defaults
// (ClaimShaped).
func (db *DB) ClaimMessages(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]platform.Message, error) {
	out, _, err := db.ClaimShaped(ctx, owner, now, leaseUntil, limit, Shaping{})
	return out, err
}

func claimMessages(ctx context.Context, x q, d dialect, owner string, now, leaseUntil time.Time, limit int) ([]platform.Message, error) {
	// SET reads the row as it was: a lease still there expired without
	// an outcome written.
	rows, err := x.query(ctx, `UPDATE messages SET lease_owner = ?, lease_until = ?,
			reclaimed = CASE WHEN lease_until IS NULL THEN 0 ELSE 1 END
		WHERE id IN (SELECT id FROM messages
			WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
			ORDER BY next_attempt_at LIMIT ?`+d.skipLocked+`)
		RETURNING `+messageColumns+`, reclaimed`, owner, ms(leaseUntil), ms(now), ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim messages: %w", err)
	}
	defer rows.Close()
	var out []platform.Message
	for rows.Next() {
		var reclaimed int
		m, err := scanMessage(withColumns{rows, []any{&reclaimed}})
		if err != nil {
			return nil, fmt.Errorf("claim messages: %w", err)
		}
		m.Reclaimed = reclaimed != 0
		out = append(out, m)
	}
	return out, rows.Err()
}

// Transition moves one message on: the new state of the message and, for a
// status change, its event and the event's deliveries. It applies only if
// the message is still in FromStatus at FromSequence (and, when LeaseOwner
// is set, still leased by it), so two workers or a late receipt can never
// produce a second event for one step, and only if the lifecycle allows it
// (platform.Step.Check).
type Transition struct {
	Message      platform.Message // new state
	FromStatus   string
	FromSequence int64
	LeaseOwner   string
	Event        *platform.Event
	Deliveries   []platform.Delivery
}

// ApplyTransitions commits transitions in one transaction and reports, per
// transition, whether it applied.
func (db *DB) ApplyTransitions(ctx context.Context, ts []Transition) ([]bool, error) {
	applied := make([]bool, len(ts))
	if db.dialect.name == "postgres" && len(ts) == 1 {
		if !checkTransition(ts[0]) {
			return applied, nil
		}
		ok, err := db.applyTransitionPostgres(ctx, ts[0])
		applied[0] = ok
		return applied, err
	}
	err := db.grouped(ctx, func(x q) error {
		events := false
		for i, t := range ts {
			ok, err := applyTransition(ctx, x, t)
			if err != nil {
				return err
			}
			applied[i] = ok
			events = events || ok && t.Event != nil
		}
		if events {
			return notifyWork(ctx, x)
		}
		return nil
	})
	return applied, err
}

func applyTransition(ctx context.Context, x q, t Transition) (bool, error) {
	m := t.Message
	if !checkTransition(t) {
		return false, nil
	}
	// SQLite rewrites the entries of every index holding a column the SET
	// names, changed or not (measured: 6× the cost of an update naming none),
	// so only what this step can change is named: the status when it
	// changes, and the provider reference, schedule and estimate only for a
	// step from QUEUED — no other message holds them (platform.advance
	// clears them on leaving QUEUED) and only a QUEUED message is sent.
	set := `sequence = ?, attempts = ?, failure_code = ?, failure_message = ?, failure_provider_code = ?,
		lease_owner = NULL, lease_until = NULL, updated_at = ?`
	args := []any{m.Sequence, m.Attempts, m.FailureCode, m.FailureMessage, m.FailureProviderCode, ms(m.UpdatedAt)}
	if m.Status != t.FromStatus {
		set += `, status = ?`
		args = append(args, m.Status)
	}
	if t.FromStatus == redcloud.MessageQueued {
		var next any
		if m.NextAttemptAt != nil {
			next = ms(*m.NextAttemptAt)
		}
		set += `, provider_ref = ?, next_attempt_at = ?, queued_until = ?`
		args = append(args, m.ProviderRef, next, msOrNil(m.QueuedUntil))
	}
	query := `UPDATE messages SET ` + set + ` WHERE id = ? AND status = ? AND sequence = ?`
	args = append(args, m.ID, t.FromStatus, t.FromSequence)
	if t.LeaseOwner != "" {
		query += ` AND lease_owner = ?`
		args = append(args, t.LeaseOwner)
	}
	res, err := x.exec(ctx, query, args...)
	if err != nil {
		return false, fmt.Errorf("apply transition: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	if t.Event != nil {
		if err := insertEvents(ctx, x, []platform.Event{*t.Event}, t.Deliveries); err != nil {
			return false, err
		}
	}
	return true, nil
}

// checkTransition: a move the lifecycle forbids never applies, like a
// stale one.
func checkTransition(t Transition) bool {
	return (platform.Step{Message: t.Message, FromStatus: t.FromStatus, FromSequence: t.FromSequence, Event: t.Event}).Check() == nil
}

// Routing returns what routing a new event needs: the API client (URLs) and
// the number (overrides).
func (db *DB) Routing(ctx context.Context, clientID, numberID string) (platform.APIClient, platform.Number, error) {
	c, err := db.GetAPIClient(ctx, clientID)
	if err != nil {
		return c, platform.Number{}, err
	}
	n, err := db.GetNumber(ctx, numberID)
	if err != nil {
		return c, n, err
	}
	return c, n, nil
}

// QueueDepth counts the work waiting: QUEUED messages and PENDING deliveries.
func (db *DB) QueueDepth(ctx context.Context) (messages, deliveries int, err error) {
	err = db.r().row(ctx, `SELECT (SELECT COUNT(*) FROM messages WHERE status = 'QUEUED'),
		(SELECT COUNT(*) FROM deliveries WHERE state = 'PENDING')`).Scan(&messages, &deliveries)
	if err != nil {
		err = fmt.Errorf("queue depth: %w", err)
	}
	return messages, deliveries, err
}

// withColumns scans a row of messageColumns followed by more columns.
type withColumns struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (w withColumns) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }
