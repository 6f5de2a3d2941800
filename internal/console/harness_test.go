package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/console"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// TestMain fails the package when a goroutine outlives the tests: every
// server and store a test starts must be stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The operators of every env: sessions are made directly in the store with
// these tokens, so that only the login tests pay for argon2id.
const (
	adminEmail  = "ann@example.com"
	viewerEmail = "vic@example.com"
	adminToken  = operator.PrefixSessionToken + "admin-test-token"
	viewerToken = operator.PrefixSessionToken + "viewer-test-token"
	hostileText = `<script>alert("pwned")</script>`
)

// env is a console on a fresh SQLite database holding an account, two API
// clients with a number each, an inbound message to each, and an admin and
// a viewer with sessions.
type env struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	op  *operator.Operator
	srv *httptest.Server
	// msg is an inbound message of rc_a whose text is hostileText.
	msg platform.Message
	evt platform.Event
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, ctx: ctx, db: db, op: operator.New(db, operator.Config{Actor: "cli:test"})}
	now := time.Now().UTC().Truncate(time.Millisecond)
	must(t, db.CreateAccount(ctx, platform.Account{ID: "acct_a", Name: "Acme", Status: redcloud.StatusActive, CreatedAt: now}))
	url := "http://127.0.0.1:9/hooks" // nothing listens: deliveries fail
	for _, id := range []string{"rc_a", "rc_b"} {
		must(t, db.CreateAPIClient(ctx, platform.APIClient{ID: id, AccountID: "acct_a", Name: "Client <b>" + id + "</b>",
			Status: redcloud.StatusActive, SecretHash: platform.HashSecret("secret-" + id), Capabilities: platform.AllCapabilities,
			WebhookSecret: "whsec_" + id, InboundURL: &url, CreatedAt: now}))
	}
	campaign := "A1B2C3"
	var nums []platform.Number
	for i, c := range []string{"rc_a", "rc_b"} {
		nums = append(nums, platform.Number{ID: "num_" + c[3:], E164: "+1555123000" + string(rune('1'+i)), APIClientID: c,
			Status: redcloud.StatusActive, CampaignRegID: &campaign, SMSEnabled: true, NPA: "555", NXX: "123",
			City: "Austin", State: "TX", ZipCode: "78701", RateCenter: "AUSTIN", CreatedAt: now})
	}
	nums = append(nums, platform.Number{ID: "num_free", E164: "+15125550100", Status: redcloud.StatusActive, SMSEnabled: true,
		NPA: "512", NXX: "555", City: "Austin", State: "TX", ZipCode: "78701", RateCenter: "AUSTIN", CreatedAt: now})
	must(t, db.InsertNumbers(ctx, nums))
	for i, c := range []string{"rc_a", "rc_b"} {
		cl, err := db.GetAPIClient(ctx, c)
		must(t, err)
		text := hostileText
		if i == 1 {
			text = "hello from b"
		}
		m, ev, d := platform.NewInbound(cl, nums[i], platform.InboundInput{From: "+15550000001", Text: text}, now)
		must(t, db.InsertInbound(ctx, m, ev, d))
		if i == 0 {
			e.msg, e.evt = m, ev
		}
	}
	for _, o := range []struct{ email, role, token string }{{adminEmail, operator.RoleAdmin, adminToken}, {viewerEmail, operator.RoleViewer, viewerToken}} {
		id := "op_" + o.role
		must(t, db.CreateOperator(ctx, store.Operator{ID: id, Email: o.email, Role: o.role, PasswordHash: "unused", CreatedAt: now, UpdatedAt: now}))
		must(t, db.CreateConsoleSession(ctx, store.ConsoleSession{TokenHash: platform.HashSecret(o.token), OperatorID: id,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	}
	c, err := console.New(console.Config{Operator: e.op, Sandbox: true, LoopbackHostsOnly: true})
	must(t, err)
	e.srv = httptest.NewServer(c)
	t.Cleanup(e.srv.Close)
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// response is a finished request: status, headers and body.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with the session token (none when empty) and any
// extra headers, without following redirects.
func (e *env) do(method, path, token string, form url.Values, headers ...string) response {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	must(e.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "rc_console", Value: token})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	must(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(e.t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// get fetches a page as the operator of token and wants 200.
func (e *env) get(path, token string) string {
	e.t.Helper()
	r := e.do(http.MethodGet, path, token, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("GET %s: %d\n%s", path, r.status, r.body)
	}
	return r.body
}

// post sends a form as the admin, same-origin as a browser would, and
// wants status.
func (e *env) post(path string, form url.Values, status int) response {
	e.t.Helper()
	r := e.do(http.MethodPost, path, adminToken, form, "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL)
	if r.status != status {
		e.t.Fatalf("POST %s %v: %d, want %d\n%s", path, form, r.status, status, r.body)
	}
	return r
}

// audit returns the newest audit entries.
func (e *env) audit() []store.AuditEntry {
	e.t.Helper()
	es, _, err := e.op.ListAudit(e.ctx, operator.AuditFilter{Limit: operator.MaxAuditLimit})
	must(e.t, err)
	return es
}
