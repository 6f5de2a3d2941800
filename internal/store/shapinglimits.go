package store

import "context"

// AnyShapingLimits reports whether any number or campaign has a rate limit
// of its own (cached for a second): without one, and without a default
// rate, an acceptance has no bucket to place its messages in and need not
// read any.
func (db *DB) AnyShapingLimits(ctx context.Context) (bool, error) { return db.anyLimits(ctx) }
