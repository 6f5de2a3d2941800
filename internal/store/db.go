// Package store keeps Red Cloud's state in SQLite (modernc.org/sqlite) or
// PostgreSQL behind one set of methods. Queries are written once with '?'
// placeholders; the dialect rewrites what differs.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite" // also registers the "sqlite" driver
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
	log     *slog.Logger
	group   *grouper
	// notifier wakes other processes after work commits (PostgreSQL);
	// nil on SQLite.
	notifier *notifier
	// checkpointer copies SQLite's log into the database file; nil on
	// PostgreSQL.
	checkpointer *checkpointer
	// shapingUsed caches whether any throughput limit is configured.
	shapingUsed shapingUsed

	// readStmts and writeStmts are nil unless dialect.prepare.
	readStmts, writeStmts *stmtCache

	// probe, set by tests only, sees every connection the store makes.
	probe *probe
}

// probe lets a test wrap the store's way to its database, to count the
// statements and round trips each operation costs: the SQLite driver, and
// the configuration of every PostgreSQL connection (tracer, dialer).
type probe struct {
	sqlite   func(driver.Driver) driver.Driver
	postgres func(*pgx.ConnConfig)
}

// sqliteConnector opens SQLite connections through a probed driver.
type sqliteConnector struct {
	d   driver.Driver
	dsn string
}

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c sqliteConnector) Driver() driver.Driver                        { return c.d }

// openSQLitePool is sql.Open("sqlite", dsn), through the probe if any.
func (db *DB) openSQLitePool(dsn string) (*sql.DB, error) {
	if db.probe == nil {
		return sql.Open("sqlite", dsn)
	}
	return sql.OpenDB(sqliteConnector{db.probe.sqlite(&sqlite.Driver{}), dsn}), nil
}

// Option configures Open.
type Option func(*DB)

// WithClock sets the clock used for created/updated times (tests).
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// WithLogger sets where the store logs what it recovers from by itself (a
// lost LISTEN connection); the default (and for nil) is slog.Default().
func WithLogger(log *slog.Logger) Option {
	return func(db *DB) {
		if log != nil {
			db.log = log
		}
	}
}

// Open opens the database named by dsn — a postgres:// or postgresql://
// URL, or else a SQLite file path — and applies the migrations.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	db := &DB{now: time.Now, dsn: dsn, log: slog.Default()}
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
	if db.dialect.prepare {
		db.readStmts, db.writeStmts = newStmtCache(db.read), newStmtCache(db.write)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.dialect.notify != "" {
		db.notifier = newNotifier(db.sendNotify)
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
	w, err := db.openSQLitePool(base + "&_txlock=immediate&_pragma=wal_autocheckpoint(10000)")
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := db.openSQLitePool(base + "&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	// Not through the probe: the checkpoints are no operation's statements.
	c, err := sql.Open("sqlite", base)
	if err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	db.write, db.read, db.dialect = w, r, sqliteDialect
	db.checkpointer = startCheckpointer(c)
	return nil
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func (db *DB) openPostgres(dsn string) error {
	dsn, pool, err := poolSize(dsn)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	var d *sql.DB
	if db.probe == nil {
		d, err = sql.Open("pgx", dsn)
	} else {
		var cfg *pgx.ConnConfig
		if cfg, err = pgx.ParseConfig(dsn); err == nil {
			db.probe.postgres(cfg)
			d = stdlib.OpenDB(*cfg)
		}
	}
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	d.SetMaxOpenConns(pool) // committers and the readers beside them
	d.SetMaxIdleConns(pool)
	d.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.PingContext(ctx); err != nil {
		d.Close()
		return fmt.Errorf("open postgres: %w", err)
	}
	db.write, db.read, db.dialect = d, d, postgresDialect
	db.dialect.committers = min(postgresDialect.committers, max(1, pool/2))
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
	db.notifier.close() // after the committers, which may still poke it
	db.checkpointer.close()
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

// tx runs fn in a write transaction, committing when it returns nil.
func (db *DB) tx(ctx context.Context, fn func(q) error) error {
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer db.writeStmts.prepareNoted(db.dialect.rebind)
	x := db.inTx(t)
	if err := fn(x); err != nil {
		t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w: %w", ErrOutcomeUnknown, err)
	}
	db.checkpointer.committed()
	if *x.notified {
		db.notifier.poke()
	}
	return nil
}

// updateOne runs an UPDATE that must change exactly one row.
func (db *DB) updateOne(ctx context.Context, what, query string, args ...any) error {
	res, err := db.w().exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	return changedOne(res, "update "+what)
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

func emptyNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
