package store

import (
	"context"
	"fmt"
	"time"
)

// Operator is a person who may use the operator console.
type Operator struct {
	ID           string
	Email        string // lower-case
	Role         string // admin or viewer
	PasswordHash string // argon2id, PHC string form
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ConsoleSession is a console login: the SHA-256 of its cookie's token,
// its operator, and when it stops working.
type ConsoleSession struct {
	TokenHash  string
	OperatorID string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

const operatorColumns = `id, email, role, password_hash, created_at, updated_at`

func scanOperator(row interface{ Scan(...any) error }) (Operator, error) {
	var o Operator
	var created, updated int64
	err := row.Scan(&o.ID, &o.Email, &o.Role, &o.PasswordHash, &created, &updated)
	o.CreatedAt, o.UpdatedAt = fromMS(created), fromMS(updated)
	return o, err
}

// CreateOperator inserts an operator; platform.ErrConflict when the id or
// email is taken.
func (db *DB) CreateOperator(ctx context.Context, o Operator) error {
	err := db.grouped(ctx, func(x q) error {
		_, err := x.exec(ctx, `INSERT INTO operators (`+operatorColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			o.ID, o.Email, o.Role, o.PasswordHash, ms(o.CreatedAt), ms(o.UpdatedAt))
		return err
	})
	if isUniqueViolation(err) {
		return fmt.Errorf("create operator %s: %w", o.Email, errConflict)
	}
	if err != nil {
		return fmt.Errorf("create operator: %w", err)
	}
	return nil
}

// GetOperatorByEmail returns the operator with that (lower-case) email;
// platform.ErrNotFound when there is none.
func (db *DB) GetOperatorByEmail(ctx context.Context, email string) (Operator, error) {
	o, err := scanOperator(db.r().row(ctx, `SELECT `+operatorColumns+` FROM operators WHERE email = ?`, email))
	return o, notFoundOrNil(err, "get operator")
}

// ListOperators returns every operator ordered by email.
func (db *DB) ListOperators(ctx context.Context) ([]Operator, error) {
	rows, err := db.r().query(ctx, `SELECT `+operatorColumns+` FROM operators ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	defer rows.Close()
	var out []Operator
	for rows.Next() {
		o, err := scanOperator(rows)
		if err != nil {
			return nil, fmt.Errorf("list operators: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// DeleteOperator removes an operator and ends its sessions, in one
// transaction; platform.ErrNotFound when there is no such operator.
func (db *DB) DeleteOperator(ctx context.Context, id string) error {
	return db.grouped(ctx, func(x q) error {
		if _, err := x.exec(ctx, `DELETE FROM console_sessions WHERE operator_id = ?`, id); err != nil {
			return fmt.Errorf("delete operator sessions: %w", err)
		}
		res, err := x.exec(ctx, `DELETE FROM operators WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete operator: %w", err)
		}
		return changedOne(res, "delete operator "+id)
	})
}

// SetOperatorPassword replaces an operator's password hash and ends its
// sessions, in one transaction: whoever held the old password is logged
// out.
func (db *DB) SetOperatorPassword(ctx context.Context, id, hash string, at time.Time) error {
	return db.grouped(ctx, func(x q) error {
		res, err := x.exec(ctx, `UPDATE operators SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, ms(at), id)
		if err != nil {
			return fmt.Errorf("set operator password: %w", err)
		}
		if err := changedOne(res, "set operator password "+id); err != nil {
			return err
		}
		if _, err := x.exec(ctx, `DELETE FROM console_sessions WHERE operator_id = ?`, id); err != nil {
			return fmt.Errorf("end operator sessions: %w", err)
		}
		return nil
	})
}

// CreateConsoleSession stores a session and deletes the expired ones.
func (db *DB) CreateConsoleSession(ctx context.Context, s ConsoleSession) error {
	return db.grouped(ctx, func(x q) error {
		if _, err := x.exec(ctx, `DELETE FROM console_sessions WHERE expires_at <= ?`, ms(s.CreatedAt)); err != nil {
			return fmt.Errorf("prune console sessions: %w", err)
		}
		if _, err := x.exec(ctx, `INSERT INTO console_sessions (token_hash, operator_id, created_at, expires_at)
			VALUES (?, ?, ?, ?)`, s.TokenHash, s.OperatorID, ms(s.CreatedAt), ms(s.ExpiresAt)); err != nil {
			if isForeignKeyViolation(err) {
				return fmt.Errorf("create console session: operator %s: %w", s.OperatorID, errNotFound)
			}
			return fmt.Errorf("create console session: %w", err)
		}
		return nil
	})
}

// GetConsoleSession returns the session whose token hashes to tokenHash,
// with its operator, when it has not expired at now; platform.ErrNotFound
// otherwise.
func (db *DB) GetConsoleSession(ctx context.Context, tokenHash string, now time.Time) (ConsoleSession, Operator, error) {
	var s ConsoleSession
	var created, expires int64
	row := db.r().row(ctx, `SELECT s.token_hash, s.operator_id, s.created_at, s.expires_at,
		o.id, o.email, o.role, o.password_hash, o.created_at, o.updated_at
		FROM console_sessions s JOIN operators o ON o.id = s.operator_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, ms(now))
	var o Operator
	var oc, ou int64
	err := row.Scan(&s.TokenHash, &s.OperatorID, &created, &expires, &o.ID, &o.Email, &o.Role, &o.PasswordHash, &oc, &ou)
	if err != nil {
		return s, o, notFound(err, "get console session")
	}
	s.CreatedAt, s.ExpiresAt = fromMS(created), fromMS(expires)
	o.CreatedAt, o.UpdatedAt = fromMS(oc), fromMS(ou)
	return s, o, nil
}

// DeleteConsoleSession ends a session (logout); ending one that is gone
// already is not an error.
func (db *DB) DeleteConsoleSession(ctx context.Context, tokenHash string) error {
	return db.grouped(ctx, func(x q) error {
		if _, err := x.exec(ctx, `DELETE FROM console_sessions WHERE token_hash = ?`, tokenHash); err != nil {
			return fmt.Errorf("delete console session: %w", err)
		}
		return nil
	})
}
