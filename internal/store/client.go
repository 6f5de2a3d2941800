package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// CreateAPIClient inserts an API client.
func (db *DB) CreateAPIClient(ctx context.Context, c platform.APIClient) error {
	_, err := db.w().exec(ctx, `INSERT INTO api_clients
		(id, account_id, name, status, secret_hash, capabilities, delivery_url, inbound_url, webhook_secret, webhook_secret_next,
			reply_opt_out, reply_opt_in, reply_help, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AccountID, c.Name, c.Status, c.SecretHash, joinCaps(c.Capabilities),
		c.DeliveryURL, c.InboundURL, c.WebhookSecret, c.WebhookSecretNext,
		c.KeywordReplies.OptOut, c.KeywordReplies.OptIn, c.KeywordReplies.Help, ms(c.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create api client %s: %w", c.ID, errConflict)
	}
	if isForeignKeyViolation(err) {
		return fmt.Errorf("create api client: account %s: %w", c.AccountID, errNotFound)
	}
	if err != nil {
		return fmt.Errorf("create api client: %w", err)
	}
	return nil
}

const clientColumns = `c.id, c.account_id, c.name, c.status, a.status, c.secret_hash, c.capabilities,
	c.delivery_url, c.inbound_url, c.webhook_secret, c.webhook_secret_next,
	c.reply_opt_out, c.reply_opt_in, c.reply_help, c.created_at`

func scanClient(row interface{ Scan(...any) error }) (platform.APIClient, error) {
	var c platform.APIClient
	var caps string
	var delivery, inbound, next sql.NullString
	var created int64
	err := row.Scan(&c.ID, &c.AccountID, &c.Name, &c.Status, &c.AccountStatus, &c.SecretHash, &caps,
		&delivery, &inbound, &c.WebhookSecret, &next,
		&c.KeywordReplies.OptOut, &c.KeywordReplies.OptIn, &c.KeywordReplies.Help, &created)
	if err != nil {
		return c, err
	}
	c.Capabilities = strings.Fields(caps)
	c.DeliveryURL, c.InboundURL, c.WebhookSecretNext = nullStr(delivery), nullStr(inbound), nullStr(next)
	c.CreatedAt = fromMS(created)
	return c, nil
}

// GetAPIClient returns an API client with its account's status.
func (db *DB) GetAPIClient(ctx context.Context, id string) (platform.APIClient, error) {
	c, err := scanClient(db.r().row(ctx, `SELECT `+clientColumns+`
		FROM api_clients c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?`, id))
	if err != nil {
		return c, notFound(err, "get api client "+id)
	}
	return c, nil
}

// ListAPIClients returns every API client ordered by id.
func (db *DB) ListAPIClients(ctx context.Context) ([]platform.APIClient, error) {
	rows, err := db.r().query(ctx, `SELECT `+clientColumns+`
		FROM api_clients c JOIN accounts a ON a.id = c.account_id ORDER BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("list api clients: %w", err)
	}
	defer rows.Close()
	var out []platform.APIClient
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("list api clients: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetAPIClientStatus sets an API client's status.
// Any status but ACTIVE moves its token generation on: tokens issued
// before are refused for good, also after re-activation.
func (db *DB) SetAPIClientStatus(ctx context.Context, id, status string) error {
	return db.updateOne(ctx, "api client "+id, `UPDATE api_clients SET status = ?,
		token_generation = token_generation + CASE WHEN ? = 'ACTIVE' THEN 0 ELSE 1 END WHERE id = ?`, status, status, id)
}

// SetAPIClientSecret replaces the hash of an API client's secret.
func (db *DB) SetAPIClientSecret(ctx context.Context, id, secretHash string) error {
	return db.updateOne(ctx, "api client "+id, `UPDATE api_clients SET secret_hash = ? WHERE id = ?`, secretHash, id)
}

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
		if err := changedOne(res, "rotate secret: api client "+id); err != nil {
			return err
		}
		res, err = x.exec(ctx, `DELETE FROM tokens WHERE api_client_id = ?`, id)
		if err != nil {
			return fmt.Errorf("revoke tokens of api client %s: %w", id, err)
		}
		revoked, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	return revoked, nil
}

// SetCapabilities replaces an API client's capabilities.
func (db *DB) SetCapabilities(ctx context.Context, id string, caps []string) error {
	return db.updateOne(ctx, "api client "+id, `UPDATE api_clients SET capabilities = ? WHERE id = ?`, joinCaps(caps), id)
}

// SetWebhookURLs sets an API client's client-level URLs. A nil argument
// leaves that URL unchanged; a pointer to nil clears it.
func (db *DB) SetWebhookURLs(ctx context.Context, id string, delivery, inbound **string) error {
	return db.tx(ctx, func(x q) error {
		for _, u := range []struct {
			col string
			v   **string
		}{{"delivery_url", delivery}, {"inbound_url", inbound}} {
			if u.v == nil {
				continue
			}
			res, err := x.exec(ctx, `UPDATE api_clients SET `+u.col+` = ? WHERE id = ?`, *u.v, id)
			if err != nil {
				return fmt.Errorf("set webhook urls: %w", err)
			}
			if err := changedOne(res, "set webhook urls: api client "+id); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetKeywordReplies replaces an API client's keyword replies ("" for a
// default text).
func (db *DB) SetKeywordReplies(ctx context.Context, id string, r platform.KeywordReplies) error {
	return db.updateOne(ctx, "api client "+id, `UPDATE api_clients SET reply_opt_out = ?, reply_opt_in = ?, reply_help = ?
		WHERE id = ?`, r.OptOut, r.OptIn, r.Help, id)
}

// SetNextWebhookSecret stores the next webhook secret (rotation, §8.5).
func (db *DB) SetNextWebhookSecret(ctx context.Context, id, secret string) error {
	return db.updateOne(ctx, "api client "+id, `UPDATE api_clients SET webhook_secret_next = ? WHERE id = ?`, secret, id)
}

// ActivateNextWebhookSecret makes the next secret the current one.
func (db *DB) ActivateNextWebhookSecret(ctx context.Context, id string) error {
	return db.updateOne(ctx, "api client "+id+" with a next secret", `UPDATE api_clients
		SET webhook_secret = webhook_secret_next, webhook_secret_next = NULL
		WHERE id = ? AND webhook_secret_next IS NOT NULL`, id)
}

func joinCaps(caps []string) string { return strings.Join(caps, " ") }
