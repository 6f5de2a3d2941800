package store

import (
	"context"
	"sync"
	"time"
)

// PostgreSQL serialises the commits of every transaction that issued a
// NOTIFY (PreCommit_Notify takes a database-wide lock and holds it through
// the commit's WAL flush), so one NOTIFY inside each acceptance made every
// acceptance of every process commit one after another. Work is therefore
// announced after its transaction commits, by one goroutine per store that
// sends one NOTIFY at a time for all the work committed meanwhile, in a
// transaction of its own that does not wait for its flush (a notification
// lost to a crash is covered by the workers' polling, as today).

// notifier coalesces the store's wake-ups of other processes.
type notifier struct {
	send func() // sends one NOTIFY

	mu     sync.Mutex
	cond   *sync.Cond
	owed   bool // committed work not yet announced
	busy   bool // a NOTIFY is being sent
	closed bool
	done   chan struct{}
}

func newNotifier(send func()) *notifier {
	n := &notifier{send: send, done: make(chan struct{})}
	n.cond = sync.NewCond(&n.mu)
	go n.run()
	return n
}

// poke asks for a NOTIFY after work has committed. It never blocks.
func (n *notifier) poke() {
	if n == nil {
		return
	}
	n.mu.Lock()
	n.owed = true
	n.cond.Broadcast()
	n.mu.Unlock()
}

func (n *notifier) run() {
	defer close(n.done)
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		for !n.owed && !n.closed {
			n.cond.Wait()
		}
		if !n.owed {
			return // closed, nothing owed
		}
		n.owed, n.busy = false, true
		n.mu.Unlock()
		n.send()
		n.mu.Lock()
		n.busy = false
		n.cond.Broadcast()
	}
}

// wait returns once every poke so far has been answered by a NOTIFY.
func (n *notifier) wait() {
	if n == nil {
		return
	}
	n.mu.Lock()
	for n.owed || n.busy {
		n.cond.Wait()
	}
	n.mu.Unlock()
}

// close sends what is owed and stops.
func (n *notifier) close() {
	if n == nil {
		return
	}
	n.mu.Lock()
	n.closed = true
	n.cond.Broadcast()
	n.mu.Unlock()
	<-n.done
}

// notifyTimeout bounds one NOTIFY: a stuck one must not hold up Close.
const notifyTimeout = 5 * time.Second

// sendNotify runs the dialect's NOTIFY in a transaction of its own that
// does not wait for its WAL flush, so the lock it takes is held briefly.
func (db *DB) sendNotify() {
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	if _, err := db.write.ExecContext(ctx, "SELECT set_config('synchronous_commit', 'off', true), "+db.dialect.notifyCall); err != nil {
		db.log.Warn("notify other processes of new work; their polling will find it", "err", err)
	}
}
