package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func TestSeedIfEmpty(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed := platform.SandboxSeed(t0)
		seeded, err := db.SeedIfEmpty(ctx, seed)
		must(t, err)
		if !seeded {
			t.Fatal("an empty database was not seeded")
		}
		check := func() {
			t.Helper()
			if n := countRows(t, db, "accounts"); n != len(seed.Accounts) {
				t.Errorf("%d accounts, want %d", n, len(seed.Accounts))
			}
			if n := countRows(t, db, "api_clients"); n != len(seed.Clients) {
				t.Errorf("%d api clients, want %d", n, len(seed.Clients))
			}
			if n := countRows(t, db, "numbers"); n != len(seed.Numbers) {
				t.Errorf("%d numbers, want %d", n, len(seed.Numbers))
			}
		}
		check()

		// The documented demo values work.
		c, err := db.GetAPIClient(ctx, redcloud.SandboxClientID)
		must(t, err)
		if !platform.SecretMatches(redcloud.SandboxClientSecret, c.SecretHash) || c.Name != platform.SandboxClientName ||
			c.Status != redcloud.StatusActive || c.AccountStatus != redcloud.StatusActive ||
			len(c.Capabilities) != len(platform.AllCapabilities) || c.WebhookSecret != seed.Clients[0].WebhookSecret {
			t.Errorf("sandbox client = %+v", c)
		}
		n, err := db.GetNumber(ctx, redcloud.SandboxNumberID)
		must(t, err)
		if n.E164 != redcloud.SandboxNumberE164 || n.APIClientID != redcloud.SandboxClientID ||
			deref(n.CampaignRegID) != redcloud.SandboxCampaignID || !n.SMSEnabled || !n.MMSEnabled {
			t.Errorf("sandbox number = %+v", n)
		}
		other, err := db.ListNumbers(ctx, redcloud.SandboxOtherClientID)
		must(t, err)
		if len(other) != 1 || other[0].ID != redcloud.SandboxOtherNumberID {
			t.Errorf("the other client's numbers = %v", ids(other))
		}
		inv, err := db.SearchInventory(ctx, platform.SearchInput{})
		must(t, err)
		if inv.Total != len(seed.Numbers)-2 {
			t.Errorf("inventory total = %d, want %d", inv.Total, len(seed.Numbers)-2)
		}

		// Not twice, not even a different seed.
		for range 2 {
			seeded, err = db.SeedIfEmpty(ctx, platform.SandboxSeed(t0.Add(1)))
			must(t, err)
			if seeded {
				t.Fatal("a seeded database was seeded again")
			}
			check()
		}
	})
}

func TestSeedIfEmptySkipsADatabaseInUse(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_prod")
		seeded, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(t0))
		must(t, err)
		if seeded {
			t.Fatal("a database holding an account was seeded")
		}
		if n := countRows(t, db, "api_clients"); n != 0 {
			t.Errorf("%d api clients after a skipped seed", n)
		}
	})
}

func TestSeedIfEmptyIsAllOrNothing(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bad := platform.SandboxSeed(t0)
		bad.Numbers = append(bad.Numbers, bad.Numbers[len(bad.Numbers)-1]) // a duplicate
		seeded, err := db.SeedIfEmpty(ctx, bad)
		if !errors.Is(err, platform.ErrConflict) || seeded {
			t.Fatalf("SeedIfEmpty with a duplicate number = %v, %v; want false, ErrConflict", seeded, err)
		}
		for _, table := range []string{"accounts", "api_clients", "numbers"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("a failed seed left %d rows in %s", n, table)
			}
		}
		seeded, err = db.SeedIfEmpty(ctx, platform.SandboxSeed(t0))
		must(t, err)
		if !seeded {
			t.Error("a database left empty by a failed seed was not seeded later")
		}
	})
}
