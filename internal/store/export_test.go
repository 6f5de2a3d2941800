package store

import (
	"database/sql"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// Handles returns the store's writer and reader pools, so that external
// tests can check what the store API does not show (per-connection
// pragmas, row counts). Tests only read through them, save to provoke
// failures.
func Handles(db *DB) (write, read *sql.DB) { return db.write, db.read }

// The detection of broken constraints, for errors_test.go.
var (
	IsUniqueViolation     = isUniqueViolation
	IsForeignKeyViolation = isForeignKeyViolation
)

// CachesStatements reports whether the store keeps prepared statements of
// its own (SQLite only: pgx caches them on PostgreSQL).
func CachesStatements(db *DB) bool { return db.readStmts != nil && db.writeStmts != nil }

// ListMessagesSQL is the SQLite query of a ListMessages page, for query-plan tests.
func ListMessagesSQL(clientID string, q platform.MessageQuery) (string, []any) {
	query, args, _ := listMessagesSQL(clientID, q, true)
	return query, args
}

// WithProbe wraps the store's SQLite driver and configures each of its
// PostgreSQL connections, for tests that count what operations send.
func WithProbe(sqlite func(driver.Driver) driver.Driver, postgres func(*pgx.ConnConfig)) Option {
	return func(db *DB) { db.probe = &probe{sqlite: sqlite, postgres: postgres} }
}

// WaitNotified returns once the store has sent the notifications of work
// committed so far.
func WaitNotified(db *DB) { db.notifier.wait() }
