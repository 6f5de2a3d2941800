package store

import (
	"context"
	"fmt"
	"time"
)

// ExtendMessageLease keeps a claimed QUEUED message with its worker until
// `until`; it does nothing when another worker has claimed it since.
func (db *DB) ExtendMessageLease(ctx context.Context, id, owner string, until time.Time) error {
	if _, err := db.w().exec(ctx, `UPDATE messages SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'QUEUED'`,
		ms(until), id, owner); err != nil {
		return fmt.Errorf("extend message lease: %w", err)
	}
	return nil
}
