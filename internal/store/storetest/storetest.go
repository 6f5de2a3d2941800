// Package storetest gives tests a fresh database: a SQLite file under
// t.TempDir(), or a PostgreSQL database of its own on the server named by
// REDCLOUD_TEST_POSTGRES_URL, so tests can run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvPostgres names the PostgreSQL server tests use; CI always sets it.
const EnvPostgres = "REDCLOUD_TEST_POSTGRES_URL"

// SQLite returns the path of a new SQLite file under t.TempDir().
func SQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "redcloud.db")
}

// Postgres returns the DSN of an empty PostgreSQL database that the test
// alone uses until it ends. It skips the test when REDCLOUD_TEST_POSTGRES_URL
// is not set.
//
// A database, not a schema: advisory locks (the migrations' lock) and
// LISTEN/NOTIFY channels are per database, so tests sharing one database
// would wait on each other's migrations and wake each other's listeners.
//
// By default the database is created for the test and dropped after it. In
// a package whose TestMain runs through Pool, it comes from the process's
// pool instead: creating and dropping a database costs PostgreSQL seconds
// once several run at once (DROP DATABASE forces a checkpoint), while
// emptying one costs milliseconds.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set; .ci/run sets it")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: %s: %v", EnvPostgres, err)
	}
	if thePool.enabled() {
		return thePool.take(t, u)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: open postgres: %v", err)
	}
	name := newName()
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("storetest: create database (is PostgreSQL running at %s?): %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
		// FORCE ends connections the test left open (a killed process's).
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	return dsnOf(u, name)
}

// TestingM is what TestMain's *testing.M offers (and goleak.VerifyTestMain
// takes).
type TestingM interface{ Run() int }

// Pool makes Postgres hand out databases from a pool for the tests m runs,
// and drops the pool's databases once they have run:
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(storetest.Pool(m)) }
//
// A pooled database is emptied between tests (every row deleted; the
// schema, and so the applied migrations, stay), and commits on it do not wait for the WAL flush
// (synchronous_commit=off): what such tests check does not survive a
// crash, so waiting on the disk would only slow them down.
func Pool(m TestingM) TestingM { return pooledM{m} }

type pooledM struct{ m TestingM }

func (p pooledM) Run() int {
	thePool.mu.Lock()
	thePool.on = true
	thePool.mu.Unlock()
	code := p.m.Run()
	if err := thePool.drain(); err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// pool holds the databases of one test process; each is used by one test
// at a time.
type pool struct {
	mu    sync.Mutex
	on    bool
	admin *sql.DB  // on the database of REDCLOUD_TEST_POSTGRES_URL
	free  []string // emptied, ready for a test
	all   []string // every database created, dropped by drain
}

var thePool pool

func (p *pool) enabled() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.on
}

// take hands t a database of the pool, creating one when none is free, and
// gives it back emptied when t ends.
func (p *pool) take(t testing.TB, base *url.URL) string {
	t.Helper()
	p.mu.Lock()
	if p.admin == nil {
		admin, err := sql.Open("pgx", base.String())
		if err != nil {
			p.mu.Unlock()
			t.Fatalf("storetest: open postgres: %v", err)
		}
		p.admin = admin
	}
	admin := p.admin
	var name string
	if n := len(p.free); n > 0 {
		name, p.free = p.free[n-1], p.free[:n-1]
	}
	p.mu.Unlock()
	ctx := context.Background()
	if name == "" {
		name = newName()
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("storetest: create database (is PostgreSQL running at %s?): %v", base.Redacted(), err)
		}
		p.mu.Lock()
		p.all = append(p.all, name)
		p.mu.Unlock()
		if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" SET synchronous_commit = off"); err != nil {
			t.Fatalf("storetest: %v", err)
		}
	}
	dsn := dsnOf(base, name)
	t.Cleanup(func() {
		if t.Failed() {
			return // it may have left anything behind; drain drops it
		}
		if err := empty(ctx, dsn); err != nil {
			// Not given back: drain drops it with the others.
			t.Errorf("storetest: empty database %s: %v", name, err)
			return
		}
		p.mu.Lock()
		p.free = append(p.free, name)
		p.mu.Unlock()
	})
	return dsn
}

// empty ends the connections a test left on the database at dsn and
// deletes every row of every table but the migrations' own, so that the
// next test's migrations find themselves applied. Deleting the few rows a
// test writes costs PostgreSQL milliseconds, where TRUNCATE (new files for
// every table) or migrating again costs it most of a second.
func empty(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> 'goose_db_version'`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Referencing tables must be emptied before the tables they reference:
	// a table whose DELETE a foreign key refuses is tried again after the
	// others.
	for len(tables) > 0 {
		var left []string
		var lastErr error
		for _, t := range tables {
			if _, err := db.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				var pg *pgconn.PgError
				if !errors.As(err, &pg) || pg.Code != "23503" {
					return err
				}
				left, lastErr = append(left, t), err
			}
		}
		if len(left) == len(tables) {
			return lastErr // a cycle of foreign keys
		}
		tables = left
	}
	return nil
}

// drain drops every database of the pool.
func (p *pool) drain() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.on = false
	if p.admin == nil {
		return nil
	}
	var errs []error
	for _, name := range p.all {
		if _, err := p.admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			errs = append(errs, fmt.Errorf("drop database %s: %w", name, err))
		}
	}
	errs = append(errs, p.admin.Close())
	p.admin, p.free, p.all = nil, nil, nil
	return errors.Join(errs...)
}

// newName returns a database name no other test (of any process) uses.
func newName() string {
	var b [8]byte
	rand.Read(b[:])
	return "rc_test_" + hex.EncodeToString(b[:])
}

// dsnOf returns base naming database name instead.
func dsnOf(base *url.URL, name string) string {
	u := *base
	u.Path = "/" + name
	return u.String()
}

// Small returns a postgres:// DSN with the store's pool_max_conns set to n
// (a SQLite path unchanged): tests run many stores at once against one
// PostgreSQL server, whose max_connections (100 by default) the default
// pool of 48 per store would soon exhaust. Only the store understands the
// parameter: open other connections with the DSN Postgres returned.
func Small(dsn string, n int) string {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(n))
	u.RawQuery = q.Encode()
	return u.String()
}
