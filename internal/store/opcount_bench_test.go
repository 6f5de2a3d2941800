package store_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// BenchmarkOpCost counts what each store operation sends to the database:
// statements (BEGIN, COMMIT and SAVEPOINTs included) and, on PostgreSQL,
// round trips on the wire (each time the client writes after having read:
// a pipelined batch is one). On SQLite every statement is a call into the
// engine in this process; roundtrips/op there equals statements/op.
// Setup (queueing the messages a claim takes, …) is left out of the counts.
//
//	go test -run '^$' -bench OpCost -benchtime 200x ./internal/store/
func BenchmarkOpCost(b *testing.B) {
	for _, d := range testDatabases {
		b.Run(d.name, func(b *testing.B) {
			for _, op := range opCostCases {
				b.Run(op.name, func(b *testing.B) {
					var c opCounter
					db := c.open(b, d.dsn(b))
					cl, numbers := hookedClient(b, db)
					env := &opEnv{b: b, db: db, c: cl, n: numbers[0], now: time.Now().UTC().Truncate(time.Millisecond)}
					var stmts, trips int64
					for i := 0; b.Loop(); i++ {
						b.StopTimer()
						env.i = i
						run := op.setup(env)
						store.WaitNotified(db)
						s0, t0 := c.stmts.Load(), c.trips.Load()
						b.StartTimer()
						run()
						b.StopTimer()
						store.WaitNotified(db)
						stmts += c.stmts.Load() - s0
						trips += c.trips.Load() - t0
						b.StartTimer()
					}
					b.ReportMetric(float64(stmts)/float64(b.N), "statements/op")
					b.ReportMetric(float64(trips)/float64(b.N), "roundtrips/op")
				})
			}
		})
	}
}

// hookedClient is benchShapingSetup's client and numbers, with a delivery
// URL set so that every event gets a delivery.
func hookedClient(b *testing.B, db *store.DB) (platform.APIClient, []platform.Number) {
	b.Helper()
	cl, numbers := benchShapingSetup(b, db, false)
	u := "http://127.0.0.1:1/hooks"
	uu := &u
	if err := db.SetWebhookURLs(context.Background(), cl.ID, &uu, nil); err != nil {
		b.Fatal(err)
	}
	cl.DeliveryURL = &u
	return cl, numbers
}

// opEnv is what an opCostCase works with: a store with client c owning
// number n (its delivery URL set), and iteration i.
type opEnv struct {
	b   *testing.B
	db  *store.DB
	c   platform.APIClient
	n   platform.Number
	now time.Time
	i   int
}

func (e *opEnv) fatal(err error) {
	if err != nil {
		e.b.Fatal(err)
	}
}

// acceptance is a send of k recipients under key.
func (e *opEnv) acceptance(key string, k int) platform.Acceptance {
	to := make([]string, k)
	for i := range to {
		to[i] = fmt.Sprintf("+1555987%04d", i)
	}
	send := platform.SendInput{SendFrom: e.n.ID, To: to, MessageType: "SMS", Text: "hello"}
	ok, bad := platform.CheckRecipients(send.To)
	return platform.NewAcceptance(platform.AcceptInput{Client: e.c, Number: e.n, Send: send, Key: key, Recipients: ok,
		Errors: bad, Now: e.now, KeyTTL: time.Hour, Validity: 4 * time.Hour})
}

func (e *opEnv) accept(key string, k int) {
	if _, _, err := e.db.Accept(context.Background(), e.acceptance(key, k)); err != nil {
		e.b.Fatal(err)
	}
}

// claim accepts and claims n messages (with unique keys).
func (e *opEnv) claim(n int) []platform.Message {
	for j := range n {
		e.accept(fmt.Sprintf("c%d-%d", e.i, j), 1)
	}
	msgs, _, err := e.db.ClaimShaped(context.Background(), "w", e.now.Add(time.Second), e.now.Add(time.Hour), n, store.Shaping{})
	e.fatal(err)
	if len(msgs) != n {
		e.b.Fatalf("claimed %d messages, want %d", len(msgs), n)
	}
	return msgs
}

// transition is the pipeline's write of step s for a claimed message.
func (e *opEnv) transition(s platform.Step, err error) store.Transition {
	e.fatal(err)
	t := store.Transition{Message: s.Message, FromStatus: s.FromStatus, FromSequence: s.FromSequence, Event: s.Event, LeaseOwner: "w"}
	if s.Event != nil {
		t.Deliveries = []platform.Delivery{platform.NewDelivery(*s.Event, *e.c.DeliveryURL, e.now)}
	}
	return t
}

func (e *opEnv) apply(t store.Transition) {
	ok, err := e.db.ApplyTransitions(context.Background(), []store.Transition{t})
	e.fatal(err)
	if !ok[0] {
		e.b.Fatal("transition not applied")
	}
}

// claimDeliveries claims every due delivery (the events of n acceptances).
func (e *opEnv) claimDeliveries() []store.DeliveryJob {
	jobs, err := e.db.ClaimDeliveries(context.Background(), "w", e.now.Add(time.Second), e.now.Add(time.Hour), 1000)
	e.fatal(err)
	return jobs
}

// opCostCases are the operations measured; setup runs uncounted and
// returns the operation.
var opCostCases = []struct {
	name  string
	setup func(e *opEnv) func()
}{
	{"accept/1-recipient", func(e *opEnv) func() {
		a := e.acceptance(fmt.Sprintf("k%d", e.i), 1)
		return func() {
			if _, created, err := e.db.Accept(context.Background(), a); err != nil || !created {
				e.b.Fatalf("accept: created %v, %v", created, err)
			}
		}
	}},
	{"accept/10-recipients", func(e *opEnv) func() {
		a := e.acceptance(fmt.Sprintf("k%d", e.i), 10)
		return func() {
			if _, created, err := e.db.Accept(context.Background(), a); err != nil || !created {
				e.b.Fatalf("accept: created %v, %v", created, err)
			}
		}
	}},
	{"accept/replayed-key", func(e *opEnv) func() {
		if e.i == 0 {
			e.accept("replayed", 1)
		}
		a := e.acceptance("replayed", 1)
		return func() {
			if _, created, err := e.db.Accept(context.Background(), a); err != nil || created {
				e.b.Fatalf("replay: created %v, %v", created, err)
			}
		}
	}},
	{"idempotency-lookup/hit", func(e *opEnv) func() {
		if e.i == 0 {
			e.accept("replayed", 1)
		}
		return func() {
			_, err := e.db.GetIdempotency(context.Background(), e.c.ID, "replayed", e.now)
			e.fatal(err)
		}
	}},
	{"claim/50-messages", func(e *opEnv) func() {
		for j := range 50 {
			e.accept(fmt.Sprintf("c%d-%d", e.i, j), 1)
		}
		return func() {
			msgs, _, err := e.db.ClaimShaped(context.Background(), "w", e.now.Add(time.Second), e.now.Add(time.Hour), 50, store.Shaping{})
			e.fatal(err)
			if len(msgs) != 50 {
				e.b.Fatalf("claimed %d", len(msgs))
			}
		}
	}},
	{"transition/SENT", func(e *opEnv) func() {
		m := e.claim(1)[0]
		t := e.transition(platform.Sent(m, "ref-"+m.ID, e.now))
		return func() { e.apply(t) }
	}},
	{"transition/DELIVERED", func(e *opEnv) func() {
		m := e.claim(1)[0]
		sent := e.transition(platform.Sent(m, "ref-"+m.ID, e.now))
		e.apply(sent)
		t := e.transition(platform.Delivered(sent.Message, e.now))
		t.LeaseOwner = ""
		return func() { e.apply(t) }
	}},
	{"webhook/claim-50", func(e *opEnv) func() {
		for j := range 50 {
			e.accept(fmt.Sprintf("c%d-%d", e.i, j), 1)
		}
		return func() {
			if jobs := e.claimDeliveries(); len(jobs) != 50 {
				e.b.Fatalf("claimed %d deliveries", len(jobs))
			}
		}
	}},
	{"webhook/attempt-DELIVERED", func(e *opEnv) func() {
		e.accept(fmt.Sprintf("k%d", e.i), 1)
		j := e.claimDeliveries()[0]
		a := store.Attempt{DeliveryID: j.ID, LeaseOwner: "w", Number: 1, At: e.now, StatusCode: 200,
			Latency: time.Millisecond, State: platform.DeliveryDelivered}
		return func() { e.fatal(e.db.RecordAttempts(context.Background(), []store.Attempt{a})) }
	}},
}

// opCounter counts statements and round trips of one store.
type opCounter struct{ stmts, trips atomic.Int64 }

// open opens a store on dsn whose connections report to c.
func (c *opCounter) open(b *testing.B, dsn string) *store.DB {
	b.Helper()
	db, err := store.Open(context.Background(), dsn, store.WithProbe(
		func(d driver.Driver) driver.Driver { return countDriver{d, c} },
		func(cfg *pgx.ConnConfig) {
			cfg.Tracer = pgTracer{c}
			dial := cfg.DialFunc
			cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := dial(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &wireConn{Conn: conn, c: c}, nil
			}
		}))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// pgTracer counts the statements pgx runs, alone or in a batch.
type pgTracer struct{ c *opCounter }

func (t pgTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	t.c.stmts.Add(1)
	return ctx
}
func (pgTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (pgTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (t pgTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	t.c.stmts.Add(1)
}
func (pgTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// wireConn counts round trips: a write after a read (or the first write)
// starts one.
type wireConn struct {
	net.Conn
	c     *opCounter
	wrote atomic.Bool
}

func (w *wireConn) Write(p []byte) (int, error) {
	if !w.wrote.Swap(true) {
		w.c.trips.Add(1)
	}
	return w.Conn.Write(p)
}

func (w *wireConn) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if n > 0 {
		w.wrote.Store(false)
	}
	return n, err
}

// countDriver wraps the SQLite driver: every statement run, BEGIN,
// COMMIT and ROLLBACK counts as a statement and a round trip.
type countDriver struct {
	driver.Driver
	c *opCounter
}

func (d countDriver) Open(name string) (driver.Conn, error) {
	conn, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return &countConn{Conn: conn, c: d.c}, nil
}

func (c *opCounter) one() { c.stmts.Add(1); c.trips.Add(1) }

type countConn struct {
	driver.Conn
	c *opCounter
}

func (x *countConn) Prepare(query string) (driver.Stmt, error) {
	return x.PrepareContext(context.Background(), query)
}

func (x *countConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := x.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return countStmt{s, x.c}, nil
}

func (x *countConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	x.c.one()
	return x.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (x *countConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	x.c.one()
	return x.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (x *countConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	x.c.one()
	t, err := x.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countTx{t, x.c}, nil
}

func (x *countConn) ResetSession(ctx context.Context) error {
	return x.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (x *countConn) IsValid() bool { return x.Conn.(driver.Validator).IsValid() }

type countTx struct {
	driver.Tx
	c *opCounter
}

func (t countTx) Commit() error   { t.c.one(); return t.Tx.Commit() }
func (t countTx) Rollback() error { t.c.one(); return t.Tx.Rollback() }

type countStmt struct {
	driver.Stmt
	c *opCounter
}

func (s countStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.one()
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s countStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.one()
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}
