// Package store keeps Red Cloud's state in SQLite (modernc.org/sqlite) or
// PostgreSQL behind one set of methods. Queries are written once with '?'
// placeholders; the dialect rewrites what differs.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// DB is the store. Writes go through one connection on SQLite (SQLite has one
// writer; queuing in Go is cheaper than SQLITE_BUSY retries); reads use a
// small pool beside it, which WAL allows.
type DB struct {
	write   *sql.DB
	read    *sql.DB
	dialect dialect
	dsn     string
	now     func() time.Time
	group   *grouper

	readStmts, writeStmts *stmtCache
}

// Option configures Open.
type Option func(*DB)

// WithClock sets the clock used for created/updated times (tests).
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// Open opens the database named by dsn — a postgres:// or postgresql://
// URL, or else a SQLite file path — and applies the migrations.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	db := &DB{now: time.Now, dsn: dsn}
	for _, o := range opts {
		o(db)
	}
	open := db.openSQLite
	if IsPostgres(dsn) {
		open = db.openPostgres
	}
	if err := open(dsn); err != nil {
		return nil, err
	}
	db.readStmts, db.writeStmts = newStmtCache(db.read), newStmtCache(db.write)
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.startGroup(db.dialect.committers)
	return db, nil
}

func (db *DB) openSQLite(path string) error {
	if path == "" {
		return errors.New("open sqlite: empty path")
	}
	// Create a new database readable by its owner only: it holds webhook
	// secrets and message text. SQLite gives its -wal and -shm files the
	// same mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("open sqlite: %w", err)
	}
	// synchronous=FULL: a 202 must survive power loss. temp_store=MEMORY keeps
	// group commit's savepoint journals off the disk. busy_timeout covers
	// other processes (admin commands) holding the write lock briefly.
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(2)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	db.write, db.read, db.dialect = w, r, sqliteDialect
	return nil
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func (db *DB) openPostgres(dsn string) error {
	d, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	d.SetMaxOpenConns(48) // 24 committers and the readers beside them
	d.SetMaxIdleConns(48)
	d.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.PingContext(ctx); err != nil {
		d.Close()
		return fmt.Errorf("open postgres: %w", err)
	}
	db.write, db.read, db.dialect = d, d, postgresDialect
	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+db.dialect.name)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var opts []goose.ProviderOption
	if db.dialect.name == "postgres" {
		// Several processes may start at once: an advisory lock makes one
		// migrate while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(db.dialect.goose, db.write, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Ready reports whether the database answers and every migration is applied.
func (db *DB) Ready(ctx context.Context) error {
	sub, _ := fs.Sub(migrations, "migrations/"+db.dialect.name)
	p, err := goose.NewProvider(db.dialect.goose, db.read, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	if pending {
		return errors.New("migrations pending")
	}
	return nil
}

// Close waits for the group commits in progress and closes the database.
func (db *DB) Close() error {
	db.stopGroup()
	db.readStmts.close()
	db.writeStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); e != nil {
			err = e
		}
	}
	return err
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// dialect is the small table of what differs between the databases.
type dialect struct {
	name  string
	goose goose.Dialect
	// rebind rewrites '?' placeholders for the driver.
	rebind func(string) string
	// skipLocked ends a claiming subquery: PostgreSQL skips rows another
	// transaction holds; SQLite has a single writer and needs nothing.
	skipLocked string
	// notify, run inside a transaction that creates work, wakes the workers
	// of every process when it commits.
	notify string
	// committers is how many group-commit transactions may run at once, and
	// maxGroup how many writes one may hold. SQLite has one writer: one
	// committer batches up to 128 writes per fsync. PostgreSQL already
	// flushes concurrent commits together, and batching there would let two
	// batches lock rows (the same Idempotency-Key sent to two processes) in
	// opposite orders and deadlock: one write per transaction, many at once.
	committers, maxGroup int
}

var (
	sqliteDialect   = dialect{name: "sqlite", goose: goose.DialectSQLite3, rebind: func(q string) string { return q }, committers: 1, maxGroup: 128}
	postgresDialect = dialect{name: "postgres", goose: goose.DialectPostgres, rebind: postgresRebind,
		skipLocked: " FOR UPDATE SKIP LOCKED", notify: "SELECT pg_notify('" + notifyChannel + "', '')", committers: 24, maxGroup: 1}
)

// notifyChannel is the LISTEN/NOTIFY channel for new work.
const notifyChannel = "redcloud_work"

// postgresRebind turns '?' into $1, $2, … (queries hold no '?' literals).
func postgresRebind(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q runs queries on a pool or in a transaction with the dialect's
// rebinding, through prepared statements: parsing SQL was a quarter of the
// send path's CPU before statements were reused.
type q struct {
	querier
	d     dialect
	stmts *stmtCache
	tx    *sql.Tx // nil outside a transaction
}

func (x q) stmt(ctx context.Context, query string) *sql.Stmt {
	s := x.stmts.get(ctx, query, x.d.rebind, x.tx != nil)
	if s != nil && x.tx != nil {
		return x.tx.StmtContext(ctx, s) // closed with the transaction
	}
	return s
}

func (x q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := x.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return x.ExecContext(ctx, x.d.rebind(query), args...)
}

func (x q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := x.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return x.QueryContext(ctx, x.d.rebind(query), args...)
}

func (x q) row(ctx context.Context, query string, args ...any) *sql.Row {
	if s := x.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return x.QueryRowContext(ctx, x.d.rebind(query), args...)
}

// stmtCache holds a pool's prepared statements by query text.
type stmtCache struct {
	pool    *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool // first seen inside a transaction
}

// maxStmts bounds the cache; queries built with variable IN lists beyond
// it simply run unprepared.
const maxStmts = 512

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement of query, or nil when there is none
// yet (the caller runs the query unprepared). Inside a transaction a miss is
// only noted: preparing needs a connection of the pool, and SQLite's one
// writer connection is the transaction's until it ends (see prepareNoted).
func (c *stmtCache) get(ctx context.Context, query string, rebind func(string) string, inTx bool) *sql.Stmt {
	c.mu.Lock()
	s, ok := c.m[query]
	full := len(c.m) >= maxStmts
	if !ok && inTx && !full {
		c.pending[query] = true
	}
	c.mu.Unlock()
	if ok || inTx || full {
		return s
	}
	return c.prepare(ctx, query, rebind)
}

// prepare prepares query on the pool, without holding the lock meanwhile.
func (c *stmtCache) prepare(ctx context.Context, query string, rebind func(string) string) *sql.Stmt {
	s, err := c.pool.PrepareContext(ctx, rebind(query))
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		s.Close()
		return prev
	}
	c.m[query] = s
	return s
}

// prepareNoted prepares the queries first seen inside a transaction; it is
// called once the transaction has ended and the connection is free.
func (c *stmtCache) prepareNoted(rebind func(string) string) {
	c.mu.Lock()
	var qs []string
	for k := range c.pending {
		qs = append(qs, k)
		delete(c.pending, k)
	}
	c.mu.Unlock()
	for _, k := range qs {
		c.prepare(context.Background(), k, rebind)
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.m {
		s.Close()
		delete(c.m, k)
	}
}

func (db *DB) r() q { return q{querier: db.read, d: db.dialect, stmts: db.readStmts} }
func (db *DB) w() q { return q{querier: db.write, d: db.dialect, stmts: db.writeStmts} }

// inTx returns a q running in transaction t on the writer.
func (db *DB) inTx(t *sql.Tx) q { return q{querier: t, d: db.dialect, stmts: db.writeStmts, tx: t} }

// tx runs fn in a write transaction, committing when it returns nil.
func (db *DB) tx(ctx context.Context, fn func(q) error) error {
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer db.writeStmts.prepareNoted(db.dialect.rebind)
	if err := fn(db.inTx(t)); err != nil {
		t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w: %w", ErrOutcomeUnknown, err)
	}
	return nil
}

// ms converts a time to stored unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored unix milliseconds to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullStr maps a nullable column to *string.
func nullStr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// notFound maps sql.ErrNoRows to platform.ErrNotFound.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, errNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}
