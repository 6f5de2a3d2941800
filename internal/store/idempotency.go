package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// GetIdempotency returns the live record of (clientID, key);
// platform.ErrNotFound when there is none or it expired.
func (db *DB) GetIdempotency(ctx context.Context, clientID, key string, now time.Time) (platform.IdempotencyRecord, error) {
	return getIdempotency(ctx, db.r(), clientID, key, now)
}

func getIdempotency(ctx context.Context, x q, clientID, key string, now time.Time) (platform.IdempotencyRecord, error) {
	r := platform.IdempotencyRecord{APIClientID: clientID, Key: key}
	var created, expires int64
	err := x.row(ctx, `SELECT fingerprint, payload, status, response, created_at, expires_at
		FROM idempotency_keys WHERE api_client_id = ? AND key = ? AND expires_at > ?`, clientID, key, ms(now)).
		Scan(&r.Fingerprint, &r.Payload, &r.Status, &r.Response, &created, &expires)
	if err != nil {
		return r, notFound(err, "get idempotency key")
	}
	r.CreatedAt, r.ExpiresAt = fromMS(created), fromMS(expires)
	return r, nil
}

// Accept commits an acceptance: the idempotency record, messages, their
// events and deliveries, all or nothing. When a live record for the key
// already exists (a concurrent or earlier request won), nothing is written
// and that record is returned with created false.
func (db *DB) Accept(ctx context.Context, a platform.Acceptance) (rec platform.IdempotencyRecord, created bool, err error) {
	r := a.Record
	now := r.CreatedAt
	err = db.grouped(ctx, func(x q) error {
		// An expired record is forgotten: the key may be used afresh.
		if _, err := x.exec(ctx, `DELETE FROM idempotency_keys WHERE api_client_id = ? AND key = ? AND expires_at <= ?`,
			r.APIClientID, r.Key, ms(now)); err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		res, err := x.exec(ctx, `INSERT INTO idempotency_keys
			(api_client_id, key, fingerprint, payload, status, response, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			r.APIClientID, r.Key, r.Fingerprint, r.Payload, r.Status, r.Response, ms(r.CreatedAt), ms(r.ExpiresAt))
		if err != nil {
			return fmt.Errorf("accept: insert idempotency key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errKeyTaken
		}
		for _, m := range a.Messages {
			if err := insertMessage(ctx, x, m); err != nil {
				return err
			}
		}
		if err := insertEvents(ctx, x, a.Events, a.Deliveries); err != nil {
			return err
		}
		return notifyWork(ctx, x)
	})
	if errors.Is(err, errKeyTaken) {
		// The winner has committed (SQLite serialises writers; PostgreSQL's
		// unique index waits for the other transaction), so this read sees it.
		rec, err = getIdempotency(ctx, db.w(), r.APIClientID, r.Key, now)
		return rec, false, err
	}
	if err != nil {
		return r, false, err
	}
	return r, true, nil
}

var errKeyTaken = errors.New("idempotency key taken")

// PruneIdempotency deletes records that expired before now.
func (db *DB) PruneIdempotency(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.w().exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

func insertMessage(ctx context.Context, x q, m platform.Message) error {
	media, _ := json.Marshal(nonNil(m.MediaURLs))
	var next any
	if m.NextAttemptAt != nil {
		next = ms(*m.NextAttemptAt)
	}
	_, err := x.exec(ctx, `INSERT INTO messages (id, api_client_id, number_id, direction, from_e164, to_e164,
		message_type, text, media_urls, external_reference, idempotency_key, status, failure_code, failure_message,
		provider_ref, sequence, attempts, next_attempt_at, expires_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.APIClientID, m.NumberID, m.Direction, m.From, m.To, m.MessageType, m.Text, string(media),
		m.ExternalReference, m.IdempotencyKey, m.Status, m.FailureCode, m.FailureMessage, m.ProviderRef,
		m.Sequence, m.Attempts, next, ms(m.ExpiresAt), ms(m.CreatedAt), ms(m.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	return nil
}

func insertEvents(ctx context.Context, x q, events []platform.Event, deliveries []platform.Delivery) error {
	for _, e := range events {
		if _, err := x.exec(ctx, `INSERT INTO events (id, message_id, api_client_id, type, sequence, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ID, e.MessageID, e.APIClientID, e.Type, e.Sequence, e.Body, ms(e.CreatedAt)); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
	}
	for _, d := range deliveries {
		var next any
		if d.NextAttemptAt != nil {
			next = ms(*d.NextAttemptAt)
		}
		if _, err := x.exec(ctx, `INSERT INTO deliveries (id, event_id, api_client_id, url, state, attempts,
			next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`,
			d.ID, d.EventID, d.APIClientID, d.URL, d.State, next, ms(d.CreatedAt), ms(d.UpdatedAt)); err != nil {
			return fmt.Errorf("insert delivery: %w", err)
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// GetMessage returns a message of an API client with its events in
// sequence order; platform.ErrNotFound when the client has no such message.
func (db *DB) GetMessage(ctx context.Context, clientID, id string) (platform.Message, []platform.Event, error) {
	m, err := scanMessage(db.r().row(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ? AND api_client_id = ?`, id, clientID))
	if err != nil {
		return m, nil, notFound(err, "get message "+id)
	}
	rows, err := db.r().query(ctx, `SELECT id, message_id, api_client_id, type, sequence, body, created_at
		FROM events WHERE message_id = ? ORDER BY sequence`, id)
	if err != nil {
		return m, nil, fmt.Errorf("get message events: %w", err)
	}
	defer rows.Close()
	var events []platform.Event
	for rows.Next() {
		var e platform.Event
		var created int64
		if err := rows.Scan(&e.ID, &e.MessageID, &e.APIClientID, &e.Type, &e.Sequence, &e.Body, &created); err != nil {
			return m, nil, fmt.Errorf("get message events: %w", err)
		}
		e.CreatedAt = fromMS(created)
		events = append(events, e)
	}
	return m, events, rows.Err()
}

const messageColumns = `id, api_client_id, number_id, direction, from_e164, to_e164, message_type, text, media_urls,
	external_reference, idempotency_key, status, failure_code, failure_message, provider_ref, sequence, attempts,
	next_attempt_at, expires_at, created_at, updated_at`

func scanMessage(row interface{ Scan(...any) error }) (platform.Message, error) {
	var m platform.Message
	var media string
	var next sql.NullInt64
	var expires, created, updated int64
	err := row.Scan(&m.ID, &m.APIClientID, &m.NumberID, &m.Direction, &m.From, &m.To, &m.MessageType, &m.Text, &media,
		&m.ExternalReference, &m.IdempotencyKey, &m.Status, &m.FailureCode, &m.FailureMessage, &m.ProviderRef,
		&m.Sequence, &m.Attempts, &next, &expires, &created, &updated)
	if err != nil {
		return m, err
	}
	_ = json.Unmarshal([]byte(media), &m.MediaURLs)
	if next.Valid {
		t := fromMS(next.Int64)
		m.NextAttemptAt = &t
	}
	m.ExpiresAt, m.CreatedAt, m.UpdatedAt = fromMS(expires), fromMS(created), fromMS(updated)
	return m, nil
}

// InsertInbound stores an inbound message with its event and delivery.
func (db *DB) InsertInbound(ctx context.Context, m platform.Message, e platform.Event, d platform.Delivery) error {
	return db.grouped(ctx, func(x q) error {
		if err := insertMessage(ctx, x, m); err != nil {
			return err
		}
		if err := insertEvents(ctx, x, []platform.Event{e}, []platform.Delivery{d}); err != nil {
			return err
		}
		return notifyWork(ctx, x)
	})
}
