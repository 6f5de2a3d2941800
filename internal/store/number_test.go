package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func TestNumberInsertGet(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_a")
		mkClient(t, db, "acct_a", "rc_a")
		owned := mkNumber("num_a", "+15551230001", "rc_a")
		owned.WebhookDeliveryOverride = ptr("https://h.example/d")
		owned.SMSEnabled = false
		inv := mkNumber("num_inv", "+15125550100", "")
		inv.CampaignRegID = nil
		inv.State = "tx" // stored upper-case
		must(t, db.InsertNumber(ctx, owned))
		must(t, db.InsertNumber(ctx, inv))
		inv.State = "TX"

		for _, want := range []platform.Number{owned, inv} {
			got, err := db.GetNumber(ctx, want.ID)
			must(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("GetNumber(%s) =\n%+v\nwant\n%+v", want.ID, got, want)
			}
			got, err = db.GetNumberByE164(ctx, want.E164)
			must(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("GetNumberByE164(%s) =\n%+v\nwant\n%+v", want.E164, got, want)
			}
		}
		_, err := db.GetNumber(ctx, "num_nope")
		wantIs(t, err, platform.ErrNotFound)
		_, err = db.GetNumberByE164(ctx, "+15550000000")
		wantIs(t, err, platform.ErrNotFound)

		wantIs(t, db.InsertNumber(ctx, mkNumber("num_other", owned.E164, "")), platform.ErrConflict)  // same e164
		wantIs(t, db.InsertNumber(ctx, mkNumber(owned.ID, "+15551239999", "")), platform.ErrConflict) // same id
		if err := db.InsertNumber(ctx, mkNumber("num_c", "+15551238888", "rc_nope")); err == nil {    // unknown owner
			t.Error("a number assigned to an unknown client was inserted")
		}
	})
}

func TestInsertNumbersAllOrNothing(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		batch := []platform.Number{
			mkNumber("num_1", "+15125550101", ""),
			mkNumber("num_2", "+15125550102", ""),
			mkNumber("num_3", "+15125550101", ""), // duplicate e164 of num_1
		}
		wantIs(t, db.InsertNumbers(ctx, batch), platform.ErrConflict)
		if n := countRows(t, db, "numbers"); n != 0 {
			t.Fatalf("a failed batch left %d numbers", n)
		}
		for _, id := range []string{"num_1", "num_2"} {
			_, err := db.GetNumber(ctx, id)
			wantIs(t, err, platform.ErrNotFound)
		}

		batch[2] = mkNumber("num_3", "+15125550103", "")
		must(t, db.InsertNumbers(ctx, batch))
		all, err := db.ListNumbers(ctx, "")
		must(t, err)
		if len(all) != 3 {
			t.Errorf("%d numbers after a good batch, want 3", len(all))
		}
		must(t, db.InsertNumbers(ctx, nil))
	})
}

func TestListAndCountNumbers(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_a")
		mkClient(t, db, "acct_a", "rc_a")
		mkClient(t, db, "acct_a", "rc_b")
		mkClient(t, db, "acct_a", "rc_none")
		n3 := mkNumber("num_3", "+15551230003", "rc_a")
		n1 := mkNumber("num_1", "+15551230009", "rc_a")
		n1.MMSEnabled = false
		n2 := mkNumber("num_2", "+15551230001", "rc_a")
		n2.SMSEnabled, n2.MMSEnabled = false, false
		other := mkNumber("num_0", "+15551230002", "rc_b")
		inv := mkNumber("num_inv", "+15125550100", "")
		must(t, db.InsertNumbers(ctx, []platform.Number{n3, n1, other, n2, inv}))

		got, err := db.ListNumbers(ctx, "rc_a")
		must(t, err)
		if want := []platform.Number{n1, n2, n3}; !reflect.DeepEqual(got, want) {
			t.Errorf("ListNumbers(rc_a) = %v, want %v (by id)", ids(got), ids(want))
		}
		got, err = db.ListNumbers(ctx, "rc_none")
		must(t, err)
		if got == nil || len(got) != 0 {
			t.Errorf("ListNumbers of a client without numbers = %#v, want empty, not nil", got)
		}
		got, err = db.ListNumbers(ctx, "")
		must(t, err)
		if want := []string{"num_0", "num_1", "num_2", "num_3", "num_inv"}; !slices.Equal(ids(got), want) {
			t.Errorf("ListNumbers(all) = %v, want %v", ids(got), want)
		}

		for _, tt := range []struct {
			client string
			want   redcloud.AssignedNumbers
		}{
			{"rc_a", redcloud.AssignedNumbers{Total: 3, SMSEnabledCount: 2, MMSEnabledCount: 1}},
			{"rc_b", redcloud.AssignedNumbers{Total: 1, SMSEnabledCount: 1, MMSEnabledCount: 1}},
			{"rc_none", redcloud.AssignedNumbers{}},
		} {
			got, err := db.CountNumbers(ctx, tt.client)
			must(t, err)
			if got != tt.want {
				t.Errorf("CountNumbers(%s) = %+v, want %+v", tt.client, got, tt.want)
			}
		}
	})
}

func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func ids(ns []platform.Number) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func TestUpdateNumber(t *testing.T) {
	t.Parallel()
	set := func(s string) **string { return ptr(&s) }
	clear := ptr[*string](nil)
	steps := []struct {
		name                        string
		in                          platform.NumberUpdateInput
		wantCampaign, wantIn, wantD any // nil or string
	}{
		{"nothing changes nothing", platform.NumberUpdateInput{}, "A1B2C3", nil, nil},
		{"set all", platform.NumberUpdateInput{CampaignRegID: set("C1"), WebhookInboundOverride: set("https://h.example/i"),
			WebhookDeliveryOverride: set("https://h.example/d")}, "C1", "https://h.example/i", "https://h.example/d"},
		{"clear inbound, leave the rest", platform.NumberUpdateInput{WebhookInboundOverride: clear}, "C1", nil, "https://h.example/d"},
		{"clear campaign, change delivery", platform.NumberUpdateInput{CampaignRegID: clear, WebhookDeliveryOverride: set("https://h.example/d2")},
			nil, nil, "https://h.example/d2"},
		{"same value again", platform.NumberUpdateInput{WebhookDeliveryOverride: set("https://h.example/d2")}, nil, nil, "https://h.example/d2"},
	}
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, _, na, nb := twoClients(t, db)
		for _, s := range steps {
			got, err := db.UpdateNumber(ctx, "rc_a", na.ID, s.in)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			stored, err := db.GetNumber(ctx, na.ID)
			must(t, err)
			if !reflect.DeepEqual(got, stored) {
				t.Errorf("%s: UpdateNumber returned %+v, stored %+v", s.name, got, stored)
			}
			if deref(got.CampaignRegID) != s.wantCampaign || deref(got.WebhookInboundOverride) != s.wantIn ||
				deref(got.WebhookDeliveryOverride) != s.wantD {
				t.Errorf("%s: campaign, inbound, delivery = %v, %v, %v; want %v, %v, %v", s.name,
					deref(got.CampaignRegID), deref(got.WebhookInboundOverride), deref(got.WebhookDeliveryOverride),
					s.wantCampaign, s.wantIn, s.wantD)
			}
			if got.E164 != na.E164 || got.APIClientID != "rc_a" || got.Status != na.Status || !got.SMSEnabled {
				t.Errorf("%s: other fields changed: %+v", s.name, got)
			}
		}

		// Not owned: another client's, an inventory number, an unknown id;
		// with and without changes. Nothing is written.
		must(t, db.InsertNumber(ctx, mkNumber("num_inv", "+15125550100", "")))
		for _, id := range []string{nb.ID, "num_inv", "num_nope"} {
			for _, in := range []platform.NumberUpdateInput{{}, {CampaignRegID: set("X")}} {
				_, err := db.UpdateNumber(ctx, "rc_a", id, in)
				wantIs(t, err, platform.ErrNotFound)
			}
		}
		got, err := db.GetNumber(ctx, nb.ID)
		must(t, err)
		if !reflect.DeepEqual(got, nb) {
			t.Errorf("another client's number changed: %+v", got)
		}
	})
}

func TestSetNumberAttrs(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, _, na, _ := twoClients(t, db)
		get := func() platform.Number {
			t.Helper()
			n, err := db.GetNumber(ctx, na.ID)
			must(t, err)
			return n
		}

		must(t, db.SetNumberAttrs(ctx, na.ID, store.NumberAttrs{}))
		if got := get(); !reflect.DeepEqual(got, na) {
			t.Errorf("empty attrs changed the number: %+v", got)
		}

		must(t, db.SetNumberAttrs(ctx, na.ID, store.NumberAttrs{Status: ptr(redcloud.StatusSuspended), SMSEnabled: ptr(false)}))
		want := na
		want.Status, want.SMSEnabled = redcloud.StatusSuspended, false
		if got := get(); !reflect.DeepEqual(got, want) {
			t.Errorf("after status+sms:\n%+v\nwant\n%+v", got, want)
		}

		must(t, db.SetNumberAttrs(ctx, na.ID, store.NumberAttrs{CampaignRegID: ptr[*string](nil), MMSEnabled: ptr(false)}))
		want.CampaignRegID, want.MMSEnabled = nil, false
		if got := get(); !reflect.DeepEqual(got, want) {
			t.Errorf("after clearing campaign, mms off:\n%+v\nwant\n%+v", got, want)
		}

		must(t, db.SetNumberAttrs(ctx, na.ID, store.NumberAttrs{CampaignRegID: ptr(ptr("Z9")), SMSEnabled: ptr(true), Status: ptr(redcloud.StatusActive)}))
		want.CampaignRegID, want.SMSEnabled, want.Status = ptr("Z9"), true, redcloud.StatusActive
		if got := get(); !reflect.DeepEqual(got, want) {
			t.Errorf("after setting campaign, sms on:\n%+v\nwant\n%+v", got, want)
		}

		wantIs(t, db.SetNumberAttrs(ctx, "num_nope", store.NumberAttrs{Status: ptr(redcloud.StatusActive)}), platform.ErrNotFound)
	})
}

func TestAssignUnassignNumber(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, _, _, nb := twoClients(t, db)
		inv := mkNumber("num_inv", "+15125550100", "")
		must(t, db.InsertNumber(ctx, inv))

		must(t, db.AssignNumber(ctx, inv.ID, "rc_a"))
		got, err := db.GetNumber(ctx, inv.ID)
		must(t, err)
		if got.APIClientID != "rc_a" {
			t.Fatalf("owner after assign = %q", got.APIClientID)
		}
		must(t, db.AssignNumber(ctx, inv.ID, "rc_a")) // again, to the same owner: no change

		wantIs(t, db.AssignNumber(ctx, inv.ID, "rc_b"), platform.ErrConflict) // owned by another
		wantIs(t, db.AssignNumber(ctx, nb.ID, "rc_a"), platform.ErrConflict)
		must(t, db.InsertNumber(ctx, mkNumber("num_inv2", "+15125550101", "")))
		wantIs(t, db.AssignNumber(ctx, "num_inv2", "rc_nope"), platform.ErrNotFound) // unknown client
		wantIs(t, db.AssignNumber(ctx, "num_nope", "rc_a"), platform.ErrNotFound)    // unknown number
		if got, _ := db.GetNumber(ctx, "num_inv2"); got.APIClientID != "" {
			t.Errorf("a failed assignment assigned the number to %q", got.APIClientID)
		}

		// The owner's overrides go when the number returns to the inventory;
		// the operator's attributes stay.
		_, err = db.UpdateNumber(ctx, "rc_a", inv.ID, platform.NumberUpdateInput{
			WebhookInboundOverride: ptr(ptr("https://a.example/i")), WebhookDeliveryOverride: ptr(ptr("https://a.example/d"))})
		must(t, err)
		must(t, db.UnassignNumber(ctx, inv.ID))
		got, err = db.GetNumber(ctx, inv.ID)
		must(t, err)
		if !reflect.DeepEqual(got, inv) {
			t.Errorf("after unassign:\n%+v\nwant\n%+v", got, inv)
		}
		res, err := db.SearchInventory(ctx, platform.SearchInput{NPA: "512"})
		must(t, err)
		if res.Total != 2 {
			t.Errorf("inventory after unassign holds %d numbers of 512, want 2", res.Total)
		}
		wantIs(t, db.UnassignNumber(ctx, "num_nope"), platform.ErrNotFound)

		must(t, db.AssignNumber(ctx, inv.ID, "rc_b")) // free again
	})
}

// searchInventory is a small inventory over two area codes, two exchanges
// and two rate centres in one exchange, plus numbers assigned to clients.
func searchInventory() []platform.Number {
	var ns []platform.Number
	add := func(e164, city, state, zip, rateCenter, client string) {
		n := mkNumber("num_"+e164[1:], e164, client)
		n.City, n.State, n.ZipCode, n.RateCenter = city, state, zip, rateCenter
		ns = append(ns, n)
	}
	for i := range 3 {
		add(fmt.Sprintf("+1512555010%d", i), "Austin", "TX", "78701", "AUSTIN", "")
	}
	// Round Rock shares 512-555 with Austin, its numbers on both sides of
	// Austin's: groups follow (npa, nxx, rateCenter), not the phone number.
	add("+15125550050", "Round Rock", "TX", "78664", "ROUND ROCK", "")
	add("+15125550200", "Round Rock", "TX", "78664", "ROUND ROCK", "")
	for i := range 2 {
		add(fmt.Sprintf("+1512556010%d", i), "Austin", "TX", "78702", "AUSTIN", "")
	}
	for i := range 2 {
		add(fmt.Sprintf("+1214555010%d", i), "Dallas", "TX", "75201", "DALLAS", "")
	}
	add("+15125550199", "Austin", "TX", "78701", "AUSTIN", "rc_a") // assigned: never listed
	add("+12145550199", "Dallas", "TX", "75201", "DALLAS", "rc_b")
	return ns
}

func TestSearchInventory(t *testing.T) {
	t.Parallel()
	g := func(npa, nxx, city, rc, zip string, numbers ...string) redcloud.NumberGroup {
		return redcloud.NumberGroup{NPA: npa, NXX: nxx, City: city, State: "TX", RateCenter: rc, ZipCode: zip,
			Count: len(numbers), Numbers: numbers}
	}
	dallas := g("214", "555", "Dallas", "DALLAS", "75201", "+12145550100", "+12145550101")
	austin555 := g("512", "555", "Austin", "AUSTIN", "78701", "+15125550100", "+15125550101", "+15125550102")
	roundRock := g("512", "555", "Round Rock", "ROUND ROCK", "78664", "+15125550050", "+15125550200")
	austin556 := g("512", "556", "Austin", "AUSTIN", "78702", "+15125560100", "+15125560101")
	tests := []struct {
		name   string
		in     platform.SearchInput
		groups []redcloud.NumberGroup
		total  int
	}{
		{"everything, grouped per npa, nxx, rateCenter", platform.SearchInput{}, []redcloud.NumberGroup{dallas, austin555, roundRock, austin556}, 9},
		{"npa", platform.SearchInput{NPA: "512"}, []redcloud.NumberGroup{austin555, roundRock, austin556}, 7},
		{"npa AND nxx", platform.SearchInput{NPA: "512", NXX: "555"}, []redcloud.NumberGroup{austin555, roundRock}, 5},
		{"nxx alone", platform.SearchInput{NXX: "556"}, []redcloud.NumberGroup{austin556}, 2},
		{"city, any case", platform.SearchInput{City: "aUSTIN"}, []redcloud.NumberGroup{austin555, austin556}, 5},
		{"city with a space", platform.SearchInput{City: "round rock"}, []redcloud.NumberGroup{roundRock}, 2},
		{"state, lower-case", platform.SearchInput{State: "tx"}, []redcloud.NumberGroup{dallas, austin555, roundRock, austin556}, 9},
		{"rateCenter, any case", platform.SearchInput{RateCenter: "Round Rock"}, []redcloud.NumberGroup{roundRock}, 2},
		{"zipCode", platform.SearchInput{ZipCode: "78702"}, []redcloud.NumberGroup{austin556}, 2},
		{"filters AND together", platform.SearchInput{NPA: "512", City: "Austin", ZipCode: "78701"}, []redcloud.NumberGroup{austin555}, 3},
		{"no match: npa AND city", platform.SearchInput{NPA: "214", City: "Austin"}, []redcloud.NumberGroup{}, 0},
		{"no match: state", platform.SearchInput{State: "WA"}, []redcloud.NumberGroup{}, 0},
		{"limit caps what is listed, not total", platform.SearchInput{Limit: ptr(2)}, []redcloud.NumberGroup{dallas}, 9},
		{"limit across groups", platform.SearchInput{NPA: "512", Limit: ptr(4)},
			[]redcloud.NumberGroup{austin555, g("512", "555", "Round Rock", "ROUND ROCK", "78664", "+15125550050")}, 7},
		{"limit inside a group", platform.SearchInput{NPA: "512", Limit: ptr(1)},
			[]redcloud.NumberGroup{g("512", "555", "Austin", "AUSTIN", "78701", "+15125550100")}, 7},
	}
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mkAccount(t, db, "acct_a")
		mkClient(t, db, "acct_a", "rc_a")
		mkClient(t, db, "acct_a", "rc_b")
		must(t, db.InsertNumbers(ctx, searchInventory()))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := db.SearchInventory(ctx, tt.in)
				must(t, err)
				want := redcloud.NumberSearchResult{Groups: tt.groups, Total: tt.total}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("SearchInventory =\n%+v\nwant\n%+v", got, want)
				}
			})
		}
	})
}

func TestSearchInventoryDefaultLimit(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var ns []platform.Number
		for i := range 25 {
			ns = append(ns, mkNumber(fmt.Sprintf("num_%02d", i), fmt.Sprintf("+151255501%02d", i), ""))
		}
		must(t, db.InsertNumbers(ctx, ns))
		for _, tt := range []struct {
			limit *int
			want  int
		}{{nil, platform.DefaultSearchLimit}, {ptr(platform.MaxSearchLimit), 25}} {
			got, err := db.SearchInventory(ctx, platform.SearchInput{Limit: tt.limit})
			must(t, err)
			if got.Total != 25 || len(got.Groups) != 1 {
				t.Fatalf("search = total %d in %d groups, want 25 in 1", got.Total, len(got.Groups))
			}
			if g := got.Groups[0]; g.Count != tt.want || len(g.Numbers) != tt.want {
				t.Errorf("limit %v lists %d (count %d), want %d", intOrNil(tt.limit), len(g.Numbers), g.Count, tt.want)
			}
		}
	})
}
