package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// InsertToken stores an issued token (its hash only), under the current
// token generations of its API client and account.
func (db *DB) InsertToken(ctx context.Context, t platform.Token) error {
	res, err := db.w().exec(ctx, `INSERT INTO tokens (hash, api_client_id, expires_at, created_at, client_generation, account_generation)
		SELECT ?, c.id, ?, ?, c.token_generation, a.token_generation
		FROM api_clients c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?`,
		t.Hash, ms(t.ExpiresAt), ms(t.CreatedAt), t.APIClientID)
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return changedOne(res, "insert token for api client "+t.APIClientID)
}

// LookupToken returns the API client holding the unexpired token with this
// hash, and the token's expiry; platform.ErrNotFound when there is none. A
// token issued before its client or account was last suspended is found
// while the suspension lasts (the caller answers "not active") and is
// unknown once the client and account are active again.
func (db *DB) LookupToken(ctx context.Context, hash string, now time.Time) (platform.APIClient, time.Time, error) {
	var expires, current int64
	row := db.r().row(ctx, `SELECT `+clientColumns+`, t.expires_at,
		CASE WHEN t.client_generation = c.token_generation AND t.account_generation = a.token_generation THEN 1 ELSE 0 END
		FROM tokens t JOIN api_clients c ON c.id = t.api_client_id JOIN accounts a ON a.id = c.account_id
		WHERE t.hash = ? AND t.expires_at > ?`, hash, ms(now))
	c, err := scanClient(scanAppend{row, []any{&expires, &current}})
	if err != nil {
		return c, time.Time{}, notFound(err, "lookup token")
	}
	if current == 0 && c.Status == redcloud.StatusActive && c.AccountStatus == redcloud.StatusActive {
		return platform.APIClient{}, time.Time{}, fmt.Errorf("lookup token: revoked by a suspension: %w", errNotFound)
	}
	return c, fromMS(expires), nil
}

// scanAppend scans extra trailing columns after scanClient's.
type scanAppend struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanAppend) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

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
