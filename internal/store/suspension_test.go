package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestSuspensionRevokesTokens: suspending an API client, or its account,
// deletes its tokens, so re-activating it does not revive them.
func TestSuspensionRevokesTokens(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_a")
		mkClient(t, db, "acct_a", "rc_a")
		mkClient(t, db, "acct_a", "rc_b")
		mkAccount(t, db, "acct_c")
		mkClient(t, db, "acct_c", "rc_c")
		issue := func(client, token string) {
			t.Helper()
			must(t, db.InsertToken(ctx, platform.Token{Hash: platform.HashSecret(token), APIClientID: client,
				ExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now()}))
		}
		valid := func(token string) bool {
			t.Helper()
			_, _, err := db.LookupToken(ctx, platform.HashSecret(token), time.Now())
			if err != nil && !errors.Is(err, platform.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		issue("rc_a", "tok_a")
		issue("rc_b", "tok_b")
		issue("rc_c", "tok_c")

		must(t, db.SetAPIClientStatus(ctx, "rc_a", redcloud.StatusSuspended))
		must(t, db.SetAPIClientStatus(ctx, "rc_a", redcloud.StatusActive))
		if valid("tok_a") {
			t.Error("a token issued before the client's suspension works after re-activation")
		}
		if !valid("tok_b") || !valid("tok_c") {
			t.Error("suspending one client revoked another's token")
		}

		must(t, db.SetAccountStatus(ctx, "acct_a", redcloud.StatusSuspended))
		must(t, db.SetAccountStatus(ctx, "acct_a", redcloud.StatusActive))
		if valid("tok_b") {
			t.Error("a token issued before the account's suspension works after re-activation")
		}
		if !valid("tok_c") {
			t.Error("suspending one account revoked another account's token")
		}
		// Re-activating deletes nothing: a token issued while active stays.
		issue("rc_a", "tok_a2")
		must(t, db.SetAPIClientStatus(ctx, "rc_a", redcloud.StatusActive))
		if !valid("tok_a2") {
			t.Error("setting ACTIVE revoked a token")
		}
	})
}
