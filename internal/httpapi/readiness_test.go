package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// TestReadyzDegraded: /readyz stays 200 but says "degraded", and why,
// while an SMPP bind of a running process is not bound; rows of a process
// that stopped refreshing them no longer count.
func TestReadyzDegraded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantJSON(t, e.get(t, "/readyz", ""), 200, `{"status":"ready"}`)

	acme := platform.ProviderConfig{Name: "acme", Type: platform.ProviderTypeSMPP, Host: "smsc.example", Port: 2775,
		SystemID: "acme", Password: "pw", Binds: 1, Window: 10, EnquireLink: 30 * time.Second, DLRIDFormat: "auto",
		DCS0: "gsm", Segmentation: "udh", CreatedAt: start, UpdatedAt: start}
	must(t, e.db.InsertProvider(e.ctx, acme))
	// What /readyz found is reused for a second: the clock moves past it.
	e.clock.Advance(2 * time.Second)
	wantJSON(t, e.get(t, "/readyz", ""), 200,
		`{"status":"degraded","problems":["provider acme: no running server process reports a bind"]}`)

	now := e.clock.Now()
	bind := func(process string, state string) platform.ProviderBind {
		return platform.ProviderBind{Process: process, Provider: "acme", State: state, Since: now, UpdatedAt: now}
	}
	must(t, e.db.SaveProviderBinds(e.ctx, []platform.ProviderBind{bind("p1", platform.BindBound), bind("p2", platform.BindFailed)}))
	e.clock.Advance(2 * time.Second)
	wantJSON(t, e.get(t, "/readyz", ""), 200,
		`{"status":"degraded","problems":["provider acme: 1 of 2 binds not bound (1 failed)"]}`)

	must(t, e.db.SaveProviderBinds(e.ctx, []platform.ProviderBind{bind("p2", platform.BindBound)}))
	e.clock.Advance(2 * time.Second)
	wantJSON(t, e.get(t, "/readyz", ""), 200, `{"status":"ready"}`)

	// Both processes died: their rows lapse.
	e.clock.Advance(platform.BindStaleAfter)
	wantJSON(t, e.get(t, "/readyz", ""), 200,
		`{"status":"degraded","problems":["provider acme: no running server process reports a bind"]}`)
}

// TestReadyzNoRoute: in production, numbers without a route and no
// default provider make /readyz say so (their messages fail NO_ROUTE); in
// sandbox mode they use the sandbox and nothing is wrong.
func TestReadyzNoRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutSandbox())
	counts, err := e.db.CountRoutes(e.ctx)
	must(t, err)
	if counts[""] == 0 {
		t.Fatal("the seed has no assigned numbers")
	}
	r := e.get(t, "/readyz", "")
	wantJSON(t, r, 200, fmt.Sprintf(`{"status":"degraded","problems":["assigned numbers without a provider route: %d; there is no default provider, so their messages fail NO_ROUTE"]}`, counts[""]))
	must(t, e.db.SetDefaultProvider(e.ctx, platform.SandboxProvider))
	e.clock.Advance(2 * time.Second)
	wantJSON(t, e.get(t, "/readyz", ""), 200, `{"status":"ready"}`)

	sandbox := newEnv(t)
	var body map[string]any
	r = sandbox.get(t, "/readyz", "")
	if err := json.Unmarshal(r.body, &body); err != nil || body["status"] != "ready" {
		t.Errorf("sandbox mode: %s", r.body)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
