package store

import (
	"context"
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

// PruneIdempotency deletes records that expired before now.
func (db *DB) PruneIdempotency(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.w().exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
