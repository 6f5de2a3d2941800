package store

import (
	"context"
	"fmt"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// recordAttemptPostgres is RecordAttempts of one attempt on PostgreSQL in
// one statement that commits on its own: one round trip, where BEGIN, the
// INSERT, the UPDATE and COMMIT were four (issue 17).
func (db *DB) recordAttemptPostgres(ctx context.Context, a Attempt) error {
	var status any
	if a.StatusCode != 0 {
		status = int64(a.StatusCode)
	}
	if _, err := db.write.ExecContext(ctx, recordAttemptPostgresSQL,
		platform.NewID("att_"), a.DeliveryID, int64(a.Number), ms(a.At), status, a.Error, a.Latency.Milliseconds(),
		a.State, msPtr(a.NextAttemptAt), a.LeaseOwner); err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	return nil
}

// recordAttemptPostgresSQL: the attempt is recorded even when the lease
// was lost; the delivery changes only under its lease.
const recordAttemptPostgresSQL = `WITH a AS (
	INSERT INTO delivery_attempts (id, delivery_id, attempt, at, status_code, error, latency_ms)
	VALUES ($1::text, $2::text, $3::bigint, $4::bigint, $5::bigint, $6::text, $7::bigint)
)
UPDATE deliveries SET state = $8::text, attempts = $3::bigint, next_attempt_at = $9::bigint, last_status = $5::bigint,
	last_error = $6::text, lease_owner = NULL, lease_until = NULL, updated_at = $4::bigint
WHERE id = $2::text AND lease_owner = $10::text`
