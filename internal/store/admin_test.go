package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// openAdminDB opens a fresh SQLite file holding one account and the API
// clients named, each with one unexpired token; it returns the tokens by client.
func openAdminDB(t *testing.T, clients ...string) (*store.DB, map[string]string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now()
	if err := db.CreateAccount(ctx, platform.Account{ID: "acct_a", Name: "A", Status: redcloud.StatusActive, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, id := range clients {
		if err := db.CreateAPIClient(ctx, platform.APIClient{
			ID: id, AccountID: "acct_a", Name: id, Status: redcloud.StatusActive,
			SecretHash: platform.HashSecret("old-" + id), Capabilities: platform.AllCapabilities,
			WebhookSecret: platform.NewSecret(platform.PrefixWebhookSecret), CreatedAt: now,
		}); err != nil {
			t.Fatal(err)
		}
		tok := platform.NewSecret(platform.PrefixToken)
		if err := db.InsertToken(ctx, platform.Token{
			Hash: platform.HashSecret(tok), APIClientID: id, ExpiresAt: now.Add(time.Hour), CreatedAt: now,
		}); err != nil {
			t.Fatal(err)
		}
		tokens[id] = tok
	}
	return db, tokens
}

// tokenValid reports whether the token still authenticates.
func tokenValid(t *testing.T, db *store.DB, token string) bool {
	t.Helper()
	_, _, err := db.LookupToken(context.Background(), platform.HashSecret(token), time.Now())
	if err != nil && !errors.Is(err, platform.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestRotateAPIClientSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, tokens := openAdminDB(t, "rc_a", "rc_b")

	revoked, err := db.RotateAPIClientSecret(ctx, "rc_a", platform.HashSecret("new-rc_a"))
	if err != nil {
		t.Fatal(err)
	}
	if revoked != 1 {
		t.Errorf("revoked = %d, want 1", revoked)
	}
	c, err := db.GetAPIClient(ctx, "rc_a")
	if err != nil {
		t.Fatal(err)
	}
	if !platform.SecretMatches("new-rc_a", c.SecretHash) || platform.SecretMatches("old-rc_a", c.SecretHash) {
		t.Error("the stored hash is not the new secret's")
	}
	if tokenValid(t, db, tokens["rc_a"]) {
		t.Error("a token issued before the rotation still works")
	}
	if !tokenValid(t, db, tokens["rc_b"]) {
		t.Error("another client's token was revoked")
	}
}

func TestRotateAPIClientSecretUnknownClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, tokens := openAdminDB(t, "rc_a")
	_, err := db.RotateAPIClientSecret(ctx, "rc_nope", platform.HashSecret("x"))
	if !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("err = %v, want platform.ErrNotFound", err)
	}
	if !tokenValid(t, db, tokens["rc_a"]) {
		t.Error("a failed rotation revoked tokens")
	}
}

func TestRevokeTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, tokens := openAdminDB(t, "rc_a", "rc_b")
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
}
