package operator

import (
	"context"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// NewSecret is an API client's new client secret, shown this once: only its
// hash is stored. RevokedTokens is how many access tokens issued with the
// old secret were revoked (none when they were kept).
type NewSecret struct {
	ClientID      string
	ClientSecret  string
	TokensKept    bool
	RevokedTokens int64
}

// RotateClientSecret replaces an API client's secret; the old one stops
// working at once. The access tokens issued to the client are revoked in the
// same transaction unless keepTokens lets them run out.
func (o *Operator) RotateClientSecret(ctx context.Context, id string, keepTokens bool) (NewSecret, error) {
	c, err := o.getClient(ctx, id)
	if err != nil {
		return NewSecret{}, err
	}
	out := NewSecret{ClientID: c.ID, ClientSecret: platform.NewSecret(platform.PrefixClientSecret), TokensKept: keepTokens}
	hash := platform.HashSecret(out.ClientSecret)
	if keepTokens {
		err = o.db.SetAPIClientSecret(ctx, c.ID, hash)
	} else {
		out.RevokedTokens, err = o.db.RotateAPIClientSecret(ctx, c.ID, hash)
	}
	if err != nil {
		return NewSecret{}, missing(err, "api client %s not found", c.ID)
	}
	// Never the secret: only what happened to the tokens.
	return out, o.record(ctx, ActionClientRotateSecret, c.ID, nil,
		map[string]any{"tokensKept": keepTokens, "revokedTokens": out.RevokedTokens})
}

// RevokeTokens revokes every access token issued to an API client and
// returns how many; its secret keeps working.
func (o *Operator) RevokeTokens(ctx context.Context, id string) (int64, error) {
	c, err := o.getClient(ctx, id)
	if err != nil {
		return 0, err
	}
	n, err := o.db.RevokeTokens(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	return n, o.record(ctx, ActionClientRevokeTokens, c.ID, nil, map[string]int64{"revokedTokens": n})
}

// RotateWebhookSecret creates an API client's next webhook signing secret
// and returns it, shown this once. Deliveries are still signed with the
// current secret until ActivateWebhookSecret, so the receiver can accept the
// next one first. A next secret already waiting is a CONFLICT unless replace
// discards it.
func (o *Operator) RotateWebhookSecret(ctx context.Context, id string, replace bool) (string, error) {
	c, err := o.getClient(ctx, id)
	if err != nil {
		return "", err
	}
	if c.WebhookSecretNext != nil && !replace {
		return "", conflict(ReasonWebhookSecretPending, "api client %s already has a next webhook secret waiting for activation", c.ID).
			With("apiClientId", c.ID)
	}
	next := platform.NewSecret(platform.PrefixWebhookSecret)
	if err := o.db.SetNextWebhookSecret(ctx, c.ID, next); err != nil {
		return "", missing(err, "api client %s not found", c.ID)
	}
	return next, o.record(ctx, ActionClientRotateWebhookKey, c.ID,
		map[string]bool{"nextPending": c.WebhookSecretNext != nil}, map[string]bool{"nextPending": true})
}

// ActivateWebhookSecret makes the next webhook secret the one deliveries
// are signed with; the current one is dropped. No next secret is a CONFLICT.
func (o *Operator) ActivateWebhookSecret(ctx context.Context, id string) error {
	c, err := o.getClient(ctx, id)
	if err != nil {
		return err
	}
	if c.WebhookSecretNext == nil {
		return conflict(ReasonNoWebhookSecretPending, "api client %s has no next webhook secret to activate", c.ID).
			With("apiClientId", c.ID)
	}
	if err := o.db.ActivateNextWebhookSecret(ctx, c.ID); err != nil {
		return missing(err, "api client %s with a next webhook secret not found", c.ID)
	}
	return o.record(ctx, ActionClientActivateWebhookKey, c.ID, map[string]bool{"nextPending": true}, map[string]bool{"nextPending": false})
}
