package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redcloud-core/redcloud/internal/platform"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	errNotFound = platform.ErrNotFound
	errConflict = platform.ErrConflict
)

// The drivers' typed errors tell a broken constraint from any other
// failure; their messages are for people and may change between versions.
// SQLite reports extended result codes (modernc.org/sqlite turns them on),
// PostgreSQL SQLSTATE codes.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// isUniqueViolation reports whether err is a unique or primary-key
// violation.
func isUniqueViolation(err error) bool {
	switch code := sqliteCode(err); code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	case 0:
		return pgCode(err) == pgUniqueViolation
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key violation: a
// row refers to one that does not exist.
func isForeignKeyViolation(err error) bool {
	switch code := sqliteCode(err); code {
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return true
	case 0:
		return pgCode(err) == pgForeignKeyViolation
	}
	return false
}

// sqliteCode returns the extended result code of a SQLite error in err's
// chain, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// pgCode returns the SQLSTATE of a PostgreSQL error in err's chain, or "".
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// notFound wraps err with what was being done. Only sql.ErrNoRows becomes
// platform.ErrNotFound: any other failure (a lost connection, a canceled
// context) stays what it is, so that a caller never answers "not found" for
// a row that may well exist.
func notFound(err error, what string) error {
	if isNoRows(err) {
		return fmt.Errorf("%s: %w", what, errNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// notFoundOrNil is notFound, and nil for a nil err.
func notFoundOrNil(err error, what string) error {
	if err == nil {
		return nil
	}
	return notFound(err, what)
}

// changedOne returns nil when res reports exactly one changed row, and
// platform.ErrNotFound wrapped with what when it reports none (the row the
// statement was to change does not exist).
func changedOne(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n != 1 {
		return fmt.Errorf("%s: %w", what, errNotFound)
	}
	return nil
}
