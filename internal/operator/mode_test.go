package operator_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestPrepareMode: a sandbox-seeded database refuses production until it
// is converted; converting revokes the published demo secrets, and a
// production database then refuses sandbox mode. No password is shown.
func TestPrepareMode(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		mc, err := e.op.PrepareMode(e.ctx, store.ModeSandbox, false, "x.db")
		if err != nil || mc != (operator.ModeCheck{}) {
			t.Fatalf("new database in sandbox mode: %+v, %v", mc, err)
		}
		if _, err := e.db.SeedIfEmpty(e.ctx, platform.SandboxSeed(t0)); err != nil {
			t.Fatal(err)
		}
		_, err = e.op.PrepareMode(e.ctx, store.ModeProduction, false, "postgres://u:hunter2@h/db")
		var mm *operator.ModeMismatchError
		if !errors.As(err, &mm) || mm.Database != store.ModeSandbox || mm.Server != store.ModeProduction {
			t.Fatalf("production on a sandbox database: %v, want a ModeMismatchError", err)
		}
		if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "--change-mode") {
			t.Errorf("refusal %q: must name --change-mode and never the password", err)
		}
		mc, err = e.op.PrepareMode(e.ctx, store.ModeProduction, true, "x.db")
		if err != nil || mc.ConvertedFrom != store.ModeSandbox || mc.Revoked != 2 {
			t.Fatalf("--change-mode to production: %+v, %v; want converted from sandbox, 2 clients revoked", mc, err)
		}
		c, err := e.db.GetAPIClient(e.ctx, redcloud.SandboxClientID)
		if err != nil || platform.SecretMatches(redcloud.SandboxClientSecret, c.SecretHash) || c.Status != redcloud.StatusSuspended {
			t.Errorf("demo client after conversion: %+v, %v", c.Status, err)
		}
		if _, err := e.op.PrepareMode(e.ctx, store.ModeSandbox, false, "x.db"); !errors.As(err, &mm) {
			t.Errorf("sandbox on a production database: %v, want a ModeMismatchError", err)
		}
	})
}
