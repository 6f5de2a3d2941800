package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/redcloud-core/redcloud/internal/store"
)

func TestOpenMigratesAndIsReady(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		must(t, db.Ready(ctx))
		// Every table the migrations create answers.
		for _, table := range []string{"accounts", "api_clients", "tokens", "numbers", "idempotency_keys",
			"messages", "events", "deliveries", "delivery_attempts"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("%s holds %d rows in a new database", table, n)
			}
		}
	})
}

func TestReadyFailsOnClosedStore(t *testing.T) {
	t.Parallel()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	must(t, err)
	must(t, db.Close())
	if err := db.Ready(context.Background()); err == nil {
		t.Fatal("Ready on a closed store = nil, want an error")
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, path := range []string{"", filepath.Join(t.TempDir(), "missing-dir", "t.db")} {
		if db, err := store.Open(ctx, path); err == nil {
			db.Close()
			t.Errorf("Open(%q) = nil error, want one", path)
		}
	}
}

func TestReopenExistingFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := store.Open(ctx, path)
	must(t, err)
	if got := db.Dialect(); got != "sqlite" {
		t.Errorf("Dialect() = %q, want sqlite", got)
	}
	mkAccount(t, db, "acct_a")
	must(t, db.Close())

	// Reopening applies no migration twice and keeps the data.
	for range 2 {
		db = openSQLiteAt(t, path)
		must(t, db.Ready(ctx))
		accounts, err := db.ListAccounts(ctx)
		must(t, err)
		if len(accounts) != 1 || accounts[0].ID != "acct_a" {
			t.Fatalf("accounts after reopen = %+v, want acct_a", accounts)
		}
	}
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	t.Parallel()
	// The path becomes a file: URI; '?', '#' and '%' must not end it.
	path := filepath.Join(t.TempDir(), "a b?c#d%e.db")
	db := openSQLiteAt(t, path)
	must(t, db.Ready(context.Background()))
	mkAccount(t, db, "acct_a")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the store did not create its file under the given name: %v", err)
	}
	raw := openRaw(t, path)
	var n int
	must(t, raw.QueryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n))
	if n != 1 {
		t.Errorf("the file at %q holds %d accounts, want 1", path, n)
	}
}

// A new SQLite database is readable by its owner only: it holds webhook
// secrets and message text.
func TestNewSQLiteFileIsPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "private.db")
	openSQLiteAt(t, path)
	for _, f := range []string{path, path + "-wal"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s: mode %o, want no group or other access", filepath.Base(f), mode)
		}
	}
}

// TestSQLitePragmas checks that WAL mode and synchronous=FULL (a 202 must
// survive power loss) are in effect on the writer and on every reader.
func TestSQLitePragmas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	db := openSQLiteAt(t, path)
	write, read := store.Handles(db)

	pragma := func(h *sql.DB, name string) string {
		t.Helper()
		var v string
		must(t, h.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v))
		return v
	}
	for _, h := range []struct {
		name string
		db   *sql.DB
	}{{"writer", write}, {"reader", read}} {
		if got := pragma(h.db, "journal_mode"); got != "wal" {
			t.Errorf("%s: journal_mode = %q, want wal", h.name, got)
		}
		if got := pragma(h.db, "synchronous"); got != "2" { // 2 = FULL
			t.Errorf("%s: synchronous = %q, want 2 (FULL)", h.name, got)
		}
		if got := pragma(h.db, "foreign_keys"); got != "1" {
			t.Errorf("%s: foreign_keys = %q, want 1", h.name, got)
		}
	}
	if got := pragma(read, "query_only"); got != "1" {
		t.Errorf("reader: query_only = %q, want 1", got)
	}
	if got := pragma(write, "query_only"); got != "0" {
		t.Errorf("writer: query_only = %q, want 0", got)
	}
	// WAL is a property of the file: any other connection sees it too.
	if got := pragma(openRaw(t, path), "journal_mode"); got != "wal" {
		t.Errorf("file: journal_mode = %q, want wal", got)
	}
}

// openRaw opens the SQLite file at path with plain database/sql.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(5000)")
	must(t, err)
	t.Cleanup(func() { raw.Close() })
	return raw
}

// The store prepares and keeps its statements on SQLite only; on
// PostgreSQL pgx's own per-connection cache does that already.
func TestStatementCacheOnSQLiteOnly(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		if got, want := store.CachesStatements(db), db.Dialect() == "sqlite"; got != want {
			t.Errorf("%s: store statement cache = %v, want %v", db.Dialect(), got, want)
		}
		mkAccount(t, db, "acct_a") // and queries run either way
		if accounts, err := db.ListAccounts(context.Background()); err != nil || len(accounts) != 1 {
			t.Fatalf("ListAccounts = %v, %v", accounts, err)
		}
	})
}
