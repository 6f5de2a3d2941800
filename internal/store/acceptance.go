package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// Accept commits an acceptance: the idempotency record, messages, their
// events and deliveries, all or nothing. When a live record for the key
// already exists (a concurrent or earlier request won), nothing is written
// and that record is returned with created false.
func (db *DB) Accept(ctx context.Context, a platform.Acceptance) (rec platform.IdempotencyRecord, created bool, err error) {
	r := a.Record
	now := r.CreatedAt
	if db.dialect.name == "postgres" && len(a.Messages) > 0 && len(a.Path) == 0 {
		// Throughput shaping reads and writes buckets between the steps:
		// those acceptances take the transaction below.
		taken, senderOK, err := db.acceptPostgres(ctx, a)
		if err != nil {
			return r, false, err
		}
		if !taken {
			return db.acceptTaken(ctx, r, senderOK)
		}
		db.notifier.poke()
		return r, true, nil
	}
	err = db.grouped(ctx, func(x q) error {
		// The key is taken, or an expired record of it replaced (the key may
		// be used afresh), in one statement; a live record is left alone.
		res, err := x.exec(ctx, `INSERT INTO idempotency_keys
			(api_client_id, key, fingerprint, payload, status, response, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (api_client_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, payload = excluded.payload,
				status = excluded.status, response = excluded.response, created_at = excluded.created_at,
				expires_at = excluded.expires_at
			WHERE idempotency_keys.expires_at <= excluded.created_at`,
			r.APIClientID, r.Key, r.Fingerprint, r.Payload, r.Status, r.Response, ms(r.CreatedAt), ms(r.ExpiresAt))
		if err != nil {
			return fmt.Errorf("accept: insert idempotency key: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("accept: insert idempotency key: %w", err)
		}
		if n == 0 {
			return errKeyTaken
		}
		if len(a.Messages) > 0 {
			if err := checkSender(ctx, x, a.Messages[0].NumberID, r.APIClientID); err != nil {
				return err
			}
		}
		if len(a.Path) > 0 {
			if err := placeMessages(ctx, x, a.Path, a.Messages); err != nil {
				return err
			}
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

// ErrSenderChanged is Accept's answer when, inside its transaction, the
// sending number is no longer the client's and ACTIVE: an operator
// unassigned, reassigned or suspended it after the request's checks.
// Nothing was written.
var ErrSenderChanged = errors.New("accept: the sending number changed owner or status")

// checkSender re-reads the sending number in the acceptance transaction.
func checkSender(ctx context.Context, x q, numberID, clientID string) error {
	var owner sql.NullString
	var status string
	err := x.row(ctx, `SELECT api_client_id, status FROM numbers WHERE id = ?`, numberID).Scan(&owner, &status)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (owner.String != clientID || status != redcloud.StatusActive) {
		return ErrSenderChanged
	}
	if err != nil {
		return fmt.Errorf("accept: read sending number: %w", err)
	}
	return nil
}
