package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Pipeline runs the provider sender, the webhook dispatcher and the pruner.
type Pipeline struct {
	cfg   Config
	db    *store.DB
	log   *slog.Logger
	owner string // lease owner: unique per process and start

	wakeSend     chan struct{}
	wakeDispatch chan struct{}
	sendSlots    chan struct{}
	deliverSlots chan struct{}
	gate         *gate
	local        *providerBuckets
	// pending maps the id of each message this process is sending, until
	// its outcome is written, to a channel closed then: this process must
	// not send it again if it claims it after its lease (the database
	// refused the write for a while), and a receipt that overtakes the
	// write waits for it instead of being refused and asked again.
	pending sync.Map
	quit    <-chan struct{} // closed when Stop begins

	cancel context.CancelFunc
	wg     sync.WaitGroup // loops
	work   sync.WaitGroup // sends and attempts in flight
}

// New returns a Pipeline with cfg's defaults filled in.
func New(cfg Config) (*Pipeline, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Pipeline{
		cfg: cfg, db: cfg.Store, log: cfg.Logger, owner: platform.NewID("wrk_"),
		wakeSend: make(chan struct{}, 1), wakeDispatch: make(chan struct{}, 1),
		sendSlots: make(chan struct{}, cfg.Concurrency), deliverSlots: make(chan struct{}, cfg.Concurrency),
		gate:  newGate(cfg.WebhookPerClient, cfg.WebhookPerHost, cfg.Concurrency, cfg.Now),
		local: newProviderBuckets(cfg.Provider),
	}, nil
}

// Notify wakes the workers at once: new messages or events were committed.
func (p *Pipeline) Notify() {
	signal(p.wakeSend)
	signal(p.wakeDispatch)
}

// wakeAt signals c after d when that comes before the next poll, so short
// retry schedules are kept without polling fast.
func (p *Pipeline) wakeAt(c chan struct{}, d time.Duration) {
	if d < p.cfg.PollInterval {
		time.AfterFunc(max(d, 0), func() { signal(c) })
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Start starts the workers and the provider, and resumes what the provider
// must resume after a restart.
func (p *Pipeline) Start(ctx context.Context) error {
	ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.quit = ctx.Done()
	if err := p.cfg.Provider.Start(ctx, sink{p}); err != nil {
		p.cancel()
		return err
	}
	p.wg.Add(4)
	go p.loop(ctx, p.wakeSend, p.sendDue)
	go p.loop(ctx, p.wakeDispatch, p.dispatchDue)
	go p.pruneLoop(ctx)
	go func() {
		defer p.wg.Done()
		p.db.Listen(ctx, p.Notify) // other processes' new work (PostgreSQL)
	}()
	if r, ok := p.cfg.Provider.(provider.Resumer); ok {
		p.wg.Add(1)
		go p.resumeLoop(ctx, r)
	}
	return nil
}

// resumeLoop tells a Resumer about messages waiting for a receipt: at start
// every SENT message, then, every lease period, those SENT for longer than a
// lease — the process that sent them may have died with their receipts.
// A repeated receipt is harmless: it changes nothing on a terminal message.
func (p *Pipeline) resumeLoop(ctx context.Context, r provider.Resumer) {
	defer p.wg.Done()
	from := time.Time{}
	t := time.NewTicker(p.cfg.Lease)
	defer t.Stop()
	for {
		to := p.cfg.Now().Add(-p.cfg.Lease)
		if from.IsZero() {
			to = p.cfg.Now()
		}
		if err := p.resume(ctx, r, from, to); err != nil && ctx.Err() == nil {
			p.log.Error("resume provider receipts", "err", err)
		}
		// Later sweeps look back one hour: long enough for any receipt that
		// the sandbox schedules, short enough to stay cheap.
		from = p.cfg.Now().Add(-time.Hour)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stop stops claiming, lets sends and attempts in flight finish, then stops
// the provider. What was claimed but not finished is picked up again after
// its lease expires.
func (p *Pipeline) Stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.wg.Wait()
	p.work.Wait()
	p.cfg.Provider.Stop()
}

// loop runs step whenever woken or every PollInterval; step returns true
// when it found a full batch, so there may be more right away.
func (p *Pipeline) loop(ctx context.Context, wake chan struct{}, step func(context.Context) bool) {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.PollInterval)
	defer t.Stop()
	for {
		for ctx.Err() == nil && step(ctx) {
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

func (p *Pipeline) pruneLoop(ctx context.Context) {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.Prune(ctx)
		}
	}
}

// Prune deletes expired tokens and idempotency records, and finished
// messages older than the retention.
func (p *Pipeline) Prune(ctx context.Context) {
	now := p.cfg.Now()
	tokens, err1 := p.db.PruneTokens(ctx, now)
	keys, err2 := p.db.PruneIdempotency(ctx, now)
	msgs, err3 := p.db.PruneMessages(ctx, now.Add(-p.cfg.Retention), 500)
	for _, err := range []error{err1, err2, err3} {
		if err != nil && ctx.Err() == nil {
			p.log.Error("prune", "err", err)
		}
	}
	p.log.Info("pruned", "tokens", tokens, "idempotencyKeys", keys, "messages", msgs)
}

func (p *Pipeline) resume(ctx context.Context, r provider.Resumer, from, to time.Time) error {
	after := ""
	for {
		ms, err := p.db.ListSent(ctx, from, to, after, 500)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			return nil
		}
		pms := make([]provider.Message, len(ms))
		for i, m := range ms {
			pms[i] = providerMessage(m)
		}
		r.Resume(ctx, pms)
		after = ms[len(ms)-1].ID
	}
}

func providerMessage(m platform.Message) provider.Message {
	return provider.Message{ID: m.ID, NumberID: m.NumberID, From: m.From, To: m.To, MessageType: m.MessageType,
		Text: m.Text, MediaURLs: m.MediaURLs, Attempt: m.Attempts + 1, MaybeSent: m.Reclaimed}
}

// acquire takes up to n slots without blocking and returns how many it got.
func acquire(slots chan struct{}, n int) int {
	got := 0
	for got < n {
		select {
		case slots <- struct{}{}:
			got++
		default:
			return got
		}
	}
	return got
}

func release(slots chan struct{}, n int) {
	for i := 0; i < n; i++ {
		<-slots
	}
}
