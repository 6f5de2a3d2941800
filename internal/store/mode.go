package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// Mode is what a database was set up for.
type Mode string

// The modes a database records.
const (
	ModeSandbox    Mode = "sandbox"
	ModeProduction Mode = "production"
)

// EnsureMode returns the mode the database records, first recording one on
// a database that has none: an empty database takes want; one set up before
// modes were recorded is sandbox if a client still holds a published secret
// (published: hashes of the secrets the documentation prints), production
// otherwise.
func (db *DB) EnsureMode(ctx context.Context, want Mode, published []string) (Mode, error) {
	var got Mode
	err := db.tx(ctx, func(x q) error {
		if err := db.lockSetup(ctx, x); err != nil {
			return err
		}
		var v string
		err := x.row(ctx, `SELECT value FROM settings WHERE key = 'mode'`).Scan(&v)
		if err == nil {
			got = Mode(v)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read mode: %w", err)
		}
		var accounts, publishedClients int
		if err := x.row(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&accounts); err != nil {
			return fmt.Errorf("read mode: %w", err)
		}
		if err := countPublished(ctx, x, published, &publishedClients); err != nil {
			return err
		}
		switch {
		case accounts == 0:
			got = want
		case publishedClients > 0:
			got = ModeSandbox
		default:
			got = ModeProduction
		}
		return setMode(ctx, x, got)
	})
	return got, err
}

// SetMode records m. Recording production revokes every API client that
// holds a published secret (see RevokePublished) in the same transaction;
// it returns how many it revoked.
func (db *DB) SetMode(ctx context.Context, m Mode, published []string) (int, error) {
	revoked := 0
	err := db.tx(ctx, func(x q) error {
		if err := db.lockSetup(ctx, x); err != nil {
			return err
		}
		if m == ModeProduction {
			var err error
			if revoked, err = revokePublished(ctx, x, published); err != nil {
				return err
			}
		}
		return setMode(ctx, x, m)
	})
	return revoked, err
}

// RevokePublished makes every API client whose secret hash is in published
// unusable: suspended, its secret replaced by an unguessable one (shown to
// nobody) and its tokens deleted. It returns
// how many clients it revoked. A production server calls it at every start,
// so no published secret stays valid there.
func (db *DB) RevokePublished(ctx context.Context, published []string) (int, error) {
	var n int
	err := db.tx(ctx, func(x q) error {
		var err error
		n, err = revokePublished(ctx, x, published)
		return err
	})
	return n, err
}

func revokePublished(ctx context.Context, x q, published []string) (int, error) {
	n := 0
	for _, h := range published {
		var id string
		err := x.row(ctx, `SELECT id FROM api_clients WHERE secret_hash = ?`, h).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("revoke published secret: %w", err)
		}
		if _, err := x.exec(ctx, `DELETE FROM tokens WHERE api_client_id = ?`, id); err != nil {
			return n, fmt.Errorf("revoke published secret: %w", err)
		}
		if _, err := x.exec(ctx, `UPDATE api_clients SET status = ?, secret_hash = ? WHERE id = ?`,
			redcloud.StatusSuspended, platform.HashSecret(platform.NewSecret(platform.PrefixClientSecret)), id); err != nil {
			return n, fmt.Errorf("revoke published secret: %w", err)
		}
		n++
	}
	return n, nil
}

func countPublished(ctx context.Context, x q, published []string, n *int) error {
	for _, h := range published {
		var c int
		if err := x.row(ctx, `SELECT COUNT(*) FROM api_clients WHERE secret_hash = ?`, h).Scan(&c); err != nil {
			return fmt.Errorf("read mode: %w", err)
		}
		*n += c
	}
	return nil
}

func setMode(ctx context.Context, x q, m Mode) error {
	if m != ModeSandbox && m != ModeProduction {
		return fmt.Errorf("record mode: unknown mode %q", m)
	}
	if _, err := x.exec(ctx, `DELETE FROM settings WHERE key = 'mode'`); err != nil {
		return fmt.Errorf("record mode: %w", err)
	}
	if _, err := x.exec(ctx, `INSERT INTO settings (key, value) VALUES ('mode', ?)`, string(m)); err != nil {
		return fmt.Errorf("record mode: %w", err)
	}
	return nil
}

// lockSetup serialises database set-up (mode, seed) among processes that
// start at once on one PostgreSQL database; SQLite has one writer anyway.
func (db *DB) lockSetup(ctx context.Context, x q) error {
	if db.dialect.name != "postgres" {
		return nil
	}
	if _, err := x.exec(ctx, `SELECT pg_advisory_xact_lock(7270736)`); err != nil {
		return fmt.Errorf("lock set-up: %w", err)
	}
	return nil
}
