package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/redcloud-core/redcloud/internal/platform"
)

var (
	errNotFound = platform.ErrNotFound
	errConflict = platform.ErrConflict
)

// isUnique reports whether err is a unique or primary-key violation.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// notFound maps sql.ErrNoRows to platform.ErrNotFound.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, errNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func notFoundOrNil(err error, what string) error {
	if err == nil {
		return nil
	}
	return notFound(err, what)
}
