// Package router is the provider the pipeline sends through: it holds the
// built-in sandbox and every SMPP provider an operator configured, keeps
// them in step with the database while the server runs, and sends each
// message through its number's provider.
//
// A message goes through the provider its sending number is routed to,
// else the default provider, else — in sandbox mode only — the sandbox; in
// production such a message fails NO_ROUTE. The configuration is read at
// Start and whenever it changes (checked every second): added providers
// are built and started, removed ones stopped, changed ones restarted, with
// no restart of the server.
package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/internal/store"
)

// errStarting marks the entry of a provider being (re)started.
var errStarting = errors.New("starting")

// Factory builds an SMPP provider from its configuration.
type Factory func(smpp.Config) (provider.Provider, error)

// ErrSMPPNotBuiltIn is what the default Factory answers.
var ErrSMPPNotBuiltIn = errors.New("SMPP provider not built in")

// Metrics is told the state of this process's binds (implemented by the
// metrics package).
type Metrics interface {
	// ProviderBinds receives the whole state: provider → state → binds.
	ProviderBinds(counts map[string]map[string]int)
}

// Config configures a Router. Store and Sandbox are required; every other
// zero value takes the default its doc names.
type Config struct {
	Store *store.DB
	// Sandbox is the built-in provider named "sandbox".
	Sandbox provider.Provider
	// SandboxMode sends messages of numbers without a route through the
	// sandbox when there is no default provider. Default false: they fail
	// NO_ROUTE.
	SandboxMode bool
	// SMPP builds SMPP providers. Default: a factory that answers
	// ErrSMPPNotBuiltIn.
	SMPP Factory
	// Getenv reads the variable named by a provider's password env.
	// Default os.Getenv.
	Getenv func(string) string
	// Check is how often the configuration's version is read. Default 1s;
	// changes apply within it plus the time to stop and start providers.
	Check time.Duration
	// Heartbeat is how often this process refreshes its bind rows (rows
	// not refreshed for platform.BindStaleAfter are a dead process's).
	// Default 5s.
	Heartbeat time.Duration
	// FlushGap is the least time between two writes of bind states, so a
	// flapping link does not write on every change. Default 500ms.
	FlushGap time.Duration
	// Process names this process in bind rows. Default "proc_" + a ULID.
	Process string
	// Logger defaults to slog.Default(), Now to time.Now.
	Logger *slog.Logger
	Now    func() time.Time
	// Metrics, when set, is told the state of the binds.
	Metrics Metrics
}

// Router is a provider.Provider over the configured providers.
type Router struct {
	cfg   Config
	db    *store.DB
	log   *slog.Logger
	binds *bindRecorder

	mu   sync.RWMutex
	snap *snapshot // nil until Start

	// version is that of the configuration snap holds, once loaded; gen
	// the last entry generation handed out. Both belong to whoever runs
	// reload: Start, then the loop.
	version string
	loaded  bool
	gen     uint64
	sink    provider.Sink
	runCtx  context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// snapshot is the configuration in force: routes, the default, and one
// entry per provider.
type snapshot struct {
	routes  map[string]string // numberId → provider
	def     string
	entries map[string]*entry
}

// entry is one provider as this process runs it.
type entry struct {
	name string
	cfg  platform.ProviderConfig // zero for the sandbox
	gen  uint64
	p    provider.Provider // nil when err says why it is unavailable
	err  error
	// inflight counts sends on p; an entry leaves the snapshot before its
	// sends are waited for and p is stopped.
	inflight sync.WaitGroup
}

// New returns a Router with cfg's defaults filled in.
func New(cfg Config) (*Router, error) {
	if cfg.Store == nil || cfg.Sandbox == nil {
		return nil, errors.New("router: Store and Sandbox are required")
	}
	if cfg.SMPP == nil {
		cfg.SMPP = func(smpp.Config) (provider.Provider, error) { return nil, ErrSMPPNotBuiltIn }
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Check <= 0 {
		cfg.Check = time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 5 * time.Second
	}
	if cfg.FlushGap <= 0 {
		cfg.FlushGap = 500 * time.Millisecond
	}
	if cfg.Process == "" {
		cfg.Process = platform.NewID("proc_")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Router{cfg: cfg, db: cfg.Store, log: cfg.Logger}
	r.binds = newBindRecorder(cfg.Store, cfg.Process, cfg.Now, cfg.Metrics, cfg.Logger)
	return r, nil
}

// Process returns the name this process's bind rows carry.
func (r *Router) Process() string { return r.cfg.Process }

// Send sends m through its number's provider.
func (r *Router) Send(ctx context.Context, m provider.Message) (string, error) {
	r.mu.RLock()
	s := r.snap
	if s == nil {
		r.mu.RUnlock()
		return "", errors.New("router: not started")
	}
	name, err := s.route(m.NumberID, r.cfg.SandboxMode)
	if err != nil {
		r.mu.RUnlock()
		return "", err
	}
	e := s.entries[name]
	switch {
	case e == nil || e.err == errStarting:
		r.mu.RUnlock()
		// A route to a provider this process is (re)starting or has not
		// loaded yet: not an attempt, so not a retry of the schedule.
		return "", &provider.ThrottledError{RetryAfter: r.cfg.Check, Reason: "provider " + name + " is starting on this server"}
	case e.p == nil:
		r.mu.RUnlock()
		return "", fmt.Errorf("provider %s is unavailable: %w", name, e.err)
	}
	e.inflight.Add(1)
	r.mu.RUnlock()
	defer e.inflight.Done()
	return e.p.Send(ctx, m)
}

// Path names the provider numberID's messages go through and its submit
// rate per process ("" before Start or without a route).
func (r *Router) Path(numberID string) (string, float64) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.snap == nil {
		return "", 0
	}
	name, err := r.snap.route(numberID, r.cfg.SandboxMode)
	if err != nil {
		return "", 0
	}
	if e := r.snap.entries[name]; e != nil {
		return name, e.cfg.MPS
	}
	return name, 0
}

// route names the provider of numberID's messages, or fails NO_ROUTE.
func (s *snapshot) route(numberID string, sandboxMode bool) (string, error) {
	if name := s.routes[numberID]; name != "" {
		return name, nil
	}
	if s.def != "" {
		return s.def, nil
	}
	if sandboxMode {
		return platform.SandboxProvider, nil
	}
	return "", &provider.PermanentError{Code: redcloud.FailureNoRoute,
		Message: fmt.Sprintf("the sending number %s has no provider route and there is no default provider", numberID)}
}

// Start starts the sandbox and every configured provider, handing each the
// sink, and keeps them in step with the database until Stop.
func (r *Router) Start(ctx context.Context, sink provider.Sink) error {
	r.sink = sink
	r.runCtx, r.cancel = context.WithCancel(ctx)
	if err := r.cfg.Sandbox.Start(r.runCtx, sink); err != nil {
		r.cancel()
		return fmt.Errorf("start the sandbox provider: %w", err)
	}
	r.mu.Lock()
	r.snap = &snapshot{routes: map[string]string{}, entries: map[string]*entry{
		platform.SandboxProvider: {name: platform.SandboxProvider, p: r.cfg.Sandbox},
	}}
	r.mu.Unlock()
	if err := r.reload(r.runCtx); err != nil {
		r.cancel()
		r.cfg.Sandbox.Stop()
		return fmt.Errorf("load providers: %w", err)
	}
	r.wg.Add(2)
	go r.loop()
	go func() {
		defer r.wg.Done()
		r.binds.run(r.runCtx, r.cfg.Heartbeat, r.cfg.FlushGap)
	}()
	return nil
}

// loop applies configuration changes until Stop.
func (r *Router) loop() {
	defer r.wg.Done()
	t := time.NewTicker(r.cfg.Check)
	defer t.Stop()
	for {
		select {
		case <-r.runCtx.Done():
			return
		case <-t.C:
		}
		if err := r.reload(r.runCtx); err != nil && r.runCtx.Err() == nil {
			r.log.Error("reload providers; the configuration in force stays", "err", err)
		}
	}
}

// reload reads the configuration when its version changed and applies it:
// providers removed or changed are stopped (after their sends in flight),
// then added or changed ones are built and started. Meanwhile a message for
// a provider being replaced fails transiently and is retried.
func (r *Router) reload(ctx context.Context) error {
	v, err := r.db.ProvidersVersion(ctx)
	if err != nil {
		return err
	}
	r.mu.RLock()
	current := r.snap
	r.mu.RUnlock()
	if r.loaded && v == r.version {
		return nil
	}
	ps, err := r.db.ListProviders(ctx)
	if err != nil {
		return err
	}
	def, err := r.db.DefaultProvider(ctx)
	if err != nil {
		return err
	}
	routes, err := r.db.NumberRoutes(ctx)
	if err != nil {
		return err
	}

	want := map[string]platform.ProviderConfig{}
	for _, p := range ps {
		want[p.Name] = p
	}
	var stop []*entry
	var start []platform.ProviderConfig
	next := &snapshot{routes: routes, def: def, entries: map[string]*entry{}}
	for name, e := range current.entries {
		p, kept := want[name]
		switch {
		case name == platform.SandboxProvider:
			next.entries[name] = e
		case !kept:
			stop = append(stop, e)
		case e.p != nil && e.cfg.SameSettings(p):
			next.entries[name] = e
		default: // changed, or it failed to start: build it again
			stop = append(stop, e)
			start = append(start, p)
		}
	}
	for name, p := range want {
		if _, had := current.entries[name]; !had {
			start = append(start, p)
		}
	}
	for _, p := range start {
		next.entries[p.Name] = &entry{name: p.Name, cfg: p, err: errStarting}
	}
	r.mu.Lock()
	r.snap = next
	r.mu.Unlock()

	for _, e := range stop {
		r.stopEntry(e)
	}
	r.version, r.loaded = v, true
	if len(start) == 0 {
		return nil
	}
	started := make(map[string]*entry, len(start))
	for _, p := range start {
		started[p.Name] = r.startEntry(p)
	}
	r.mu.Lock()
	// The routes and the default stay those of next; only entries change.
	fresh := &snapshot{routes: r.snap.routes, def: r.snap.def, entries: make(map[string]*entry, len(r.snap.entries))}
	for name, e := range r.snap.entries {
		fresh.entries[name] = e
	}
	for name, e := range started {
		fresh.entries[name] = e
	}
	r.snap = fresh
	r.mu.Unlock()
	return nil
}

// startEntry builds and starts provider p; a failure is kept in the entry
// (its sends fail transiently) and shown as a failed bind.
func (r *Router) startEntry(p platform.ProviderConfig) *entry {
	r.gen++
	e := &entry{name: p.Name, cfg: p, gen: r.gen}
	r.binds.begin(p.Name, e.gen)
	cfg, secret, err := r.smppConfig(p, e.gen)
	if err == nil {
		e.p, err = r.cfg.SMPP(cfg)
	}
	if err == nil {
		if err = e.p.Start(r.runCtx, r.sink); err != nil {
			e.p = nil
		}
	}
	if err != nil {
		e.err = err
		r.log.Error("provider unavailable: its messages are retried", "provider", p.Name, "url", p.URL(), "err", scrub(err.Error(), secret))
		r.binds.report(e.gen, p.Name, smpp.BindState{Provider: p.Name, Bind: 0, State: smpp.BindFailed,
			Since: r.cfg.Now(), LastError: err.Error()}, secret)
		return e
	}
	r.log.Info("provider started", "provider", p.Name, "url", p.URL(), "binds", p.Binds)
	return e
}

// stopEntry stops e's provider once its sends in flight are done, and
// drops its bind rows.
func (r *Router) stopEntry(e *entry) {
	e.inflight.Wait()
	if e.p != nil {
		e.p.Stop()
		r.log.Info("provider stopped", "provider", e.name)
	}
	r.binds.end(e.name, e.gen)
}

// smppConfig is the SMPP provider's configuration for p, and the password
// (to keep out of logs).
func (r *Router) smppConfig(p platform.ProviderConfig, gen uint64) (smpp.Config, string, error) {
	password := p.Password.Reveal()
	if p.PasswordEnv != "" {
		password = r.cfg.Getenv(p.PasswordEnv)
		if password == "" {
			return smpp.Config{}, "", fmt.Errorf("the environment variable %s, which holds the password, is not set in this server process", p.PasswordEnv)
		}
	}
	name := p.Name
	return smpp.Config{
		Name: name, Host: p.Host, Port: p.Port, TLS: p.TLS, SystemID: p.SystemID, Password: password, SystemType: p.SystemType,
		Binds: p.Binds, Window: p.Window, MPS: p.MPS, EnquireLink: p.EnquireLink,
		DLRIDFormat: p.DLRIDFormat, DCS0: p.DCS0, Segmentation: p.Segmentation,
		OnBindState: func(s smpp.BindState) { r.binds.report(gen, name, s, password) },
		Logger:      r.log, // the provider names itself in every line (a With would repeat the key)
	}, password, nil
}

// scrub hides secret in s: a bind error must not carry the password into
// the database or a log.
func scrub(s, secret string) string {
	if len(secret) < 3 {
		return s // too short to tell from ordinary text
	}
	return strings.ReplaceAll(s, secret, platform.Redacted)
}

// Resume tells each provider that implements provider.Resumer about the
// messages its numbers' routes send through it.
func (r *Router) Resume(ctx context.Context, sent []provider.Message) {
	r.mu.RLock()
	s := r.snap
	r.mu.RUnlock()
	if s == nil {
		return
	}
	by := map[string][]provider.Message{}
	for _, m := range sent {
		name, err := s.route(m.NumberID, r.cfg.SandboxMode)
		if err != nil {
			continue
		}
		by[name] = append(by[name], m)
	}
	for name, ms := range by {
		e := s.entries[name]
		if e == nil || e.p == nil {
			continue
		}
		if res, ok := e.p.(provider.Resumer); ok {
			res.Resume(ctx, ms)
		}
	}
}

// Stop stops every provider after its sends in flight, and deletes this
// process's bind rows.
func (r *Router) Stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.wg.Wait()
	r.mu.Lock()
	s := r.snap
	r.snap = nil
	r.mu.Unlock()
	if s != nil {
		for _, e := range s.entries {
			if e.name == platform.SandboxProvider {
				e.inflight.Wait()
				e.p.Stop()
				continue
			}
			r.stopEntry(e)
		}
	}
	r.binds.close()
}
