package store

import (
	"fmt"
	"strings"
	"sync"

	"github.com/pressly/goose/v3"
)

// dialect is the small table of what differs between the databases.
type dialect struct {
	name  string
	goose goose.Dialect
	// rebind rewrites '?' placeholders for the driver.
	rebind func(string) string
	// skipLocked ends a claiming subquery: PostgreSQL skips rows another
	// transaction holds; SQLite has a single writer and needs nothing.
	skipLocked string
	// forUpdate ends a read of rows the transaction will update, so that a
	// concurrent one waits (PostgreSQL); SQLite's single writer needs nothing.
	forUpdate string
	// notify wakes the workers of every process; notifyCall is its
	// function call. The store sends it after the transactions that create
	// work have committed (see notifier).
	notify, notifyCall string
	// committers is how many group-commit transactions may run at once, and
	// maxGroup how many writes one may hold. SQLite has one writer: one
	// committer batches up to 128 writes per fsync. PostgreSQL already
	// flushes concurrent commits together, and batching there would let two
	// batches lock rows (the same Idempotency-Key sent to two processes) in
	// opposite orders and deadlock: one write per transaction, many at once.
	committers, maxGroup int
	// prepare makes the store prepare each query once and reuse it (see
	// stmtCache). SQLite needs it: modernc.org/sqlite parses an unprepared
	// query on every call, which doubled the CPU of a token lookup. pgx
	// already keeps a statement cache on every PostgreSQL connection.
	prepare bool
}

var (
	sqliteDialect   = dialect{name: "sqlite", goose: goose.DialectSQLite3, rebind: func(q string) string { return q }, committers: 1, maxGroup: 128, prepare: true}
	postgresDialect = dialect{name: "postgres", goose: goose.DialectPostgres, rebind: postgresRebind,
		skipLocked: " FOR UPDATE SKIP LOCKED", forUpdate: " FOR UPDATE", notify: "SELECT " + pgNotifyCall, notifyCall: pgNotifyCall, committers: 24, maxGroup: 1}
)

// notifyChannel is the LISTEN/NOTIFY channel for new work.
const notifyChannel = "redcloud_work"

const pgNotifyCall = "pg_notify('" + notifyChannel + "', '')"

// postgresRebind turns '?' into $1, $2, … (queries hold no '?' literals).
// Each query is rewritten once: the store's queries are constants or built
// from a bounded set of list lengths, and rewriting every call cost 6 % of
// the server's CPU in PostgreSQL dispatch.
func postgresRebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	r := rebindPostgres(q)
	rebound.Store(q, r)
	return r
}

var rebound sync.Map // query → rebound query

func rebindPostgres(q string) string {
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
