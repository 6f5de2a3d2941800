package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// Group commit: concurrent writes (acceptances, transitions, attempts) are
// queued to committer goroutines, each of which runs whatever is waiting in
// one transaction — one fsync for the lot. Every write runs under its own
// savepoint, so one failing write rolls back alone, and its caller learns
// its own outcome only after the transaction holding it has committed.

var errClosed = errors.New("store closed")

// ErrOutcomeUnknown marks a failed COMMIT: the database may have committed
// before the connection failed, so the caller must not promise that
// nothing happened.
var ErrOutcomeUnknown = errors.New("commit outcome unknown")

type groupJob struct {
	ctx  context.Context
	fn   func(q) error
	done chan error
}

type grouper struct {
	max     int           // writes one transaction may hold
	jobs    chan groupJob // unbuffered: a job is either taken by a committer or not sent
	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

// startGroup starts the committers: the dialect's for any write and, on
// PostgreSQL, the batch committers for writes that may share a
// transaction (see batched).
func (db *DB) startGroup() {
	d := db.dialect
	db.group = db.newGrouper(d.committers, d.maxGroup)
	db.batch = db.group
	if d.batchers > 0 {
		db.batch = db.newGrouper(d.batchers, d.maxBatch)
	}
}

// newGrouper starts n committers of up to max writes per transaction.
func (db *DB) newGrouper(n, max int) *grouper {
	g := &grouper{max: max, jobs: make(chan groupJob), closing: make(chan struct{})}
	for i := 0; i < n; i++ {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			for {
				var first groupJob
				select {
				case first = <-g.jobs:
				case <-g.closing:
					return
				}
				batch := []groupJob{first}
			drain:
				for len(batch) < g.max {
					select {
					case j := <-g.jobs:
						batch = append(batch, j)
					default:
						break drain
					}
				}
				db.commitGroup(batch)
			}
		}()
	}
	return g
}

func (db *DB) stopGroup() {
	for _, g := range []*grouper{db.group, db.batch} {
		if g != nil {
			g.once.Do(func() { close(g.closing) }) // Close may be called twice
			g.wg.Wait()
		}
	}
}

// grouped runs fn in a shared write transaction and returns fn's error, or
// the commit's. It waits for the outcome even when ctx ends meanwhile: the
// write may already be in a transaction, and the caller must not report
// failure for something that committed.
func (db *DB) grouped(ctx context.Context, fn func(q) error) error {
	return db.group.run(ctx, fn)
}

// batched is grouped for writes that may share a transaction with many
// others on PostgreSQL too: they lock only rows their process holds a
// lease on (or rows nobody else writes), and wait for no row lock another
// process's batch could hold while waiting for theirs. A commit there
// costs a WAL flush that concurrent transactions queue for: one per
// delivery attempt and per lifecycle transition held dispatch to about
// 170 deliveries/s.
func (db *DB) batched(ctx context.Context, fn func(q) error) error {
	return db.batch.run(ctx, fn)
}

func (g *grouper) run(ctx context.Context, fn func(q) error) error {
	j := groupJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.closing:
		return errClosed
	}
	return <-j.done
}

func (db *DB) commitGroup(batch []groupJob) {
	ctx := context.Background() // the jobs' own contexts only bound their statements
	defer db.writeStmts.prepareNoted(db.dialect.rebind)
	errs := make([]error, len(batch))
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		for _, j := range batch {
			j.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	x := db.inTx(t)
	single := len(batch) == 1
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		sp := "g" + strconv.Itoa(i)
		if !single {
			if _, err := t.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
				errs[i] = fmt.Errorf("savepoint: %w", err)
				continue
			}
		}
		errs[i] = j.fn(x)
		if single {
			break
		}
		if errs[i] != nil {
			if _, err := t.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
				t.Rollback()
				for k, j := range batch {
					j.done <- firstErr(errs[k], fmt.Errorf("rollback to savepoint: %w", err))
				}
				return
			}
		}
		if _, err := t.ExecContext(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
			errs[i] = firstErr(errs[i], fmt.Errorf("release savepoint: %w", err))
		}
	}
	if single && errs[0] != nil {
		t.Rollback()
		batch[0].done <- errs[0]
		return
	}
	if err := t.Commit(); err != nil {
		for k, j := range batch {
			j.done <- firstErr(errs[k], fmt.Errorf("commit: %w: %w", ErrOutcomeUnknown, err))
		}
		return
	}
	if *x.notified {
		db.notifier.poke() // a savepoint rolled back may have asked: a spare wake-up is harmless
	}
	for k, j := range batch {
		j.done <- errs[k]
	}
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
