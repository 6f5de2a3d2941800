package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	// once: fn has an effect outside the transaction, so it must not run
	// twice (see commitGroup).
	once bool
}

type grouper struct {
	jobs    chan groupJob // unbuffered: a job is either taken by a committer or not sent
	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

// startGroup starts n committers.
func (db *DB) startGroup(n int) {
	g := &grouper{jobs: make(chan groupJob), closing: make(chan struct{})}
	db.group = g
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
				for len(batch) < db.dialect.maxGroup {
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
}

func (db *DB) stopGroup() {
	if db.group != nil {
		db.group.once.Do(func() { close(db.group.closing) }) // Close may be called twice
		db.group.wg.Wait()
	}
}

// grouped runs fn in a shared write transaction and returns fn's error, or
// the commit's. It waits for the outcome even when ctx ends meanwhile: the
// write may already be in a transaction, and the caller must not report
// failure for something that committed.
func (db *DB) grouped(ctx context.Context, fn func(q) error) error {
	return db.group.run(ctx, groupJob{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

// groupedOnce is grouped for an fn that must not run twice (commitGroup).
func (db *DB) groupedOnce(ctx context.Context, fn func(q) error) error {
	return db.group.run(ctx, groupJob{ctx: ctx, fn: fn, done: make(chan error, 1), once: true})
}

func (g *grouper) run(ctx context.Context, j groupJob) error {
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.closing:
		return errClosed
	}
	return <-j.done
}

// commitGroup commits a batch. It first runs the jobs without savepoints:
// nearly every write succeeds, and a savepoint per job cost the writer 14 %
// of its CPU (two statements, and a copy of every page the job touches
// first into the savepoint's journal). Only when a job fails is the batch
// rolled back and run again with a savepoint per job, so that the failure
// stays its own. A job may therefore run twice: the store's jobs set their
// results afresh on each run, and a batch holding a job that must run once
// (a claim that takes from a process-local limiter, groupedOnce) goes
// straight to the savepoints (taken twice, the limiter would hold the
// provider's messages back for a claim that never happened).
func (db *DB) commitGroup(batch []groupJob) {
	defer db.writeStmts.prepareNoted(db.dialect.rebind)
	if len(batch) > 1 && !slices.ContainsFunc(batch, func(j groupJob) bool { return j.once }) && db.commitBare(batch) {
		return
	}
	db.commitSavepoints(batch)
}

// commitBare runs and commits batch in one transaction without
// savepoints, and reports false, having rolled back, when a job failed.
func (db *DB) commitBare(batch []groupJob) bool {
	ctx := context.Background()
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false // the savepoint path reports it
	}
	x := db.inTx(t)
	errs := make([]error, len(batch))
	for i, j := range batch {
		if errs[i] = j.ctx.Err(); errs[i] != nil {
			continue
		}
		if err := j.fn(x); err != nil {
			t.Rollback()
			return false
		}
	}
	db.finish(t, x, batch, errs)
	return true
}

// finish commits t and hands each job its outcome.
func (db *DB) finish(t *sql.Tx, x q, batch []groupJob, errs []error) {
	if err := t.Commit(); err != nil {
		for k, j := range batch {
			j.done <- firstErr(errs[k], fmt.Errorf("commit: %w: %w", ErrOutcomeUnknown, err))
		}
		return
	}
	db.checkpointer.committed()
	if *x.notified {
		db.notifier.poke() // a savepoint rolled back may have asked: a spare wake-up is harmless
	}
	for k, j := range batch {
		j.done <- errs[k]
	}
}

// commitSavepoints runs each job of batch under its own savepoint.
func (db *DB) commitSavepoints(batch []groupJob) {
	ctx := context.Background() // the jobs' own contexts only bound their statements
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
	db.finish(t, x, batch, errs)
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
