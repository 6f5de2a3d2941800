package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q runs queries on a pool or in a transaction with the dialect's
// rebinding; on SQLite through the store's prepared statements (parsing SQL
// was a quarter of the send path's CPU before statements were reused).
type q struct {
	querier
	d     dialect
	stmts *stmtCache // nil: run queries unprepared (the driver caches them)
	tx    *sql.Tx    // nil outside a transaction
	// notified is set by notifyWork in a transaction: the store wakes other
	// processes once the transaction has committed.
	notified *bool
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

// stmtCache holds a pool's prepared statements by query text. A nil
// *stmtCache holds none: get returns nil, the other methods do nothing.
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
	if c == nil {
		return nil
	}
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
	if c == nil {
		return
	}
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
	if c == nil {
		return
	}
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
func (db *DB) inTx(t *sql.Tx) q {
	return q{querier: t, d: db.dialect, stmts: db.writeStmts, tx: t, notified: new(bool)}
}

// inList is "(?, ?, …)" with n placeholders.
func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}
