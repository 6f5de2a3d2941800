package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// msOrNil is the column value of an optional time.
func msOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ms(*t)
}

func insertMessage(ctx context.Context, x q, m platform.Message) error {
	media, _ := json.Marshal(nonNil(m.MediaURLs))
	nonGSM, _ := json.Marshal(nonNil(m.NonGSMCharacters))
	_, err := x.exec(ctx, `INSERT INTO messages (id, api_client_id, number_id, direction, from_e164, to_e164,
		message_type, text, media_urls, external_reference, idempotency_key, status, failure_code, failure_message,
		provider_ref, sequence, attempts, next_attempt_at, expires_at, created_at, updated_at,
		encoding, segments, non_gsm_characters, keyword_reply, failure_provider_code, queued_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.APIClientID, m.NumberID, m.Direction, m.From, m.To, m.MessageType, m.Text, string(media),
		m.ExternalReference, m.IdempotencyKey, m.Status, m.FailureCode, m.FailureMessage, m.ProviderRef,
		m.Sequence, m.Attempts, msOrNil(m.NextAttemptAt), ms(m.ExpiresAt), ms(m.CreatedAt), ms(m.UpdatedAt),
		m.Encoding, m.Segments, string(nonGSM), b2i(m.KeywordReply), m.FailureProviderCode, msOrNil(m.QueuedUntil))
	if err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	return nil
}

const messageColumns = `id, api_client_id, number_id, direction, from_e164, to_e164, message_type, text, media_urls,
	external_reference, idempotency_key, status, failure_code, failure_message, provider_ref, sequence, attempts,
	next_attempt_at, expires_at, created_at, updated_at, encoding, segments, non_gsm_characters, keyword_reply,
	failure_provider_code, queued_until`

func scanMessage(row interface{ Scan(...any) error }) (platform.Message, error) {
	var m platform.Message
	var media, nonGSM string
	var next, queued sql.NullInt64
	var expires, created, updated, reply int64
	err := row.Scan(&m.ID, &m.APIClientID, &m.NumberID, &m.Direction, &m.From, &m.To, &m.MessageType, &m.Text, &media,
		&m.ExternalReference, &m.IdempotencyKey, &m.Status, &m.FailureCode, &m.FailureMessage, &m.ProviderRef,
		&m.Sequence, &m.Attempts, &next, &expires, &created, &updated, &m.Encoding, &m.Segments, &nonGSM, &reply,
		&m.FailureProviderCode, &queued)
	if err != nil {
		return m, err
	}
	if queued.Valid && m.Status == redcloud.MessageQueued {
		t := fromMS(queued.Int64)
		m.QueuedUntil = &t
	}
	_ = json.Unmarshal([]byte(media), &m.MediaURLs)
	_ = json.Unmarshal([]byte(nonGSM), &m.NonGSMCharacters)
	if m.Segments == 0 {
		// Stored before migration 00005: the same pure function, now.
		m = platform.WithEncoding(m)
	}
	if next.Valid {
		t := fromMS(next.Int64)
		m.NextAttemptAt = &t
	}
	m.ExpiresAt, m.CreatedAt, m.UpdatedAt = fromMS(expires), fromMS(created), fromMS(updated)
	m.KeywordReply = reply != 0
	return m, nil
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

// GetMessageByID returns a message whoever owns it (pipeline use).
func (db *DB) GetMessageByID(ctx context.Context, id string) (platform.Message, error) {
	m, err := scanMessage(db.r().row(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id))
	if err != nil {
		return m, notFound(err, "get message "+id)
	}
	return m, nil
}

// GetMessageByProviderRef returns the outbound message with a provider reference.
func (db *DB) GetMessageByProviderRef(ctx context.Context, ref string) (platform.Message, error) {
	m, err := scanMessage(db.r().row(ctx, `SELECT `+messageColumns+` FROM messages WHERE provider_ref = ? AND direction = 'outbound'`, ref))
	if err != nil {
		return m, notFound(err, "get message by provider ref")
	}
	return m, nil
}

// ListSent returns outbound messages in SENT last changed in [from, to),
// by id after afterID (paging), for providers that must resume receipts
// after a restart.
func (db *DB) ListSent(ctx context.Context, from, to time.Time, afterID string, limit int) ([]platform.Message, error) {
	rows, err := db.r().query(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE status = ? AND direction = 'outbound' AND updated_at >= ? AND updated_at < ? AND id > ? ORDER BY id LIMIT ?`,
		redcloud.MessageSent, ms(from), ms(to), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list sent: %w", err)
	}
	defer rows.Close()
	var out []platform.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list sent: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// InsertInbound stores an inbound message with its event and delivery.
func (db *DB) InsertInbound(ctx context.Context, m platform.Message, e platform.Event, d platform.Delivery) error {
	return db.ReceiveInbound(ctx, platform.InboundReceipt{Message: m, Event: e, Delivery: d})
}

// ReceiveInbound stores an inbound message with its event and delivery
// and, when its text was a keyword, the opt-out change and the keyword
// reply, in one transaction: a crash leaves either all of it or none, so
// the reply is queued exactly once.
func (db *DB) ReceiveInbound(ctx context.Context, r platform.InboundReceipt) error {
	return db.grouped(ctx, func(x q) error {
		if err := insertMessage(ctx, x, r.Message); err != nil {
			return err
		}
		if err := insertEvents(ctx, x, []platform.Event{r.Event}, []platform.Delivery{r.Delivery}); err != nil {
			return err
		}
		if k := r.Keyword; k != nil {
			if err := applyKeyword(ctx, x, k); err != nil {
				return err
			}
		}
		return notifyWork(ctx, x)
	})
}
