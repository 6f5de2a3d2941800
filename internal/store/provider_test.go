package store_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

func mkProvider(name string) platform.ProviderConfig {
	return platform.ProviderConfig{
		Name: name, Type: platform.ProviderTypeSMPP, Host: "smsc.example", Port: 2775, TLS: true,
		SystemID: "acme", Password: "pw:@/x", SystemType: "VMA", Binds: 2, Window: 10, MPS: 12.5,
		EnquireLink: 30 * time.Second, DLRIDFormat: "hex", DCS0: "latin1", Segmentation: "sar",
		CreatedAt: t0, UpdatedAt: t0,
	}
}

func TestProviders(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, err := db.ProvidersVersion(ctx)
		must(t, err)
		if got, err := db.ListProviders(ctx); err != nil || len(got) != 0 {
			t.Fatalf("providers of a new database: %v, %v", got, err)
		}
		acme := mkProvider("acme")
		must(t, db.InsertProvider(ctx, acme))
		wantIs(t, db.InsertProvider(ctx, acme), platform.ErrConflict)
		got, err := db.GetProvider(ctx, "acme")
		must(t, err)
		if !got.SameSettings(acme) || !got.CreatedAt.Equal(t0) || got.Password.Reveal() != "pw:@/x" {
			t.Errorf("stored %+v\nwant %+v", got, acme)
		}
		_, err = db.GetProvider(ctx, "nope")
		wantIs(t, err, platform.ErrNotFound)
		_, err = db.GetProvider(ctx, platform.SandboxProvider)
		wantIs(t, err, platform.ErrNotFound)

		// A password read from the environment is stored as NULL.
		env := mkProvider("beta")
		env.Password, env.PasswordEnv, env.TLS = "", "BETA_SMPP_PASSWORD", false
		must(t, db.InsertProvider(ctx, env))
		if n := countRows(t, db, "providers WHERE password IS NULL AND password_env = 'BETA_SMPP_PASSWORD'"); n != 1 {
			t.Errorf("%d rows with a NULL password and the variable, want 1", n)
		}
		list, err := db.ListProviders(ctx)
		must(t, err)
		if len(list) != 2 || list[0].Name != "acme" || list[1].Name != "beta" || !list[1].SameSettings(env) {
			t.Errorf("list = %+v", list)
		}

		v1, err := db.ProvidersVersion(ctx)
		must(t, err)
		if v1 == v0 || v1 == "" {
			t.Errorf("version %q → %q after adding providers", v0, v1)
		}
		acme.Binds, acme.Password, acme.UpdatedAt = 4, "new", t0.Add(time.Hour)
		must(t, db.UpdateProvider(ctx, acme))
		got, err = db.GetProvider(ctx, "acme")
		must(t, err)
		if got.Binds != 4 || got.Password.Reveal() != "new" || !got.CreatedAt.Equal(t0) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after update: %+v", got)
		}
		wantIs(t, db.UpdateProvider(ctx, mkProvider("nope")), platform.ErrNotFound)
		if v2, _ := db.ProvidersVersion(ctx); v2 == v1 {
			t.Error("an update did not change the version")
		}

		must(t, db.DeleteProvider(ctx, "beta"))
		wantIs(t, db.DeleteProvider(ctx, "beta"), platform.ErrNotFound)
	})
}

func TestProviderRoutes(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		twoClients(t, db)
		must(t, db.InsertNumber(ctx, mkNumber("num_inv", "+15551230003", "")))
		must(t, db.InsertProvider(ctx, mkProvider("acme")))

		counts, err := db.CountRoutes(ctx)
		must(t, err)
		if want := map[string]int{"": 2}; !maps.Equal(counts, want) {
			t.Errorf("routes of a new database = %v, want %v (the inventory number does not count)", counts, want)
		}
		if d, err := db.DefaultProvider(ctx); err != nil || d != "" {
			t.Errorf("default = %q, %v", d, err)
		}

		v0, _ := db.ProvidersVersion(ctx)
		must(t, db.RouteNumber(ctx, "num_a", "acme"))
		must(t, db.RouteNumber(ctx, "num_inv", platform.SandboxProvider))
		wantIs(t, db.RouteNumber(ctx, "num_b", "nope"), platform.ErrNotFound)
		wantIs(t, db.RouteNumber(ctx, "num_nope", "acme"), platform.ErrNotFound)
		if v1, _ := db.ProvidersVersion(ctx); v1 == v0 {
			t.Error("a route did not change the version")
		}
		routes, err := db.NumberRoutes(ctx)
		must(t, err)
		if want := map[string]string{"num_a": "acme", "num_inv": "sandbox"}; !maps.Equal(routes, want) {
			t.Errorf("routes = %v, want %v", routes, want)
		}
		if r, err := db.NumberRoute(ctx, "num_a"); err != nil || r != "acme" {
			t.Errorf("route of num_a = %q, %v", r, err)
		}
		if r, err := db.NumberRoute(ctx, "num_b"); err != nil || r != "" {
			t.Errorf("route of num_b = %q, %v", r, err)
		}
		_, err = db.NumberRoute(ctx, "num_nope")
		wantIs(t, err, platform.ErrNotFound)
		counts, err = db.CountRoutes(ctx)
		must(t, err)
		if want := map[string]int{"": 1, "acme": 1, "sandbox": 1}; !maps.Equal(counts, want) {
			t.Errorf("route counts = %v, want %v", counts, want)
		}

		// A provider in use is not removed.
		err = db.DeleteProvider(ctx, "acme")
		var inUse *store.ProviderInUseError
		if !errors.As(err, &inUse) || inUse.Numbers != 1 || !slices.Equal(inUse.Some, []string{"num_a"}) || inUse.Default ||
			!errors.Is(err, platform.ErrConflict) {
			t.Fatalf("delete a routed provider: %v (%+v)", err, inUse)
		}
		if _, err := db.GetProvider(ctx, "acme"); err != nil {
			t.Fatalf("the refused delete removed the provider: %v", err)
		}
		must(t, db.RouteNumber(ctx, "num_a", ""))
		must(t, db.SetDefaultProvider(ctx, "acme"))
		if d, err := db.DefaultProvider(ctx); err != nil || d != "acme" {
			t.Errorf("default = %q, %v", d, err)
		}
		err = db.DeleteProvider(ctx, "acme")
		if !errors.As(err, &inUse) || inUse.Numbers != 0 || !inUse.Default {
			t.Fatalf("delete the default provider: %v (%+v)", err, inUse)
		}
		wantIs(t, db.SetDefaultProvider(ctx, "nope"), platform.ErrNotFound)
		if d, _ := db.DefaultProvider(ctx); d != "acme" {
			t.Errorf("a refused default changed it to %q", d)
		}
		must(t, db.SetDefaultProvider(ctx, platform.SandboxProvider))
		must(t, db.SetDefaultProvider(ctx, ""))
		if d, _ := db.DefaultProvider(ctx); d != "" {
			t.Errorf("cleared default = %q", d)
		}
		must(t, db.DeleteProvider(ctx, "acme"))
	})
}

func TestProviderBinds(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bind := func(process, provider string, i int, state string, at time.Time) platform.ProviderBind {
			return platform.ProviderBind{Process: process, Provider: provider, Bind: i, State: state, Since: at,
				LastError: "", UpdatedAt: at}
		}
		must(t, db.SaveProviderBinds(ctx, []platform.ProviderBind{
			bind("p1", "acme", 0, platform.BindConnecting, t0), bind("p1", "acme", 1, platform.BindBound, t0),
			bind("p2", "acme", 0, platform.BindBound, t0), bind("dead", "acme", 0, platform.BindBound, t0.Add(-time.Hour)),
		}))
		failed := bind("p1", "acme", 0, platform.BindFailed, t0.Add(time.Second))
		failed.LastError = "bind refused: ESME_RINVPASWD"
		must(t, db.SaveProviderBinds(ctx, []platform.ProviderBind{failed}))

		live, err := db.ListProviderBinds(ctx, t0.Add(-time.Minute))
		must(t, err)
		if len(live) != 3 || live[0] != failed || live[1].Process != "p1" || live[1].Bind != 1 || live[2].Process != "p2" {
			t.Errorf("live binds = %+v", live)
		}
		must(t, db.TouchProviderBinds(ctx, "p2", t0.Add(time.Minute)))
		live, err = db.ListProviderBinds(ctx, t0.Add(30*time.Second))
		must(t, err)
		if len(live) != 1 || live[0].Process != "p2" || !live[0].UpdatedAt.Equal(t0.Add(time.Minute)) || !live[0].Since.Equal(t0) {
			t.Errorf("binds refreshed after t0+30s = %+v", live)
		}
		n, err := db.PruneProviderBinds(ctx, t0.Add(-time.Minute))
		if err != nil || n != 1 {
			t.Errorf("pruned %d, %v; want the dead process's row", n, err)
		}
		must(t, db.DeleteProviderBinds(ctx, "p1", "acme"))
		if n := countRows(t, db, "provider_binds WHERE process = 'p1'"); n != 0 {
			t.Errorf("%d rows of p1 left", n)
		}
		must(t, db.SaveProviderBinds(ctx, []platform.ProviderBind{bind("p2", "beta", 0, platform.BindBound, t0)}))
		must(t, db.DeleteProviderBinds(ctx, "p2", ""))
		if n := countRows(t, db, "provider_binds"); n != 0 {
			t.Errorf("%d rows left", n)
		}
	})
}
