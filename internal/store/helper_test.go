package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// testDatabases are the databases every store test runs against, each a
// function that returns the DSN of a fresh, empty database for one test:
// every test written with forEachDB is a conformance test of both dialects.
// PostgreSQL tests skip without REDCLOUD_TEST_POSTGRES_URL; CI sets it.
var testDatabases = []struct {
	name string
	dsn  func(t testing.TB) string
}{
	{"sqlite", storetest.SQLite},
	{"postgres", storetest.Postgres},
}

// forEachDB runs fn as a parallel subtest against a fresh store on each
// database in testDatabases. Tests written this way must use only the store
// API (and placeholder-free SQL through countRows), never a dialect's
// specifics.
func forEachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	forEachDSN(t, func(t *testing.T, dsn string) { fn(t, openSQLiteAt(t, dsn)) })
}

// forEachDSN is forEachDB for tests that open the database themselves
// (several stores on one database, a store closed on purpose).
func forEachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, d := range testDatabases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.dsn(t))
		})
	}
}

// openTest opens a store on a new SQLite file under t.TempDir() and closes
// it when the test ends.
func openTest(t *testing.T) *store.DB {
	t.Helper()
	return openSQLiteAt(t, filepath.Join(t.TempDir(), "t.db"))
}

// openSQLiteAt opens (creating or reopening) the store at path — a SQLite
// file or a PostgreSQL DSN — and closes it when the test ends.
func openSQLiteAt(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), storetest.Small(path, 8))
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// countRows returns SELECT COUNT(*) FROM <from>; from must hold no
// placeholders, so that the query runs unchanged on every dialect.
func countRows(t *testing.T, db *store.DB, from string) int {
	t.Helper()
	_, read := store.Handles(db)
	var n int
	if err := read.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+from).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", from, err)
	}
	return n
}

// t0 is the tests' "now": UTC and whole milliseconds, as stored.
var t0 = time.Date(2026, 11, 26, 7, 4, 24, 123_000_000, time.UTC)

func ptr[T any](v T) *T { return &v }

// wantIs fails the test unless errors.Is(err, target).
func wantIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}

// must fails the test on a non-nil error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mkAccount creates an ACTIVE account.
func mkAccount(t *testing.T, db *store.DB, id string) platform.Account {
	t.Helper()
	a := platform.Account{ID: id, Name: "Account " + id, Status: redcloud.StatusActive, CreatedAt: t0}
	must(t, db.CreateAccount(context.Background(), a))
	return a
}

// mkClient creates an ACTIVE API client of account with every capability;
// its secret is "secret-" + id.
func mkClient(t *testing.T, db *store.DB, account, id string) platform.APIClient {
	t.Helper()
	c := platform.APIClient{
		ID: id, AccountID: account, Name: "Client " + id, Status: redcloud.StatusActive,
		SecretHash: platform.HashSecret("secret-" + id), Capabilities: platform.AllCapabilities,
		WebhookSecret: "whsec_" + id, CreatedAt: t0,
	}
	must(t, db.CreateAPIClient(context.Background(), c))
	c.AccountStatus = redcloud.StatusActive
	return c
}

// mkNumber returns (without inserting) an ACTIVE, SMS- and MMS-enabled
// number with a campaign, assigned to client ("" for the inventory).
func mkNumber(id, e164, client string) platform.Number {
	return platform.Number{
		ID: id, E164: e164, APIClientID: client, Status: redcloud.StatusActive, CampaignRegID: ptr("A1B2C3"),
		SMSEnabled: true, MMSEnabled: true, NPA: e164[2:5], NXX: e164[5:8], City: "Austin", State: "TX",
		ZipCode: "78701", RateCenter: "AUSTIN", CreatedAt: t0,
	}
}

// twoClients creates account acct_a with clients rc_a and rc_b, and
// number num_a (+15551230001) owned by rc_a and num_b (+15551230002) by rc_b.
func twoClients(t *testing.T, db *store.DB) (a, b platform.APIClient, na, nb platform.Number) {
	t.Helper()
	mkAccount(t, db, "acct_a")
	a, b = mkClient(t, db, "acct_a", "rc_a"), mkClient(t, db, "acct_a", "rc_b")
	na, nb = mkNumber("num_a", "+15551230001", "rc_a"), mkNumber("num_b", "+15551230002", "rc_b")
	must(t, db.InsertNumbers(context.Background(), []platform.Number{na, nb}))
	return a, b, na, nb
}

func errorsIsNotFound(err error) bool { return errors.Is(err, platform.ErrNotFound) }
