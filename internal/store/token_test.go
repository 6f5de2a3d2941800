package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, _, _ := twoClients(t, db)
		live := platform.Token{Hash: platform.HashSecret("tok-live"), APIClientID: a.ID, ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
		short := platform.Token{Hash: platform.HashSecret("tok-short"), APIClientID: b.ID, ExpiresAt: t0.Add(time.Minute), CreatedAt: t0}
		must(t, db.InsertToken(ctx, live))
		must(t, db.InsertToken(ctx, short))
		if err := db.InsertToken(ctx, live); err == nil {
			t.Error("inserting the same token hash twice succeeded")
		}

		c, exp, err := db.LookupToken(ctx, live.Hash, t0)
		must(t, err)
		if c.ID != a.ID || c.Name != a.Name || c.AccountStatus != redcloud.StatusActive || !exp.Equal(live.ExpiresAt) ||
			len(c.Capabilities) != len(platform.AllCapabilities) {
			t.Errorf("LookupToken = %+v, %v", c, exp)
		}

		tests := []struct {
			name string
			hash string
			now  time.Time
			ok   bool
		}{
			{"unknown hash", platform.HashSecret("nope"), t0, false},
			{"the token itself, not its hash", "tok-live", t0, false},
			{"a millisecond before expiry", short.Hash, short.ExpiresAt.Add(-time.Millisecond), true},
			{"at expiry", short.Hash, short.ExpiresAt, false},
			{"after expiry", short.Hash, short.ExpiresAt.Add(time.Second), false},
		}
		for _, tt := range tests {
			c, _, err := db.LookupToken(ctx, tt.hash, tt.now)
			if tt.ok {
				if err != nil || c.ID != b.ID {
					t.Errorf("%s: LookupToken = %s, %v", tt.name, c.ID, err)
				}
				continue
			}
			if !errorsIsNotFound(err) {
				t.Errorf("%s: err = %v, want ErrNotFound", tt.name, err)
			}
		}

		// A suspended client's token still resolves; the caller refuses it.
		must(t, db.SetAPIClientStatus(ctx, a.ID, redcloud.StatusSuspended))
		c, _, err = db.LookupToken(ctx, live.Hash, t0)
		must(t, err)
		if c.Status != redcloud.StatusSuspended {
			t.Errorf("status = %s, want SUSPENDED", c.Status)
		}

		// Pruning removes exactly the expired tokens.
		n, err := db.PruneTokens(ctx, short.ExpiresAt)
		must(t, err)
		if n != 1 {
			t.Errorf("PruneTokens removed %d, want 1", n)
		}
		if got := countRows(t, db, "tokens"); got != 1 {
			t.Errorf("%d tokens left, want 1", got)
		}
		if _, _, err := db.LookupToken(ctx, live.Hash, t0); err != nil {
			t.Errorf("the live token is gone after pruning: %v", err)
		}
		n, err = db.PruneTokens(ctx, short.ExpiresAt)
		must(t, err)
		if n != 0 {
			t.Errorf("second PruneTokens removed %d, want 0", n)
		}
	})
}

func TestRevokeTokens(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tokens := clientsWithTokens(t, db, "rc_a", "rc_b")
		n, err := db.RevokeTokens(ctx, "rc_a")
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("revoked = %d, want 1", n)
		}
		if tokenValid(t, db, tokens["rc_a"]) || !tokenValid(t, db, tokens["rc_b"]) {
			t.Error("RevokeTokens revoked the wrong tokens")
		}
		c, err := db.GetAPIClient(ctx, "rc_a")
		if err != nil {
			t.Fatal(err)
		}
		if !platform.SecretMatches("old-rc_a", c.SecretHash) {
			t.Error("RevokeTokens changed the secret")
		}
		if n, err := db.RevokeTokens(ctx, "rc_nope"); err != nil || n != 0 {
			t.Errorf("RevokeTokens(unknown) = %d, %v; want 0, nil", n, err)
		}
	})
}
