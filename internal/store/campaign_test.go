package store_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestUpdateCampaign: a partial update keeps the limits it does not name,
// 0 removes one, and a campaign left with none is gone.
func TestUpdateCampaign(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.GetCampaign(ctx, "C1")
		wantIs(t, err, platform.ErrNotFound)

		for _, s := range []struct {
			name          string
			u             store.CampaignUpdate
			before, after platform.Campaign
		}{
			{"new", store.CampaignUpdate{SMSTPM: ptr[int64](240)},
				platform.Campaign{ID: "C1"}, platform.Campaign{ID: "C1", SMSTPM: 240}},
			{"another limit", store.CampaignUpdate{MMSTPM: ptr[int64](50), DailyCap: ptr[int64](2000)},
				platform.Campaign{ID: "C1", SMSTPM: 240}, platform.Campaign{ID: "C1", SMSTPM: 240, MMSTPM: 50, DailyCap: 2000}},
			{"nothing", store.CampaignUpdate{},
				platform.Campaign{ID: "C1", SMSTPM: 240, MMSTPM: 50, DailyCap: 2000}, platform.Campaign{ID: "C1", SMSTPM: 240, MMSTPM: 50, DailyCap: 2000}},
			{"remove one", store.CampaignUpdate{SMSTPM: ptr[int64](0), DailyCap: ptr[int64](100)},
				platform.Campaign{ID: "C1", SMSTPM: 240, MMSTPM: 50, DailyCap: 2000}, platform.Campaign{ID: "C1", MMSTPM: 50, DailyCap: 100}},
		} {
			before, after, err := db.UpdateCampaign(ctx, "C1", s.u, t0)
			must(t, err)
			if before != s.before || after != s.after {
				t.Errorf("%s: before %+v after %+v, want %+v and %+v", s.name, before, after, s.before, s.after)
			}
			if got, err := db.GetCampaign(ctx, "C1"); err != nil || got != s.after {
				t.Errorf("%s: stored %+v, %v", s.name, got, err)
			}
		}
		_, _, err = db.UpdateCampaign(ctx, "C2", store.CampaignUpdate{DailyCap: ptr[int64](10)}, t0)
		must(t, err)
		list, err := db.ListCampaigns(ctx)
		must(t, err)
		if want := []platform.Campaign{{ID: "C1", MMSTPM: 50, DailyCap: 100}, {ID: "C2", DailyCap: 10}}; !reflect.DeepEqual(list, want) {
			t.Errorf("ListCampaigns = %+v, want %+v", list, want)
		}

		// No limit left: the campaign is gone, and setting nothing on a
		// campaign never set creates none.
		_, after, err := db.UpdateCampaign(ctx, "C1", store.CampaignUpdate{MMSTPM: ptr[int64](0), DailyCap: ptr[int64](0)}, t0)
		must(t, err)
		if after.Limited() {
			t.Errorf("after removing every limit: %+v", after)
		}
		_, err = db.GetCampaign(ctx, "C1")
		wantIs(t, err, platform.ErrNotFound)
		_, _, err = db.UpdateCampaign(ctx, "C3", store.CampaignUpdate{SMSTPM: ptr[int64](0)}, t0)
		must(t, err)
		if n := countRows(t, db, "campaigns"); n != 1 {
			t.Errorf("%d campaign rows, want 1 (C2)", n)
		}
	})
}

// TestUpdateCampaignConcurrent: concurrent updates of different limits of
// one campaign all take effect (none is lost to another's read).
func TestUpdateCampaignConcurrent(t *testing.T) {
	t.Parallel()
	forEachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		// Two stores, as two admin processes would be.
		dbs := []*store.DB{openSQLiteAt(t, dsn), openSQLiteAt(t, dsn)}
		const rounds = 10
		for round := range rounds {
			id := "C" + string(rune('a'+round))
			updates := []store.CampaignUpdate{
				{SMSTPM: ptr[int64](240)}, {MMSTPM: ptr[int64](60)}, {DailyCap: ptr[int64](1000)},
			}
			var wg sync.WaitGroup
			errs := make(chan error, len(updates))
			for i, u := range updates {
				wg.Go(func() {
					_, _, err := dbs[i%len(dbs)].UpdateCampaign(ctx, id, u, t0)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				must(t, err)
			}
			got, err := dbs[0].GetCampaign(ctx, id)
			must(t, err)
			if want := (platform.Campaign{ID: id, SMSTPM: 240, MMSTPM: 60, DailyCap: 1000}); got != want {
				t.Fatalf("round %d: %+v, want %+v: an update was lost", round, got, want)
			}
		}
	})
}

// TestCampaignNumbers: the numbers of a campaign, each with its own rate,
// and how many each campaign has.
func TestCampaignNumbers(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, c := mkNumber("num_a", "+15125550101", ""), mkNumber("num_b", "+15125550102", ""), mkNumber("num_c", "+15125550103", "")
		a.CampaignRegID, b.CampaignRegID, c.CampaignRegID = ptr("C1"), ptr("C1"), ptr("C2")
		a.MPS = ptr(1.5)
		must(t, db.InsertNumbers(ctx, []platform.Number{b, a, c}))
		must(t, db.SetNumberAttrs(ctx, "num_b", store.NumberAttrs{MPS: ptr(ptr(0.0))}))
		b.MPS = ptr(0.0)

		got, err := db.CampaignNumbers(ctx, "C1")
		must(t, err)
		if want := []platform.Number{a, b}; !reflect.DeepEqual(got, want) {
			t.Errorf("CampaignNumbers(C1) =\n%+v\nwant\n%+v", got, want)
		}
		if got, err := db.CampaignNumbers(ctx, "C9"); err != nil || got == nil || len(got) != 0 {
			t.Errorf("CampaignNumbers(C9) = %#v, %v; want an empty list", got, err)
		}

		counts, err := db.CampaignNumberCounts(ctx)
		must(t, err)
		if want := map[string]int{"C1": 2, "C2": 1}; !reflect.DeepEqual(counts, want) {
			t.Errorf("CampaignNumberCounts = %v, want %v", counts, want)
		}

		// Back to the default: NULL again, not 0.
		must(t, db.SetNumberAttrs(ctx, "num_a", store.NumberAttrs{MPS: ptr[*float64](nil)}))
		if n, err := db.GetNumber(ctx, "num_a"); err != nil || n.MPS != nil {
			t.Errorf("after clearing mps: %v, %v", n.MPS, err)
		}
	})
}
