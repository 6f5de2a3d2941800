package store

import (
	"context"
	"fmt"
	"time"
)

// DeliveryDeferral gives one claimed delivery back without an attempt.
type DeliveryDeferral struct {
	ID string
	At time.Time // when it is due again
}

// DeferDeliveries releases claimed deliveries without an attempt (their
// endpoint or API client is at its cap, or its circuit breaker is open):
// each is due again at its time, its attempt count and state unchanged. A
// row whose lease another worker has taken since is left alone.
func (db *DB) DeferDeliveries(ctx context.Context, owner string, ds []DeliveryDeferral) error {
	if len(ds) == 0 {
		return nil
	}
	return db.grouped(ctx, func(x q) error {
		for _, d := range ds {
			if _, err := x.exec(ctx, `UPDATE deliveries SET next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
				WHERE id = ? AND lease_owner = ?`, ms(d.At), d.ID, owner); err != nil {
				return fmt.Errorf("defer delivery: %w", err)
			}
		}
		return nil
	})
}
