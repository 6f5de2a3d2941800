package store_test

import (
	"context"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func TestEnsureModeRecordsFirstMode(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		published := platform.PublishedSecretHashes()
		got, err := db.EnsureMode(ctx, store.ModeProduction, published)
		must(t, err)
		if got != store.ModeProduction {
			t.Fatalf("empty database: mode %q, want production", got)
		}
		got, err = db.EnsureMode(ctx, store.ModeSandbox, published)
		must(t, err)
		if got != store.ModeProduction {
			t.Fatalf("second start in sandbox mode: mode %q, want the recorded production", got)
		}
	})
}

// TestEnsureModeInfersSandbox: a database seeded by sandbox mode before
// modes were recorded is recognised as sandbox by its published secrets.
func TestEnsureModeInfersSandbox(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(t0))
		must(t, err)
		got, err := db.EnsureMode(ctx, store.ModeProduction, platform.PublishedSecretHashes())
		must(t, err)
		if got != store.ModeSandbox {
			t.Fatalf("sandbox-seeded database: mode %q, want sandbox", got)
		}
	})
}

// TestSetModeProductionRevokesPublished: converting to production leaves
// no client that accepts a published secret, and no token of theirs.
func TestSetModeProductionRevokesPublished(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		published := platform.PublishedSecretHashes()
		_, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(t0))
		must(t, err)
		_, err = db.EnsureMode(ctx, store.ModeSandbox, published)
		must(t, err)
		must(t, db.InsertToken(ctx, platform.Token{Hash: platform.HashSecret("tok"), APIClientID: redcloud.SandboxClientID,
			ExpiresAt: t0.Add(1e12), CreatedAt: t0}))
		n, err := db.SetMode(ctx, store.ModeProduction, published)
		must(t, err)
		if n != 2 {
			t.Errorf("SetMode(production) revoked %d clients, want the 2 demo clients", n)
		}
		got, err := db.EnsureMode(ctx, store.ModeSandbox, published)
		must(t, err)
		if got != store.ModeProduction {
			t.Fatalf("after SetMode(production): mode %q", got)
		}
		for id, secret := range map[string]string{redcloud.SandboxClientID: redcloud.SandboxClientSecret, redcloud.SandboxOtherClientID: redcloud.SandboxOtherClientSecret} {
			c, err := db.GetAPIClient(ctx, id)
			must(t, err)
			if platform.SecretMatches(secret, c.SecretHash) {
				t.Errorf("%s still accepts its published secret", id)
			}
			if c.Status != redcloud.StatusSuspended {
				t.Errorf("%s status %s, want SUSPENDED", id, c.Status)
			}
		}
		if n := countRows(t, db, "tokens"); n != 0 {
			t.Errorf("%d tokens left, want 0", n)
		}
		n, err = db.RevokePublished(ctx, published)
		must(t, err)
		if n != 0 {
			t.Errorf("RevokePublished after conversion revoked %d, want 0", n)
		}
	})
}
