package store

import (
	"context"
	"fmt"
)

// applyTransitionPostgres is one transition on PostgreSQL in one statement:
// one round trip that commits on its own, where BEGIN, the message's
// UPDATE, the event's and the delivery's INSERTs and COMMIT were five
// (issue 17). The event and its deliveries are inserted only when the
// UPDATE applied (they read its RETURNING). t has passed the lifecycle's
// check.
func (db *DB) applyTransitionPostgres(ctx context.Context, t Transition) (bool, error) {
	m := t.Message
	var eID, eType string
	var eSeq, eCreated int64
	var eBody []byte
	if e := t.Event; e != nil {
		eID, eType, eSeq, eBody, eCreated = e.ID, e.Type, e.Sequence, e.Body, ms(e.CreatedAt)
	}
	var dID, dEvent, dClient, dURL, dState []string
	var dNext []*int64
	var dCreated, dUpdated []int64
	for _, d := range t.Deliveries {
		dID, dEvent, dClient, dURL, dState = append(dID, d.ID), append(dEvent, d.EventID), append(dClient, d.APIClientID), append(dURL, d.URL), append(dState, d.State)
		dNext, dCreated, dUpdated = append(dNext, msPtr(d.NextAttemptAt)), append(dCreated, ms(d.CreatedAt)), append(dUpdated, ms(d.UpdatedAt))
	}
	var applied bool
	err := db.write.QueryRowContext(ctx, transitionPostgresSQL,
		m.Status, m.ProviderRef, m.FailureCode, m.FailureMessage, m.FailureProviderCode, m.Sequence, m.Attempts,
		msPtr(m.NextAttemptAt), msPtr(m.QueuedUntil), ms(m.UpdatedAt), m.ID, t.FromStatus, t.FromSequence, t.LeaseOwner,
		eID, m.ID, m.APIClientID, eType, eSeq, eBody, eCreated,
		dID, dEvent, dClient, dURL, dState, dNext, dCreated, dUpdated,
	).Scan(&applied)
	if err != nil {
		return false, fmt.Errorf("apply transition: %w", err)
	}
	if applied && t.Event != nil {
		db.notifier.poke()
	}
	return applied, nil
}

// transitionPostgresSQL: PostgreSQL compares the old and new values of the
// indexed columns itself, so naming every column costs nothing here.
const transitionPostgresSQL = `WITH m AS (
	UPDATE messages SET status = $1::text, provider_ref = $2::text, failure_code = $3::text, failure_message = $4::text,
		failure_provider_code = $5::text, sequence = $6::bigint, attempts = $7::bigint, next_attempt_at = $8::bigint,
		queued_until = $9::bigint, lease_owner = NULL, lease_until = NULL, updated_at = $10::bigint
	WHERE id = $11::text AND status = $12::text AND sequence = $13::bigint AND ($14::text = '' OR lease_owner = $14::text)
	RETURNING 1
), e AS (
	INSERT INTO events (id, message_id, api_client_id, type, sequence, body, created_at)
	SELECT $15::text, $16::text, $17::text, $18::text, $19::bigint, $20::bytea, $21::bigint
	WHERE $15::text <> '' AND EXISTS (SELECT 1 FROM m)
), d AS (
	INSERT INTO deliveries (id, event_id, api_client_id, url, state, next_attempt_at, created_at, updated_at)
	SELECT * FROM unnest($22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::bigint[], $28::bigint[],
		$29::bigint[])
	WHERE EXISTS (SELECT 1 FROM m)
)
SELECT EXISTS (SELECT 1 FROM m)`
