package store

import (
	"context"
	"fmt"

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
// Any status but ACTIVE moves its token generation on: the tokens of its
// API clients issued before are refused for good, also after re-activation.
func (db *DB) SetAccountStatus(ctx context.Context, id, status string) error {
	return db.updateOne(ctx, "account "+id, `UPDATE accounts SET status = ?,
		token_generation = token_generation + CASE WHEN ? = 'ACTIVE' THEN 0 ELSE 1 END WHERE id = ?`, status, status, id)
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
