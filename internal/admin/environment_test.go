package admin_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// TestAdminEnvironment: only REDCLOUD_DB and REDCLOUD_SANDBOX are read, and
// flags win over them. It sets variables of this process, so it does not
// run in parallel.
func TestAdminEnvironment(t *testing.T) {
	forEachDB(t, true, func(t *testing.T, c *adminCLI) {
		t.Setenv("REDCLOUD_DB", c.db)
		t.Setenv("REDCLOUD_NAME", "from-env")
		t.Setenv("REDCLOUD_STATUS", "SUSPENDED")
		r := c.exec(t, "admin", "account", "create", "--name", "Env", "--id", "acct_env")
		if r.code != 0 {
			t.Fatalf("account create with REDCLOUD_DB: exit %d: %s", r.code, r.stderr)
		}
		if c.sqlite {
			if _, err := os.Stat(c.db); err != nil {
				t.Fatalf("REDCLOUD_DB was not used: %v", err)
			}
		}
		accounts, err := c.open(t).ListAccounts(context.Background())
		if err != nil || !slices.ContainsFunc(accounts, func(a platform.Account) bool { return a.ID == "acct_env" }) {
			t.Fatalf("REDCLOUD_DB was not used: %v %+v", err, accounts)
		}
		// Only --db and --sandbox come from the environment: REDCLOUD_NAME
		// does not fill a missing --name.
		r = c.exec(t, "admin", "account", "create")
		checkAdminFailure(t, r, 2, "--name is required", []string{"account create"})
		// REDCLOUD_STATUS does not change what number add does.
		r = c.exec(t, "admin", "number", "add", "--e164", "+15125550100", "--json")
		var n struct{ Status string }
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &n) != nil || n.Status != redcloud.StatusActive {
			t.Errorf("number add with REDCLOUD_STATUS set: exit %d, %q %q", r.code, r.stdout, r.stderr)
		}

		// REDCLOUD_SANDBOX=true allows an http:// webhook URL.
		cl := c.newClient(t)
		t.Setenv("REDCLOUD_SANDBOX", "true")
		r = c.run(t, "admin", "client", "set-webhooks", cl.APIClientID, "--delivery-url", "http://localhost:9000/d")
		if x := c.client(t, cl.APIClientID); r.code != 0 || x.DeliveryURL == nil || *x.DeliveryURL != "http://localhost:9000/d" {
			t.Errorf("REDCLOUD_SANDBOX=true did not allow http: exit %d %s; URL %v", r.code, r.stderr, x.DeliveryURL)
		}
		t.Setenv("REDCLOUD_SANDBOX", "maybe")
		r = c.run(t, "admin", "client", "set-webhooks", cl.APIClientID, "--clear-delivery")
		checkAdminFailure(t, r, 2, `REDCLOUD_SANDBOX="maybe"`, []string{"set-webhooks"})

		// --db wins over REDCLOUD_DB.
		other := filepath.Join(t.TempDir(), "other.db")
		t.Setenv("REDCLOUD_DB", other)
		r = c.run(t, "admin", "account", "list")
		if r.code != 0 || !strings.Contains(r.stdout, "acct_env") {
			t.Errorf("--db did not win over REDCLOUD_DB: exit %d %q %q", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(other); err == nil {
			t.Error("a command given --db opened REDCLOUD_DB too")
		}
	})
}
