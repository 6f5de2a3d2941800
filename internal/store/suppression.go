package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// applyKeyword writes an inbound keyword's opt-out change and queues its
// reply, in the inbound message's transaction.
func applyKeyword(ctx context.Context, x q, k *platform.KeywordAction) error {
	if s := k.Suppress; s != nil {
		// The person's own STOP outranks an api row: from now on only their
		// START (or an operator) lifts it.
		if _, err := x.exec(ctx, `INSERT INTO suppressions
			(api_client_id, e164, source, keyword, number_id, inbound_message_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (api_client_id, e164) DO UPDATE SET source = excluded.source, keyword = excluded.keyword,
				number_id = excluded.number_id, inbound_message_id = excluded.inbound_message_id, created_at = excluded.created_at`,
			s.APIClientID, s.E164, s.Source, s.Keyword, s.NumberID, s.InboundMessageID, ms(s.CreatedAt)); err != nil {
			return fmt.Errorf("add keyword suppression: %w", err)
		}
	}
	if k.Lift {
		if _, err := x.exec(ctx, `DELETE FROM suppressions WHERE api_client_id = ? AND e164 = ? AND source = ?`,
			k.APIClientID, k.From, platform.SuppressionKeyword); err != nil {
			return fmt.Errorf("lift keyword suppression: %w", err)
		}
	}
	if err := insertMessage(ctx, x, k.Reply); err != nil {
		return fmt.Errorf("queue keyword reply: %w", err)
	}
	// The reply's event is kept for its history; no delivery: keyword
	// replies emit no webhooks.
	return insertEvents(ctx, x, []platform.Event{k.ReplyEvent}, nil)
}

const suppressionColumns = `api_client_id, e164, source, keyword, number_id, inbound_message_id, created_at`

func scanSuppression(row interface{ Scan(...any) error }) (platform.Suppression, error) {
	var s platform.Suppression
	var created int64
	err := row.Scan(&s.APIClientID, &s.E164, &s.Source, &s.Keyword, &s.NumberID, &s.InboundMessageID, &created)
	s.CreatedAt = fromMS(created)
	return s, err
}

// Suppressed returns which of e164s API client clientID may not send to.
func (db *DB) Suppressed(ctx context.Context, clientID string, e164s []string) (map[string]bool, error) {
	out := map[string]bool{}
	// Chunks keep the parameter count well under both databases' limits.
	for chunk := range chunks(e164s, 500) {
		args := []any{clientID}
		for _, e := range chunk {
			args = append(args, e)
		}
		rows, err := db.r().query(ctx, `SELECT e164 FROM suppressions WHERE api_client_id = ? AND e164 IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read suppressions: %w", err)
		}
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read suppressions: %w", err)
			}
			out[e] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read suppressions: %w", err)
		}
	}
	return out, nil
}

func chunks(s []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// GetSuppression returns API client clientID's opt-out of e164;
// platform.ErrNotFound when there is none.
func (db *DB) GetSuppression(ctx context.Context, clientID, e164 string) (platform.Suppression, error) {
	s, err := scanSuppression(db.r().row(ctx, `SELECT `+suppressionColumns+` FROM suppressions
		WHERE api_client_id = ? AND e164 = ?`, clientID, e164))
	if err != nil {
		return s, notFound(err, "get suppression")
	}
	return s, nil
}

// AddSuppression records s unless the client already has an opt-out of
// that number (whatever its source), and returns the row as stored with
// whether this call created it.
func (db *DB) AddSuppression(ctx context.Context, s platform.Suppression) (platform.Suppression, bool, error) {
	var created bool
	err := db.grouped(ctx, func(x q) error {
		res, err := x.exec(ctx, `INSERT INTO suppressions (`+suppressionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, s.APIClientID, s.E164, s.Source, s.Keyword, s.NumberID, s.InboundMessageID, ms(s.CreatedAt))
		if err != nil {
			return fmt.Errorf("add suppression: %w", err)
		}
		n, err := res.RowsAffected()
		created = n == 1
		return err
	})
	if err != nil {
		return s, false, err
	}
	if created {
		return s, true, nil
	}
	got, err := scanSuppression(db.w().row(ctx, `SELECT `+suppressionColumns+` FROM suppressions
		WHERE api_client_id = ? AND e164 = ?`, s.APIClientID, s.E164))
	if err != nil {
		return s, false, fmt.Errorf("read suppression: %w", err)
	}
	return got, false, nil
}

// DeleteSuppression removes API client clientID's opt-out of e164 when its
// source is source ("" for any source) and reports whether one was removed.
func (db *DB) DeleteSuppression(ctx context.Context, clientID, e164, source string) (bool, error) {
	var n int64
	err := db.grouped(ctx, func(x q) error {
		query, args := `DELETE FROM suppressions WHERE api_client_id = ? AND e164 = ?`, []any{clientID, e164}
		if source != "" {
			query, args = query+` AND source = ?`, append(args, source)
		}
		res, err := x.exec(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("delete suppression: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

// ListSuppressions returns up to limit of API client clientID's opt-outs
// ordered by phone number, after the number after ("" from the start).
func (db *DB) ListSuppressions(ctx context.Context, clientID, after string, limit int) ([]platform.Suppression, error) {
	rows, err := db.r().query(ctx, `SELECT `+suppressionColumns+` FROM suppressions
		WHERE api_client_id = ? AND e164 > ? ORDER BY e164 LIMIT ?`, clientID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list suppressions: %w", err)
	}
	defer rows.Close()
	var out []platform.Suppression
	for rows.Next() {
		s, err := scanSuppression(rows)
		if err != nil {
			return nil, fmt.Errorf("list suppressions: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RemoveSuppressionRecorded removes opt-out s (when it still has s's
// source) and records the removal with the operator's reason, in one
// transaction; it reports whether a row was removed.
func (db *DB) RemoveSuppressionRecorded(ctx context.Context, s platform.Suppression, reason string, at time.Time) (bool, error) {
	var removed bool
	err := db.grouped(ctx, func(x q) error {
		res, err := x.exec(ctx, `DELETE FROM suppressions WHERE api_client_id = ? AND e164 = ? AND source = ?`,
			s.APIClientID, s.E164, s.Source)
		if err != nil {
			return fmt.Errorf("remove suppression: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		removed = true
		if _, err := x.exec(ctx, `INSERT INTO suppression_removals
			(api_client_id, e164, source, keyword, reason, created_at, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.APIClientID, s.E164, s.Source, s.Keyword, reason, ms(s.CreatedAt), ms(at)); err != nil {
			return fmt.Errorf("record suppression removal: %w", err)
		}
		return nil
	})
	return removed && err == nil, err
}

// SuppressionRemovals returns the recorded removals of API client
// clientID's opt-outs, oldest first.
func (db *DB) SuppressionRemovals(ctx context.Context, clientID string) ([]platform.SuppressionRemoval, error) {
	rows, err := db.r().query(ctx, `SELECT api_client_id, e164, source, keyword, reason, created_at, removed_at
		FROM suppression_removals WHERE api_client_id = ? ORDER BY removed_at, e164`, clientID)
	if err != nil {
		return nil, fmt.Errorf("list suppression removals: %w", err)
	}
	defer rows.Close()
	var out []platform.SuppressionRemoval
	for rows.Next() {
		var r platform.SuppressionRemoval
		var created, removed int64
		if err := rows.Scan(&r.APIClientID, &r.E164, &r.Source, &r.Keyword, &r.Reason, &created, &removed); err != nil {
			return nil, fmt.Errorf("list suppression removals: %w", err)
		}
		r.CreatedAt, r.RemovedAt = fromMS(created), fromMS(removed)
		out = append(out, r)
	}
	return out, rows.Err()
}
