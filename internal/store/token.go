package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// InsertToken stores an issued token (its hash only).
func (db *DB) InsertToken(ctx context.Context, t platform.Token) error {
	_, err := db.w().exec(ctx, `INSERT INTO tokens (hash, api_client_id, expires_at, created_at) VALUES (?, ?, ?, ?)`,
		t.Hash, t.APIClientID, ms(t.ExpiresAt), ms(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

// LookupToken returns the API client holding the unexpired token with this
// hash, and the token's expiry; platform.ErrNotFound when there is none.
func (db *DB) LookupToken(ctx context.Context, hash string, now time.Time) (platform.APIClient, time.Time, error) {
	var expires int64
	row := db.r().row(ctx, `SELECT `+clientColumns+`, t.expires_at
		FROM tokens t JOIN api_clients c ON c.id = t.api_client_id JOIN accounts a ON a.id = c.account_id
		WHERE t.hash = ? AND t.expires_at > ?`, hash, ms(now))
	c, err := scanClient(scanAppend{row, &expires})
	if err != nil {
		return c, time.Time{}, notFound(err, "lookup token")
	}
	return c, fromMS(expires), nil
}

// scanAppend scans extra trailing columns after scanClient's.
type scanAppend struct {
	row   interface{ Scan(...any) error }
	extra *int64
}

func (s scanAppend) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }

// PruneTokens deletes tokens that expired before t.
func (db *DB) PruneTokens(ctx context.Context, t time.Time) (int64, error) {
	res, err := db.w().exec(ctx, `DELETE FROM tokens WHERE expires_at <= ?`, ms(t))
	if err != nil {
		return 0, fmt.Errorf("prune tokens: %w", err)
	}
	return res.RowsAffected()
}

// RevokeTokens deletes every access token issued to an API client and
// returns how many it deleted; an unknown client has none.
func (db *DB) RevokeTokens(ctx context.Context, clientID string) (int64, error) {
	res, err := db.w().exec(ctx, `DELETE FROM tokens WHERE api_client_id = ?`, clientID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of api client %s: %w", clientID, err)
	}
	return res.RowsAffected()
}
