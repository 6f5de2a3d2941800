package router

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/internal/store"
)

// pruneAfter is when the rows of a process that died are deleted; they
// stop counting after platform.BindStaleAfter already.
const pruneAfter = 10 * time.Minute

// bindKey names one bind of this process.
type bindKey struct {
	provider string
	bind     int
}

// bindRecorder keeps this process's bind states and writes them to the
// database in batches: a report only changes memory and wakes the writer,
// which writes what changed at most once per flush gap, refreshes the rows
// on every heartbeat, and deletes them when the process stops.
type bindRecorder struct {
	db      *store.DB
	process string
	now     func() time.Time
	metrics Metrics
	log     *slog.Logger
	wake    chan struct{}

	mu     sync.Mutex
	closed bool
	cur    map[string]uint64 // provider → generation of its running entry
	states map[bindKey]platform.ProviderBind
	dirty  map[bindKey]bool
	drop   map[string]bool // providers whose rows go before the next writes
}

func newBindRecorder(db *store.DB, process string, now func() time.Time, m Metrics, log *slog.Logger) *bindRecorder {
	return &bindRecorder{db: db, process: process, now: now, metrics: m, log: log, wake: make(chan struct{}, 1),
		cur: map[string]uint64{}, states: map[bindKey]platform.ProviderBind{}, dirty: map[bindKey]bool{}, drop: map[string]bool{}}
}

// begin makes generation gen the one whose reports count for provider,
// forgetting its earlier binds.
func (b *bindRecorder) begin(provider string, gen uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.forget(provider)
	b.cur[provider] = gen
}

// end forgets provider's binds when gen is still its generation.
func (b *bindRecorder) end(provider string, gen uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if g, ok := b.cur[provider]; !ok || g != gen {
		return
	}
	b.forget(provider)
	delete(b.cur, provider)
	b.signal()
}

// forget drops provider's binds from memory and its rows at the next write.
func (b *bindRecorder) forget(provider string) {
	for k := range b.states {
		if k.provider == provider {
			delete(b.states, k)
			delete(b.dirty, k)
		}
	}
	b.drop[provider] = true
	b.publish()
}

// report records a bind's state from generation gen of provider; reports
// of a replaced generation are dropped. secret is hidden in the error.
func (b *bindRecorder) report(gen uint64, provider string, s smpp.BindState, secret string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.cur[provider] != gen {
		return
	}
	since := s.Since
	if since.IsZero() {
		since = b.now()
	}
	k := bindKey{provider, s.Bind}
	b.states[k] = platform.ProviderBind{Process: b.process, Provider: provider, Bind: s.Bind, State: s.State,
		Since: since, LastError: scrub(s.LastError, secret)}
	b.dirty[k] = true
	b.publish()
	b.signal()
}

func (b *bindRecorder) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// publish hands the binds' counts to the metrics; b.mu is held.
func (b *bindRecorder) publish() {
	if b.metrics == nil {
		return
	}
	counts := map[string]map[string]int{}
	for k, s := range b.states {
		if counts[k.provider] == nil {
			counts[k.provider] = map[string]int{}
		}
		counts[k.provider][s.State]++
	}
	b.metrics.ProviderBinds(counts)
}

// run writes changes until ctx ends: when woken, but no sooner than gap
// after the last write, and on every heartbeat.
func (b *bindRecorder) run(ctx context.Context, heartbeat, gap time.Duration) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		beat := false
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-t.C:
			beat = true
		}
		b.flush(ctx)
		if beat {
			now := b.now()
			if err := b.db.TouchProviderBinds(ctx, b.process, now); err != nil && ctx.Err() == nil {
				b.log.Warn("refresh bind states", "err", err)
			}
			if _, err := b.db.PruneProviderBinds(ctx, now.Add(-pruneAfter)); err != nil && ctx.Err() == nil {
				b.log.Warn("prune bind states of stopped processes", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(gap):
		}
	}
}

// flush writes the dropped providers and the changed binds; what it could
// not write is written next time.
func (b *bindRecorder) flush(ctx context.Context) {
	b.mu.Lock()
	drop := b.drop
	b.drop = map[string]bool{}
	var rows []platform.ProviderBind
	now := b.now()
	for k := range b.dirty {
		s := b.states[k]
		s.UpdatedAt = now
		rows = append(rows, s)
	}
	dirty := b.dirty
	b.dirty = map[bindKey]bool{}
	b.mu.Unlock()

	err := func() error {
		for p := range drop {
			if err := b.db.DeleteProviderBinds(ctx, b.process, p); err != nil {
				return err
			}
			delete(drop, p)
		}
		return b.db.SaveProviderBinds(ctx, rows)
	}()
	if err == nil {
		return
	}
	if ctx.Err() == nil {
		b.log.Warn("write bind states; retrying", "err", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	maps.Copy(b.drop, drop)
	for k := range dirty {
		if _, still := b.states[k]; still {
			b.dirty[k] = true
		}
	}
	b.signal()
}

// close stops recording and deletes this process's rows.
func (b *bindRecorder) close() {
	b.mu.Lock()
	b.closed = true
	clear(b.states)
	b.publish()
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.db.DeleteProviderBinds(ctx, b.process, ""); err != nil {
		b.log.Warn("delete bind states at stop; they lapse after a while", "err", err)
	}
}
