package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/goleak"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/admin"
	"github.com/redcloud-core/redcloud/internal/command"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// TestMain clears the variables admin commands read, so that the
// developer's environment cannot change what a test does, and fails the
// package when a goroutine outlives the tests (a database left open).
func TestMain(m *testing.M) {
	os.Unsetenv("REDCLOUD_DB")
	os.Unsetenv("REDCLOUD_SANDBOX")
	goleak.VerifyTestMain(m)
}

// databases are the databases every admin test runs against: a new SQLite
// file, or a PostgreSQL schema of the test's own (skipped without
// REDCLOUD_TEST_POSTGRES_URL; CI sets it).
var databases = []struct {
	name string
	new  func(t *testing.T) *adminCLI
}{
	{"sqlite", func(t *testing.T) *adminCLI { return &adminCLI{db: storetest.SQLite(t), sqlite: true} }},
	{"postgres", func(t *testing.T) *adminCLI { return &adminCLI{db: postgresDSN(t)} }},
}

// postgresSlots bounds the PostgreSQL tests that run at once: each admin
// command opens its own pool, and the server's connections are shared.
var postgresSlots = make(chan struct{}, 4)

// postgresDSN waits for a slot and returns a DSN on a schema of the test's
// own (see storetest.Postgres).
func postgresDSN(t *testing.T) string {
	t.Helper()
	postgresSlots <- struct{}{}
	t.Cleanup(func() { <-postgresSlots }) // last: after the schema is dropped
	return storetest.Small(storetest.Postgres(t), 8)
}

// forEachDB runs fn as a subtest on each database, in parallel with other
// tests unless it sets environment variables (serial).
func forEachDB(t *testing.T, serial bool, fn func(t *testing.T, c *adminCLI)) {
	t.Helper()
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			if !serial {
				t.Parallel()
			}
			fn(t, d.new(t))
		})
	}
}

// TestAdmin runs the admin commands in process, as `redcloud admin` does,
// against a fresh database per subtest, on SQLite and on PostgreSQL.
func TestAdmin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *adminCLI)
	}{
		{"Account", testAdminAccount},
		{"ClientCreate", testAdminClientCreate},
		{"RotateSecret", testAdminRotateSecret},
		{"ClientStatus", testAdminClientStatus},
		{"Capabilities", testAdminCapabilities},
		{"Webhooks", testAdminWebhooks},
		{"WebhookSecretRotation", testAdminWebhookSecretRotation},
		{"KeywordReplies", testAdminKeywordReplies},
		{"OptOutRemove", testAdminOptOutRemove},
		{"NumberAddAndSet", testAdminNumberAddAndSet},
		{"NumberImport", testAdminNumberImport},
		{"NumberImportBadRow", testAdminNumberImportBadRow},
		{"NumberAssign", testAdminNumberAssign},
		{"Deliveries", testAdminDeliveries},
		{"Errors", testAdminErrors},
		{"Concurrent", testAdminConcurrent},
		{"Help", testAdminHelp},
		{"Operator", testAdminOperator},
		{"NumberOverrides", testAdminNumberOverrides},
		{"NumberMPS", testAdminNumberMPS},
		{"Campaign", testAdminCampaign},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachDB(t, false, tc.fn)
		})
	}
}

// adminCLI runs admin commands against one database: a SQLite file or a
// PostgreSQL DSN.
type adminCLI struct {
	db     string
	sqlite bool
}

// adminResult is one finished run.
type adminResult struct {
	stdout, stderr string
	code           int
}

// exec runs `redcloud args…` in process as the binary does: the error goes
// to stderr after "error: ", and its exit code is the process's. It does
// not add --db.
func (c *adminCLI) exec(t *testing.T, args ...string) adminResult {
	t.Helper()
	return runAdmin(args...)
}

// runAdmin runs `redcloud args…` (args starting with "admin") in process.
// It is safe to call from any goroutine.
func runAdmin(args ...string) adminResult {
	root := &cobra.Command{Use: "redcloud", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(admin.Command())
	root.SetArgs(args)
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := 0
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(&errb, "error:", err)
		code = command.Code(err)
	}
	return adminResult{stdout: out.String(), stderr: errb.String(), code: code}
}

// run runs a command with --db set to the test's database.
func (c *adminCLI) run(t *testing.T, args ...string) adminResult {
	t.Helper()
	return c.exec(t, append(args, "--db", c.db)...)
}

// ok runs a command that must succeed and returns its stdout.
func (c *adminCLI) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := c.run(t, args...)
	if r.code != 0 {
		t.Fatalf("%q: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs a command that must exit with code and say want on stderr.
func (c *adminCLI) fails(t *testing.T, code int, want string, args ...string) adminResult {
	t.Helper()
	r := c.run(t, args...)
	checkAdminFailure(t, r, code, want, args)
	return r
}

func checkAdminFailure(t *testing.T, r adminResult, code int, want string, args []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%q: exit %d, want %d\nstdout: %s\nstderr: %s", args, r.code, code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "error: ") || !strings.Contains(r.stderr, want) {
		t.Errorf("%q: stderr %q, want an error containing %q", args, r.stderr, want)
	}
}

// adminOKJSON runs a command that must succeed and decodes its JSON output.
func adminOKJSON[T any](t *testing.T, c *adminCLI, args ...string) T {
	t.Helper()
	var v T
	out := c.ok(t, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%q: decode %q: %v", args, out, err)
	}
	return v
}

// open opens the test's database in this process; it is closed when the
// test ends.
func (c *adminCLI) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// client reads an API client from the database.
func (c *adminCLI) client(t *testing.T, id string) platform.APIClient {
	t.Helper()
	db, err := store.Open(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cl, err := db.GetAPIClient(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// adminCreated is client create's --json output.
type adminCreated struct {
	APIClientID   string   `json:"apiClientId"`
	AccountID     string   `json:"accountId"`
	Name          string   `json:"name"`
	Capabilities  []string `json:"capabilities"`
	ClientSecret  string   `json:"clientSecret"`
	WebhookSecret string   `json:"webhookSecret"`
}

// newClient creates an account and an API client in it.
func (c *adminCLI) newClient(t *testing.T, args ...string) adminCreated {
	t.Helper()
	acct := strings.TrimSpace(c.ok(t, "admin", "account", "create", "--name", "Acme"))
	return adminOKJSON[adminCreated](t, c, append([]string{"admin", "client", "create", "--account", acct, "--name", "Acme prod"}, args...)...)
}

func testAdminAccount(t *testing.T, c *adminCLI) {
	r := c.run(t, "admin", "account", "create", "--name", "  Acme Inc  ")
	if r.code != 0 {
		t.Fatalf("account create: exit %d: %s", r.code, r.stderr)
	}
	id := strings.TrimSpace(r.stdout)
	if !regexp.MustCompile(`^acct_[0-9a-z]{26}$`).MatchString(id) {
		t.Errorf("generated account id %q, want acct_ + a lower-case ULID", id)
	}
	if c.sqlite && !strings.Contains(r.stderr, "created database") {
		t.Errorf("stderr %q does not say the database was created", r.stderr)
	}
	if got := strings.TrimSpace(c.ok(t, "admin", "account", "create", "--name", "Beta", "--id", "acct_beta")); got != "acct_beta" {
		t.Errorf("account create --id acct_beta printed %q", got)
	}
	c.fails(t, 1, "account acct_beta already exists", "admin", "account", "create", "--name", "Again", "--id", "acct_beta")

	type account struct {
		AccountID, Name, Status string
		APIClients              int
	}
	list := adminOKJSON[[]account](t, c, "admin", "account", "list")
	want := []account{{id, "Acme Inc", redcloud.StatusActive, 0}, {"acct_beta", "Beta", redcloud.StatusActive, 0}}
	slices.SortFunc(list, func(a, b account) int { return strings.Compare(a.AccountID, b.AccountID) })
	slices.SortFunc(want, func(a, b account) int { return strings.Compare(a.AccountID, b.AccountID) })
	if !slices.Equal(list, want) {
		t.Errorf("account list = %+v, want %+v", list, want)
	}
	if out := c.ok(t, "admin", "account", "list"); !regexp.MustCompile(`(?m)^ID\s+NAME\s+STATUS\s+API CLIENTS\s+CREATED$`).MatchString(out) {
		t.Errorf("account list has no table header:\n%s", out)
	}

	status := func() string {
		t.Helper()
		db, err := store.Open(context.Background(), c.db)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		as, err := db.ListAccounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.ID == "acct_beta" {
				return a.Status
			}
		}
		t.Fatal("acct_beta is gone")
		return ""
	}
	c.ok(t, "admin", "account", "suspend", "acct_beta")
	if s := status(); s != redcloud.StatusSuspended {
		t.Errorf("after suspend the account is %s", s)
	}
	c.ok(t, "admin", "account", "activate", "acct_beta")
	if s := status(); s != redcloud.StatusActive {
		t.Errorf("after activate the account is %s", s)
	}
	c.fails(t, 1, "account acct_nope not found", "admin", "account", "suspend", "acct_nope")
	c.fails(t, 2, "--id", "admin", "account", "create", "--name", "X", "--id", "acme")
}

func testAdminClientCreate(t *testing.T, c *adminCLI) {
	acct := strings.TrimSpace(c.ok(t, "admin", "account", "create", "--name", "Acme"))
	out := c.ok(t, "admin", "client", "create", "--account", acct, "--name", "Acme prod")
	field := func(name string) string {
		m := regexp.MustCompile(`(?m)^\s*` + name + `\s+(\S+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("client create printed no %s:\n%s", name, out)
		}
		return m[1]
	}
	id, secret, whsec := field("client_id"), field("client_secret"), field("webhook_secret")
	if !regexp.MustCompile(`^rc_[0-9a-z]{26}$`).MatchString(id) {
		t.Errorf("generated client id %q, want rc_ + a lower-case ULID", id)
	}
	if !strings.HasPrefix(secret, platform.PrefixClientSecret) || !strings.HasPrefix(whsec, platform.PrefixWebhookSecret) {
		t.Errorf("secrets %q, %q lack their prefixes", secret, whsec)
	}
	if !strings.Contains(out, "will not be shown again") {
		t.Errorf("client create does not say the secret will not be shown again:\n%s", out)
	}

	cl := c.client(t, id)
	if !platform.SecretMatches(secret, cl.SecretHash) {
		t.Error("the printed secret does not match the stored hash")
	}
	if cl.SecretHash == secret || cl.WebhookSecret != whsec || cl.AccountID != acct || cl.Name != "Acme prod" || cl.Status != redcloud.StatusActive {
		t.Errorf("stored client %+v does not match what was printed", cl)
	}
	if !slices.Equal(cl.Capabilities, platform.AllCapabilities) {
		t.Errorf("default capabilities %v, want all four", cl.Capabilities)
	}

	// The secret is printed once; no command prints it or its hash again.
	for _, args := range [][]string{
		{"admin", "client", "show", id}, {"admin", "client", "show", id, "--json"},
		{"admin", "client", "list"}, {"admin", "client", "list", "--json"},
	} {
		r := c.run(t, args...)
		all := r.stdout + r.stderr
		if r.code != 0 || strings.Contains(all, secret) || strings.Contains(all, cl.SecretHash) || strings.Contains(all, whsec) {
			t.Errorf("%q: exit %d, or it shows a secret or the hash:\n%s", args, r.code, all)
		}
		if !strings.Contains(all, id) {
			t.Errorf("%q does not show the client:\n%s", args, all)
		}
	}
	if strings.Contains(out, cl.SecretHash) {
		t.Error("client create printed the secret hash")
	}
	show := c.ok(t, "admin", "client", "show", id)
	for _, want := range []string{"Acme prod", "messages:send", "Next webhook secret", "Delivery URL"} {
		if !strings.Contains(show, want) {
			t.Errorf("client show lacks %q:\n%s", want, show)
		}
	}

	// A chosen id and capabilities.
	got := adminOKJSON[adminCreated](t, c, "admin", "client", "create", "--account", acct, "--name", "Reports",
		"--id", "acme_reports", "--capabilities", "numbers:search, numbers:read,numbers:read")
	if got.APIClientID != "acme_reports" || !slices.Equal(got.Capabilities, []string{"numbers:read", "numbers:search"}) {
		t.Errorf("client create --id --capabilities = %+v", got)
	}
	if cl := c.client(t, "acme_reports"); !slices.Equal(cl.Capabilities, []string{"numbers:read", "numbers:search"}) ||
		!platform.SecretMatches(got.ClientSecret, cl.SecretHash) {
		t.Errorf("stored client %+v does not match", cl)
	}
	c.fails(t, 1, "api client acme_reports already exists", "admin", "client", "create", "--account", acct, "--name", "R", "--id", "acme_reports")
	c.fails(t, 1, "account acct_nope not found", "admin", "client", "create", "--account", "acct_nope", "--name", "R")
	for _, bad := range []string{"ab", "Acme", "acme-prod", strings.Repeat("a", 65)} {
		c.fails(t, 2, "3-64 characters of a-z, 0-9 and '_'", "admin", "client", "create", "--account", acct, "--name", "R", "--id", bad)
	}
}

func testAdminRotateSecret(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	ctx := context.Background()
	issue := func() string {
		t.Helper()
		db := c.open(t)
		tok := platform.NewSecret(platform.PrefixToken)
		if err := db.InsertToken(ctx, platform.Token{Hash: platform.HashSecret(tok), APIClientID: cl.APIClientID,
			ExpiresAt: time.Now().Add(time.Hour), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	valid := func(tok string) bool {
		t.Helper()
		db := c.open(t)
		_, _, err := db.LookupToken(ctx, platform.HashSecret(tok), time.Now())
		if err != nil && !errors.Is(err, platform.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	tok := issue()
	r := c.run(t, "admin", "client", "rotate-secret", cl.APIClientID, "--json")
	if r.code != 0 {
		t.Fatalf("rotate-secret: exit %d: %s", r.code, r.stderr)
	}
	var rot struct {
		APIClientID   string
		ClientSecret  string
		RevokedTokens int
	}
	if err := json.Unmarshal([]byte(r.stdout), &rot); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.stderr, "will not be shown again") {
		t.Errorf("rotate-secret does not say the secret will not be shown again: %q", r.stderr)
	}
	stored := c.client(t, cl.APIClientID)
	if !platform.SecretMatches(rot.ClientSecret, stored.SecretHash) {
		t.Error("the new secret does not match the stored hash")
	}
	if platform.SecretMatches(cl.ClientSecret, stored.SecretHash) || rot.ClientSecret == cl.ClientSecret {
		t.Error("the old secret still matches after rotation")
	}
	if valid(tok) || rot.RevokedTokens != 1 {
		t.Errorf("a token issued with the old secret survived the rotation (revokedTokens %d)", rot.RevokedTokens)
	}

	tok = issue()
	human := c.ok(t, "admin", "client", "rotate-secret", cl.APIClientID, "--keep-tokens")
	m := regexp.MustCompile(`(?m)^\s*client_secret\s+(\S+)$`).FindStringSubmatch(human)
	if m == nil || !platform.SecretMatches(m[1], c.client(t, cl.APIClientID).SecretHash) {
		t.Fatalf("rotate-secret --keep-tokens printed no working secret:\n%s", human)
	}
	if !valid(tok) {
		t.Error("--keep-tokens revoked a token")
	}
	if !strings.Contains(human, "will not be shown again") {
		t.Errorf("rotate-secret does not say the secret will not be shown again:\n%s", human)
	}
	if out := c.ok(t, "admin", "client", "revoke-tokens", cl.APIClientID); !strings.Contains(out, "revoked 1 access token") || valid(tok) {
		t.Errorf("revoke-tokens: %q, token still valid: %v", out, valid(tok))
	}
	c.fails(t, 1, "api client rc_nope not found", "admin", "client", "rotate-secret", "rc_nope")
}

func testAdminClientStatus(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	c.ok(t, "admin", "client", "suspend", cl.APIClientID)
	if s := c.client(t, cl.APIClientID).Status; s != redcloud.StatusSuspended {
		t.Errorf("after suspend the client is %s", s)
	}
	if out := c.ok(t, "admin", "client", "suspend", cl.APIClientID); !strings.Contains(out, "already SUSPENDED") {
		t.Errorf("suspending twice says %q", out)
	}
	c.ok(t, "admin", "client", "activate", cl.APIClientID)
	if s := c.client(t, cl.APIClientID).Status; s != redcloud.StatusActive {
		t.Errorf("after activate the client is %s", s)
	}
	c.ok(t, "admin", "account", "suspend", cl.AccountID)
	if s := c.client(t, cl.APIClientID).AccountStatus; s != redcloud.StatusSuspended {
		t.Errorf("after account suspend the client's account is %s", s)
	}
	if out := c.ok(t, "admin", "client", "list"); !strings.Contains(out, "ACTIVE (account SUSPENDED)") {
		t.Errorf("client list hides the suspended account:\n%s", out)
	}
	c.fails(t, 1, "api client rc_x not found", "admin", "client", "suspend", "rc_x")
	c.fails(t, 1, "api client rc_x not found", "admin", "client", "activate", "rc_x")
	c.fails(t, 1, "api client rc_x not found", "admin", "client", "show", "rc_x")
}

func testAdminCapabilities(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	caps := func() []string { t.Helper(); return c.client(t, cl.APIClientID).Capabilities }

	c.ok(t, "admin", "client", "set-capabilities", cl.APIClientID, "numbers:search,numbers:read")
	if got := caps(); !slices.Equal(got, []string{"numbers:read", "numbers:search"}) {
		t.Errorf("capabilities %v", got)
	}
	c.ok(t, "admin", "client", "set-capabilities", cl.APIClientID, "messages:send", "numbers:update")
	if got := caps(); !slices.Equal(got, []string{"messages:send", "numbers:update"}) {
		t.Errorf("capabilities %v", got)
	}
	r := c.fails(t, 2, `unknown capability "numbers:write"`, "admin", "client", "set-capabilities", cl.APIClientID, "numbers:read,numbers:write")
	for _, v := range platform.AllCapabilities {
		if !strings.Contains(r.stderr, v) {
			t.Errorf("the error does not name the valid capability %s: %q", v, r.stderr)
		}
	}
	if got := caps(); !slices.Equal(got, []string{"messages:send", "numbers:update"}) {
		t.Errorf("a rejected change altered the capabilities: %v", got)
	}
	c.fails(t, 2, "--none", "admin", "client", "set-capabilities", cl.APIClientID)
	c.fails(t, 2, "--none conflicts", "admin", "client", "set-capabilities", cl.APIClientID, "--none", "numbers:read")
	c.fails(t, 2, "no capability named", "admin", "client", "set-capabilities", cl.APIClientID, ",")
	c.ok(t, "admin", "client", "set-capabilities", cl.APIClientID, "--none")
	if got := caps(); len(got) != 0 {
		t.Errorf("--none left %v", got)
	}
	c.fails(t, 1, "api client rc_x not found", "admin", "client", "set-capabilities", "rc_x", "numbers:read")
	c.fails(t, 2, `unknown capability "send"`, "admin", "client", "create", "--account", cl.AccountID, "--name", "X", "--id", "never_made", "--capabilities", "send")
	c.fails(t, 1, "api client never_made not found", "admin", "client", "show", "never_made")
}

func testAdminWebhooks(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	id := cl.APIClientID
	urls := func() (string, string) {
		t.Helper()
		x := c.client(t, id)
		deref := func(s *string) string {
			if s == nil {
				return "<nil>"
			}
			return *s
		}
		return deref(x.DeliveryURL), deref(x.InboundURL)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--delivery-url", "http://hooks.example.com/d"}, "must be an https URL"},
		{[]string{"--inbound-url", "https://user:hunter2@hooks.example.com/i"}, "must not contain credentials"},
		{[]string{"--delivery-url", "/relative"}, "must be an absolute URL"},
		{[]string{"--delivery-url", "https://hooks.example.com/" + strings.Repeat("a", 2048)}, "at most 2048"},
		{[]string{"--delivery-url", "https://hooks.example.com/d", "--clear-delivery"}, "conflict"},
		{[]string{"--inbound-url", "https://hooks.example.com/i", "--clear-inbound"}, "conflict"},
		{[]string{"--delivery-url", ""}, "--clear-delivery"},
		{nil, "nothing to change"},
	} {
		r := c.fails(t, 2, tc.want, append([]string{"admin", "client", "set-webhooks", id}, tc.args...)...)
		if strings.Contains(r.stderr, "hunter2") {
			t.Errorf("the error echoes a password: %q", r.stderr)
		}
	}
	if d, i := urls(); d != "<nil>" || i != "<nil>" {
		t.Errorf("rejected changes stored URLs: %s, %s", d, i)
	}

	c.ok(t, "admin", "client", "set-webhooks", id, "--delivery-url", "https://hooks.example.com/d", "--inbound-url", "https://hooks.example.com/i")
	if d, i := urls(); d != "https://hooks.example.com/d" || i != "https://hooks.example.com/i" {
		t.Errorf("URLs %s, %s", d, i)
	}
	c.ok(t, "admin", "client", "set-webhooks", id, "--clear-inbound")
	if d, i := urls(); d != "https://hooks.example.com/d" || i != "<nil>" {
		t.Errorf("after --clear-inbound: %s, %s", d, i)
	}
	c.ok(t, "admin", "client", "set-webhooks", id, "--sandbox", "--inbound-url", "http://127.0.0.1:9000/i")
	if _, i := urls(); i != "http://127.0.0.1:9000/i" {
		t.Errorf("--sandbox did not allow http: %s", i)
	}
	c.ok(t, "admin", "client", "set-webhooks", id, "--clear-delivery", "--clear-inbound")
	if d, i := urls(); d != "<nil>" || i != "<nil>" {
		t.Errorf("after clearing both: %s, %s", d, i)
	}
	c.fails(t, 1, "api client rc_x not found", "admin", "client", "set-webhooks", "rc_x", "--clear-inbound")
}

func testAdminWebhookSecretRotation(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	id := cl.APIClientID
	type pending struct{ NextWebhookSecretPending bool }
	type secret struct{ WebhookSecret string }

	if adminOKJSON[pending](t, c, "admin", "client", "show", id).NextWebhookSecretPending {
		t.Error("a new client has a pending next webhook secret")
	}
	next := adminOKJSON[secret](t, c, "admin", "client", "rotate-webhook-secret", id).WebhookSecret
	x := c.client(t, id)
	if !strings.HasPrefix(next, platform.PrefixWebhookSecret) || x.WebhookSecretNext == nil || *x.WebhookSecretNext != next {
		t.Fatalf("printed next secret %q, stored %v", next, x.WebhookSecretNext)
	}
	if x.WebhookSecret != cl.WebhookSecret {
		t.Error("rotation changed the signing secret before activation")
	}
	if !adminOKJSON[pending](t, c, "admin", "client", "show", id).NextWebhookSecretPending {
		t.Error("client show does not say a next webhook secret is pending")
	}
	if show := c.ok(t, "admin", "client", "show", id); strings.Contains(show, next) || strings.Contains(show, cl.WebhookSecret) {
		t.Errorf("client show prints a webhook secret:\n%s", show)
	}
	c.fails(t, 1, "already has a next webhook secret", "admin", "client", "rotate-webhook-secret", id)
	out := c.ok(t, "admin", "client", "rotate-webhook-secret", id, "--replace")
	m := regexp.MustCompile(`(?m)^\s*webhook_secret_next\s+(\S+)$`).FindStringSubmatch(out)
	if m == nil || m[1] == next || !strings.Contains(out, "activate-webhook-secret") || !strings.Contains(out, "will not be shown again") {
		t.Fatalf("rotate-webhook-secret --replace printed:\n%s", out)
	}
	next = m[1]

	c.ok(t, "admin", "client", "activate-webhook-secret", id)
	x = c.client(t, id)
	if x.WebhookSecret != next || x.WebhookSecretNext != nil {
		t.Errorf("after activation: current %q, next %v; want %q, nil", x.WebhookSecret, x.WebhookSecretNext, next)
	}
	c.fails(t, 1, "no next webhook secret", "admin", "client", "activate-webhook-secret", id)
	c.fails(t, 1, "api client rc_x not found", "admin", "client", "rotate-webhook-secret", "rc_x")
}

func testAdminErrors(t *testing.T, c *adminCLI) {
	cl := c.newClient(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"admin", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"admin", "client", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"admin", "client", "show"}, 2, "usage: redcloud admin client show CLIENT_ID"},
		{[]string{"admin", "client", "suspend", "a", "b"}, 2, "got 2 arguments"},
		{[]string{"admin", "account", "list", "extra"}, 2, "takes no arguments"},
		{[]string{"admin", "account", "list", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"admin", "account", "create"}, 2, "--name is required"},
		{[]string{"admin", "account", "create", "--name", "  "}, 2, "--name is required"},
		{[]string{"admin", "account", "create", "--name", "X", "--id", "acct_"}, 2, "acct_ followed by"},
		{[]string{"admin", "account", "activate", "acct_x"}, 1, "account acct_x not found"},
		{[]string{"admin", "client", "create", "--name", "X"}, 2, "--account is required"},
		{[]string{"admin", "client", "create", "--account", cl.AccountID}, 2, "--name is required"},
		{[]string{"admin", "client", "create", "--account", cl.AccountID, "--name", "X", "--capabilities", ""}, 2, "no capability named"},
		{[]string{"admin", "client", "list", "--account", "acct_x"}, 1, "account acct_x not found"},
		{[]string{"admin", "client", "revoke-tokens", "rc_x"}, 1, "api client rc_x not found"},
		{[]string{"admin", "client", "rotate-secret", "rc_x"}, 1, "api client rc_x not found"},
		{[]string{"admin", "client", "activate-webhook-secret", "rc_x"}, 1, "api client rc_x not found"},
		{[]string{"admin", "number", "list", "--client", "rc_x"}, 1, "api client rc_x not found"},
		{[]string{"admin", "number", "set", "num_x", "--status", "ACTIVE"}, 1, "number num_x not found"},
		{[]string{"admin", "number", "unassign", "num_x"}, 1, "number num_x not found"},
		{[]string{"admin", "number", "unassign", "+15125550100"}, 1, "number +15125550100 not found"},
	} {
		c.fails(t, tc.code, tc.want, tc.args...)
	}

	if !c.sqlite {
		return
	}
	missing := filepath.Join(t.TempDir(), "missing.db")
	for _, args := range [][]string{
		{"admin", "account", "list"}, {"admin", "client", "show", "rc_x"}, {"admin", "number", "list"},
	} {
		r := c.exec(t, append(args, "--db", missing)...)
		checkAdminFailure(t, r, 1, "database "+missing+" does not exist", args)
		if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%q created the missing database", args)
		}
	}
}

// testHelp walks every admin command through --help: each has examples.
func testAdminHelp(t *testing.T, c *adminCLI) {
	seen := 0
	var walk func(path []string)
	walk = func(path []string) {
		r := c.exec(t, append(path, "--help")...)
		if r.code != 0 {
			t.Errorf("%q --help: exit %d: %s", path, r.code, r.stderr)
			return
		}
		seen++
		_, examples, _ := strings.Cut(r.stdout, "Examples:\n")
		examples, _, _ = strings.Cut(examples, "\n\n")
		if !strings.Contains(examples, "redcloud "+strings.Join(path, " ")) {
			t.Errorf("%q --help has no example of itself:\n%s", path, r.stdout)
		}
		_, sub, ok := strings.Cut(r.stdout, "Available Commands:\n")
		if !ok {
			return
		}
		sub, _, _ = strings.Cut(sub, "\n\n")
		for _, line := range strings.Split(sub, "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] != "help" {
				walk(append(slices.Clone(path), f[0]))
			}
		}
	}
	walk([]string{"admin"})
	if seen < 25 {
		t.Errorf("walked %d admin commands, want at least 25", seen)
	}
}

// testAdminConcurrent runs several commands on one database at once, each
// with its own connections, as separate processes would.
func testAdminConcurrent(t *testing.T, c *adminCLI) {
	c.ok(t, "admin", "account", "create", "--name", "Acme")
	const n = 6
	errs := make(chan string, n)
	for i := range n {
		go func() {
			r := runAdmin("admin", "number", "add", "--e164", fmt.Sprintf("+151255501%02d", i), "--db", c.db)
			if r.code != 0 {
				errs <- r.stderr
				return
			}
			errs <- ""
		}()
	}
	for range n {
		if e := <-errs; e != "" {
			t.Errorf("concurrent number add failed: %s", e)
		}
	}
	ns, err := c.open(t).ListNumbers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != n {
		t.Errorf("%d numbers stored, want %d", len(ns), n)
	}
}
