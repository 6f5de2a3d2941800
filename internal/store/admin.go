package store

import (
	"context"
	"fmt"
)

// RotateAPIClientSecret replaces an API client's secret hash and revokes
// every access token issued to it, in one transaction, so that nothing
// obtained with the old secret keeps working. It returns how many tokens it
// revoked; platform.ErrNotFound for an unknown client.
func (db *DB) RotateAPIClientSecret(ctx context.Context, id, secretHash string) (int64, error) {
	var revoked int64
	err := db.tx(ctx, func(x q) error {
		res, err := x.exec(ctx, `UPDATE api_clients SET secret_hash = ? WHERE id = ?`, secretHash, id)
		if err != nil {
			return fmt.Errorf("rotate secret of api client %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("rotate secret: api client %s: %w", id, errNotFound)
		}
		res, err = x.exec(ctx, `DELETE FROM tokens WHERE api_client_id = ?`, id)
		if err != nil {
			return fmt.Errorf("revoke tokens of api client %s: %w", id, err)
		}
		revoked, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, err
	}
	return revoked, nil
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
