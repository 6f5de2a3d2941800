package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/redcloud-core/redcloud/internal/store"
)

// TestConstraintViolations provokes real violations on each database and
// checks that the drivers' typed errors are told apart: a unique or
// primary-key violation, a foreign-key violation, and anything else.
func TestConstraintViolations(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		twoClients(t, db) // acct_a, rc_a, rc_b, num_a +15551230001
		write, _ := store.Handles(db)
		for _, tt := range []struct {
			name         string
			stmt         string // no placeholders: runs unchanged on both
			unique, fkey bool
		}{
			{"primary key", `INSERT INTO accounts (id, name, status, created_at) VALUES ('acct_a', 'A', 'ACTIVE', 0)`, true, false},
			{"unique column", `INSERT INTO numbers (id, e164, status, sms_enabled, mms_enabled, npa, nxx, city, state,
				zip_code, rate_center, created_at) VALUES ('num_x', '+15551230001', 'ACTIVE', 1, 1, '555', '123', 'c', 'TX', 'z', 'r', 0)`, true, false},
			{"foreign key", `INSERT INTO tokens (hash, api_client_id, expires_at, created_at) VALUES ('h', 'rc_nope', 0, 0)`, false, true},
			{"foreign key on update", `UPDATE numbers SET api_client_id = 'rc_nope' WHERE id = 'num_a'`, false, true},
			{"not null", `INSERT INTO accounts (id, name, status) VALUES ('acct_x', 'X', 'ACTIVE')`, false, false},
			{"no such table", `INSERT INTO nowhere (id) VALUES ('x')`, false, false},
		} {
			_, err := write.ExecContext(context.Background(), tt.stmt)
			if err == nil {
				t.Errorf("%s: no error", tt.name)
				continue
			}
			for _, e := range []error{err, fmt.Errorf("wrapped: %w", err)} {
				if got := store.IsUniqueViolation(e); got != tt.unique {
					t.Errorf("%s: IsUniqueViolation(%v) = %v, want %v", tt.name, e, got, tt.unique)
				}
				if got := store.IsForeignKeyViolation(e); got != tt.fkey {
					t.Errorf("%s: IsForeignKeyViolation(%v) = %v, want %v", tt.name, e, got, tt.fkey)
				}
			}
		}
	})
}

func TestConstraintViolationOfNoDriverError(t *testing.T) {
	t.Parallel()
	for _, err := range []error{nil, errors.New("UNIQUE constraint failed: SQLSTATE 23505 FOREIGN KEY 23503")} {
		if store.IsUniqueViolation(err) || store.IsForeignKeyViolation(err) {
			t.Errorf("%v: taken for a constraint violation", err)
		}
	}
}
