package store

import (
	"context"
	"fmt"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// CreateAccount inserts an account.
func (db *DB) CreateAccount(ctx context.Context, a platform.Account) error {
	_, err := db.w().exec(ctx, `INSERT INTO accounts (id, name, status, created_at) VALUES (?, ?, ?, ?)`,
		a.ID, a.Name, a.Status, ms(a.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create account %s: %w", a.ID, errConflict)
	}
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	return nil
}

// SetAccountStatus sets an account's status.
// Suspending it deletes the tokens of all its API clients in the same
// transaction, so that re-activating it does not revive them.
func (db *DB) SetAccountStatus(ctx context.Context, id, status string) error {
	return db.tx(ctx, func(x q) error {
		res, err := x.exec(ctx, `UPDATE accounts SET status = ? WHERE id = ?`, status, id)
		if err != nil {
			return fmt.Errorf("update account %s: %w", id, err)
		}
		if err := changedOne(res, "update account "+id); err != nil {
			return err
		}
		if status == redcloud.StatusActive {
			return nil
		}
		if _, err := x.exec(ctx, `DELETE FROM tokens WHERE api_client_id IN (SELECT id FROM api_clients WHERE account_id = ?)`, id); err != nil {
			return fmt.Errorf("revoke tokens of account %s: %w", id, err)
		}
		return nil
	})
}

// ListAccounts returns every account ordered by id.
func (db *DB) ListAccounts(ctx context.Context) ([]platform.Account, error) {
	rows, err := db.r().query(ctx, `SELECT id, name, status, created_at FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []platform.Account
	for rows.Next() {
		var a platform.Account
		var created int64
		if err := rows.Scan(&a.ID, &a.Name, &a.Status, &created); err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		a.CreatedAt = fromMS(created)
		out = append(out, a)
	}
	return out, rows.Err()
}
