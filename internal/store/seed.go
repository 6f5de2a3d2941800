package store

import (
	"context"
	"fmt"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// SeedIfEmpty inserts seed when the database holds no account, in one
// transaction; it reports whether it seeded.
func (db *DB) SeedIfEmpty(ctx context.Context, s platform.Seed) (bool, error) {
	seeded := false
	err := db.tx(ctx, func(x q) error {
		if db.dialect.name == "postgres" {
			// Processes starting at once: one seeds, the others then see it.
			if _, err := x.exec(ctx, `SELECT pg_advisory_xact_lock(7270736)`); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
		var n int
		if err := x.row(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if n > 0 {
			return nil
		}
		for _, a := range s.Accounts {
			if _, err := x.exec(ctx, `INSERT INTO accounts (id, name, status, created_at) VALUES (?, ?, ?, ?)`,
				a.ID, a.Name, a.Status, ms(a.CreatedAt)); err != nil {
				return fmt.Errorf("seed account: %w", err)
			}
		}
		for _, c := range s.Clients {
			if _, err := x.exec(ctx, `INSERT INTO api_clients
				(id, account_id, name, status, secret_hash, capabilities, webhook_secret, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.AccountID, c.Name, c.Status, c.SecretHash,
				joinCaps(c.Capabilities), c.WebhookSecret, ms(c.CreatedAt)); err != nil {
				return fmt.Errorf("seed api client: %w", err)
			}
		}
		for _, n := range s.Numbers {
			if err := insertNumber(ctx, x, n); err != nil {
				return err
			}
		}
		seeded = true
		return nil
	})
	return seeded, err
}
