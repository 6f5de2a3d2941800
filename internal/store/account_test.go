package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func TestAccounts(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		list, err := db.ListAccounts(ctx)
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("new database lists %d accounts", len(list))
		}

		b := mkAccount(t, db, "acct_b")
		a := mkAccount(t, db, "acct_a")
		wantIs(t, db.CreateAccount(ctx, platform.Account{ID: "acct_a", Name: "again", Status: redcloud.StatusActive, CreatedAt: t0}),
			platform.ErrConflict)

		list, err = db.ListAccounts(ctx)
		must(t, err)
		if want := []platform.Account{a, b}; !reflect.DeepEqual(list, want) {
			t.Fatalf("ListAccounts = %+v, want %+v (ordered by id)", list, want)
		}

		must(t, db.SetAccountStatus(ctx, "acct_a", redcloud.StatusSuspended))
		wantIs(t, db.SetAccountStatus(ctx, "acct_nope", redcloud.StatusSuspended), platform.ErrNotFound)
		list, err = db.ListAccounts(ctx)
		must(t, err)
		if list[0].Status != redcloud.StatusSuspended || list[1].Status != redcloud.StatusActive {
			t.Errorf("statuses after suspending acct_a = %s, %s", list[0].Status, list[1].Status)
		}
	})
}
