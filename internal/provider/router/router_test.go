package router_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/router"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
	"github.com/redcloud-core/redcloud/internal/testwait"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(storetest.Pool(m)) }

// within is how long a change may take to reach the router here: the
// router checks every 20 ms; the contract is 5 s.
const within = 5 * time.Second

// fake is a provider as the factory or the sandbox slot gets it: it records
// what it is asked and, at Start, reports its binds connecting then bound.
type fake struct {
	name string
	cfg  smpp.Config

	mu       sync.Mutex
	sink     provider.Sink
	started  bool
	stopped  bool
	sent     []string // message ids
	resumed  []string
	inflight chan struct{} // when set, Send waits for it to close
}

func (f *fake) Send(_ context.Context, m provider.Message) (string, error) {
	f.mu.Lock()
	wait := f.inflight
	f.mu.Unlock()
	if wait != nil {
		<-wait
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return "", fmt.Errorf("%s: send after stop", f.name)
	}
	f.sent = append(f.sent, m.ID)
	return f.name + "_" + m.ID, nil
}

func (f *fake) Start(_ context.Context, sink provider.Sink) error {
	f.mu.Lock()
	f.sink, f.started = sink, true
	f.mu.Unlock()
	for i := range f.cfg.Binds {
		f.report(i, smpp.BindConnecting, "")
		f.report(i, smpp.BindBound, "")
	}
	return nil
}

func (f *fake) report(bind int, state, lastErr string) {
	if f.cfg.OnBindState != nil {
		f.cfg.OnBindState(smpp.BindState{Provider: f.cfg.Name, Bind: bind, State: state, Since: time.Now(), LastError: lastErr})
	}
}

func (f *fake) Stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
}

func (f *fake) Resume(_ context.Context, sent []provider.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range sent {
		f.resumed = append(f.resumed, m.ID)
	}
}

func (f *fake) state() (started, stopped bool, sink provider.Sink) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started, f.stopped, f.sink
}

// factory builds fakes and keeps every one it built, in order.
type factory struct {
	mu    sync.Mutex
	built []*fake
}

func (fa *factory) build(cfg smpp.Config) (provider.Provider, error) {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	f := &fake{name: cfg.Name, cfg: cfg}
	fa.built = append(fa.built, f)
	return f, nil
}

// of returns the fakes built for provider name, oldest first.
func (fa *factory) of(name string) []*fake {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	var out []*fake
	for _, f := range fa.built {
		if f.name == name {
			out = append(out, f)
		}
	}
	return out
}

// last returns the newest fake of provider name, or nil.
func (fa *factory) last(name string) *fake {
	fs := fa.of(name)
	if len(fs) == 0 {
		return nil
	}
	return fs[len(fs)-1]
}

// metricsSpy keeps the last bind counts it was given.
type metricsSpy struct {
	mu   sync.Mutex
	last map[string]map[string]int
}

func (m *metricsSpy) ProviderBinds(c map[string]map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = c
}

func (m *metricsSpy) get() map[string]map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// nullSink takes everything.
type nullSink struct{}

func (nullSink) Receipt(context.Context, provider.Receipt) error { return nil }
func (nullSink) Inbound(context.Context, provider.Inbound) error { return nil }

// env is a database with three numbers, an operator on it and a router
// that is not started yet.
type env struct {
	ctx     context.Context
	db      *store.DB
	op      *operator.Operator
	fa      *factory
	sandbox *fake
	metrics *metricsSpy
	logs    *syncBuffer
	cfg     router.Config
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.Small(dsn, 8))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i, id := range []string{"num_a", "num_b", "num_c"} {
		n := platform.Number{ID: id, E164: fmt.Sprintf("+1512555010%d", i), Status: redcloud.StatusActive, CreatedAt: time.Now()}
		if err := db.InsertNumber(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{ctx: ctx, db: db, op: operator.New(db, operator.Config{}), fa: &factory{}, sandbox: &fake{name: "sandbox"},
		metrics: &metricsSpy{}, logs: &syncBuffer{}}
	e.cfg = router.Config{Store: db, Sandbox: e.sandbox, SMPP: e.fa.build, Check: 20 * time.Millisecond,
		Heartbeat: 50 * time.Millisecond, FlushGap: 10 * time.Millisecond, Process: "proc_test",
		Logger: slog.New(slog.NewTextHandler(e.logs, nil)), Metrics: e.metrics}
	return e
}

// start starts a router with e's configuration, stopped when the test ends.
func (e *env) start(t *testing.T) *router.Router {
	t.Helper()
	r, err := router.New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(e.ctx, nullSink{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

func (e *env) addProvider(t *testing.T, name, url string, edit ...func(*operator.ProviderInput)) {
	t.Helper()
	in := operator.ProviderInput{Name: name, URL: url, Binds: 2, Window: operator.DefaultWindow, EnquireLink: operator.DefaultEnquireLink,
		DLRIDFormat: operator.DefaultDLRIDFormat, DCS0: operator.DefaultDCS0, Segmentation: operator.DefaultSegmentation}
	for _, f := range edit {
		f(&in)
	}
	if _, err := e.op.AddProvider(e.ctx, in); err != nil {
		t.Fatal(err)
	}
}

func (e *env) route(t *testing.T, number, provider string) {
	t.Helper()
	if _, _, err := e.op.RouteNumber(e.ctx, number, provider); err != nil {
		t.Fatal(err)
	}
}

// send sends a message from number and returns the provider's reference.
func send(r *router.Router, number string) (string, error) {
	return r.Send(context.Background(), provider.Message{ID: "msg_" + number, NumberID: number, To: "+15557654321"})
}

// waitRef waits until a message from number is sent with a reference
// starting with prefix (the provider's name).
func waitRef(t *testing.T, r *router.Router, number, prefix string) {
	t.Helper()
	var ref string
	var err error
	testwait.EventuallyDescribe(t, within, func() bool {
		ref, err = send(r, number)
		return err == nil && strings.HasPrefix(ref, prefix+"_")
	}, func() string {
		return fmt.Sprintf("send from %s: %q, %v; want it through %s", number, ref, err, prefix)
	})
}

// binds returns the live bind rows by "provider/bind" → state.
func (e *env) binds(t *testing.T) map[string]string {
	t.Helper()
	bs, err := e.db.ListProviderBinds(e.ctx, time.Now().Add(-platform.BindStaleAfter))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range bs {
		if b.Process != "proc_test" {
			t.Errorf("bind row of process %q", b.Process)
		}
		out[fmt.Sprintf("%s/%d", b.Provider, b.Bind)] = b.State
	}
	return out
}

func (e *env) waitBinds(t *testing.T, want map[string]string) {
	t.Helper()
	var got map[string]string
	testwait.EventuallyDescribe(t, within, func() bool { got = e.binds(t); return maps.Equal(got, want) },
		func() string { return fmt.Sprintf("binds %v, want %v", got, want) })
}

// TestRouterFollowsTheDatabase: messages go through their number's route,
// else the default; running routers pick up added, changed and removed
// providers, routes and the default without a restart, and keep every
// bind's state in the database.
func TestRouterFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	for _, db := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			testRouterFollowsTheDatabase(t, newEnv(t, db.dsn(t)))
		})
	}
}

func testRouterFollowsTheDatabase(t *testing.T, e *env) {
	e.addProvider(t, "acme", "smpps://acme:pw-acme@smsc.acme.example:3550", func(in *operator.ProviderInput) {
		in.MPS, in.SystemType, in.DLRIDFormat, in.DCS0, in.Segmentation = 25, "VMA", "hex", "latin1", "sar"
	})
	e.route(t, "num_a", "acme")
	e.route(t, "num_b", "sandbox")
	r := e.start(t)

	// Start built acme from its stored configuration and gave it the sink.
	acme := e.fa.last("acme")
	if acme == nil {
		t.Fatal("acme was not built at start")
	}
	c := acme.cfg
	if c.Name != "acme" || c.Host != "smsc.acme.example" || c.Port != 3550 || !c.TLS || c.SystemID != "acme" || c.Password != "pw-acme" ||
		c.SystemType != "VMA" || c.Binds != 2 || c.Window != 10 || c.MPS != 25 || c.EnquireLink != 30*time.Second ||
		c.DLRIDFormat != "hex" || c.DCS0 != "latin1" || c.Segmentation != "sar" || c.OnBindState == nil || c.Logger == nil {
		t.Errorf("smpp.Config = %+v", c)
	}
	for _, f := range []*fake{acme, e.sandbox} {
		if started, _, sink := f.state(); !started || sink == nil {
			t.Errorf("%s: started %v with sink %v", f.name, started, sink)
		}
	}
	e.waitBinds(t, map[string]string{"acme/0": "bound", "acme/1": "bound"})
	testwait.EventuallyDescribe(t, within, func() bool { return e.metrics.get()["acme"]["bound"] == 2 },
		func() string { return fmt.Sprintf("metrics %v", e.metrics.get()) })

	if ref, err := send(r, "num_a"); err != nil || ref != "acme_msg_num_a" {
		t.Errorf("num_a: %q, %v; want it through acme", ref, err)
	}
	if ref, err := send(r, "num_b"); err != nil || ref != "sandbox_msg_num_b" {
		t.Errorf("num_b: %q, %v; want it through the sandbox", ref, err)
	}
	// Production: no route, no default.
	_, err := send(r, "num_c")
	var perm *provider.PermanentError
	if !errors.As(err, &perm) || perm.Code != redcloud.FailureNoRoute || !strings.Contains(perm.Message, "num_c") {
		t.Errorf("num_c without a route or default: %v; want NO_ROUTE", err)
	}

	// A provider added and made the default while running.
	e.addProvider(t, "beta", "smpp://beta:pw-beta@10.0.0.5:2775", func(in *operator.ProviderInput) { in.Binds = 1 })
	if _, err := e.op.SetDefaultProvider(e.ctx, "beta"); err != nil {
		t.Fatal(err)
	}
	waitRef(t, r, "num_c", "beta")
	e.waitBinds(t, map[string]string{"acme/0": "bound", "acme/1": "bound", "beta/0": "bound"})

	// A route changed while running.
	e.route(t, "num_a", "beta")
	waitRef(t, r, "num_a", "beta")

	// A changed provider is stopped, then built again with its new
	// settings; the old one's late reports are ignored.
	if _, err := e.op.UpdateProvider(e.ctx, "acme", operator.ProviderUpdate{Binds: ptr(3)}); err != nil {
		t.Fatal(err)
	}
	testwait.EventuallyDescribe(t, within, func() bool { return len(e.fa.of("acme")) == 2 },
		func() string { return fmt.Sprintf("acme built %d times", len(e.fa.of("acme"))) })
	if _, stopped, _ := acme.state(); !stopped {
		t.Error("the old acme was not stopped")
	}
	if c := e.fa.last("acme").cfg; c.Binds != 3 {
		t.Errorf("new acme binds = %d", c.Binds)
	}
	acme.report(0, smpp.BindFailed, "late report of the old provider")
	e.waitBinds(t, map[string]string{"acme/0": "bound", "acme/1": "bound", "acme/2": "bound", "beta/0": "bound"})

	// A removed provider is stopped and its binds dropped.
	newAcme := e.fa.last("acme")
	if err := e.op.RemoveProvider(e.ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	testwait.EventuallyDescribe(t, within, func() bool { _, stopped, _ := newAcme.state(); return stopped },
		func() string { return "the removed acme is not stopped" })
	e.waitBinds(t, map[string]string{"beta/0": "bound"})

	// Stop stops everything and deletes this process's rows.
	r.Stop()
	for _, f := range []*fake{e.fa.last("beta"), e.sandbox} {
		if _, stopped, _ := f.state(); !stopped {
			t.Errorf("%s not stopped", f.name)
		}
	}
	if got := e.binds(t); len(got) != 0 {
		t.Errorf("binds after Stop: %v", got)
	}
	if _, err := send(r, "num_a"); err == nil {
		t.Error("a stopped router sent")
	}
}

func ptr[T any](v T) *T { return &v }

// TestRouterSandboxMode: in sandbox mode a number without a route or a
// default sends through the sandbox; a default still wins.
func TestRouterSandboxMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.cfg.SandboxMode = true
	r := e.start(t)
	if ref, err := send(r, "num_c"); err != nil || ref != "sandbox_msg_num_c" {
		t.Errorf("unrouted in sandbox mode: %q, %v", ref, err)
	}
	e.addProvider(t, "acme", "smpp://acme:pw@h:1")
	if _, err := e.op.SetDefaultProvider(e.ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	waitRef(t, r, "num_c", "acme")
}

// TestRouterProviderUnavailable: a provider that cannot be built fails its
// sends transiently (the retry schedule applies), and shows as a failed
// bind saying why; a password read from the environment reaches the
// provider, and a missing variable is named.
func TestRouterProviderUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.cfg.SMPP = nil // the default: not built in
	e.addProvider(t, "acme", "smpp://acme:pw@h:1")
	e.route(t, "num_a", "acme")
	r := e.start(t)
	_, err := send(r, "num_a")
	if _, perm := provider.IsPermanent(err); err == nil || perm || !errors.Is(err, router.ErrSMPPNotBuiltIn) {
		t.Errorf("send through an unbuilt provider: %v; want a transient error wrapping ErrSMPPNotBuiltIn", err)
	}
	if _, throttled := provider.IsThrottled(err); throttled {
		t.Errorf("an unbuildable provider throttles (%v): its messages would wait forever", err)
	}
	e.waitBinds(t, map[string]string{"acme/0": "failed"})
	bs, _ := e.db.ListProviderBinds(e.ctx, time.Now().Add(-time.Minute))
	if len(bs) != 1 || bs[0].LastError != "SMPP provider not built in" {
		t.Errorf("bind rows %+v", bs)
	}

	e2 := newEnv(t, storetest.SQLite(t))
	e2.cfg.Getenv = func(k string) string { return map[string]string{"BETA_PW": "from-env"}[k] }
	e2.addProvider(t, "beta", "smpp://beta@h:1", func(in *operator.ProviderInput) { in.PasswordEnv = "BETA_PW" })
	e2.addProvider(t, "gamma", "smpp://gamma@h:1", func(in *operator.ProviderInput) { in.PasswordEnv = "GAMMA_PW" })
	e2.route(t, "num_a", "gamma")
	r2 := e2.start(t)
	if b := e2.fa.last("beta"); b == nil || b.cfg.Password != "from-env" {
		t.Errorf("beta built with %+v", b)
	}
	if g := e2.fa.last("gamma"); g != nil {
		t.Error("gamma built without its password")
	}
	if _, err := send(r2, "num_a"); err == nil || !strings.Contains(err.Error(), "GAMMA_PW") {
		t.Errorf("send through gamma: %v; want the missing variable named", err)
	}
}

// TestRouterPasswordNeverRecorded: a bind error that quotes the password
// is stored and logged with the password hidden.
func TestRouterPasswordNeverRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.addProvider(t, "acme", "smpp://acme:S3CRETPW@h:1", func(in *operator.ProviderInput) { in.Binds = 1 })
	e.start(t)
	acme := e.fa.last("acme")
	acme.report(0, smpp.BindFailed, "bind refused for acme/S3CRETPW: ESME_RINVPASWD")
	e.waitBinds(t, map[string]string{"acme/0": "failed"})
	bs, _ := e.db.ListProviderBinds(e.ctx, time.Now().Add(-time.Minute))
	if len(bs) != 1 || bs[0].LastError != "bind refused for acme/[redacted]: ESME_RINVPASWD" {
		t.Errorf("bind rows %+v", bs)
	}
	if strings.Contains(e.logs.String(), "S3CRET") {
		t.Errorf("logs show the password:\n%s", e.logs.String())
	}
}

// TestRouterResume: each provider is told about the messages its routes
// send through it, and only those (the sandbox would otherwise invent
// receipts for a carrier's messages).
func TestRouterResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.cfg.SandboxMode = true
	e.addProvider(t, "acme", "smpp://acme:pw@h:1")
	e.route(t, "num_a", "acme")
	r := e.start(t)
	r.Resume(e.ctx, []provider.Message{{ID: "m1", NumberID: "num_a"}, {ID: "m2", NumberID: "num_b"}, {ID: "m3", NumberID: "num_a"}})
	acme := e.fa.last("acme")
	acme.mu.Lock()
	got := slices.Clone(acme.resumed)
	acme.mu.Unlock()
	e.sandbox.mu.Lock()
	sb := slices.Clone(e.sandbox.resumed)
	e.sandbox.mu.Unlock()
	if !slices.Equal(got, []string{"m1", "m3"}) || !slices.Equal(sb, []string{"m2"}) {
		t.Errorf("acme resumed %v, sandbox %v", got, sb)
	}
}

// TestRouterStopWaitsForSends: a provider being removed is stopped only
// after its sends in flight return.
func TestRouterStopWaitsForSends(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t))
	e.addProvider(t, "acme", "smpp://acme:pw@h:1")
	e.route(t, "num_a", "acme")
	r := e.start(t)
	acme := e.fa.last("acme")
	release := make(chan struct{})
	acme.mu.Lock()
	acme.inflight = release
	acme.mu.Unlock()
	done := make(chan error, 1)
	go func() { _, err := send(r, "num_a"); done <- err }()
	time.Sleep(50 * time.Millisecond) // the send is in flight
	e.route(t, "num_a", "")
	if err := e.op.RemoveProvider(e.ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // ten checks: the removal is seen
	if _, stopped, _ := acme.state(); stopped {
		t.Error("acme stopped with a send in flight")
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("the send in flight: %v", err)
	}
	testwait.EventuallyDescribe(t, within, func() bool { _, stopped, _ := acme.state(); return stopped },
		func() string { return "acme not stopped after its send returned" })
}

// TestBindStatesAgree: the states the SMPP provider reports are the ones
// operators' tools count.
func TestBindStatesAgree(t *testing.T) {
	if platform.BindBound != smpp.BindBound || platform.BindConnecting != smpp.BindConnecting || platform.BindFailed != smpp.BindFailed {
		t.Error("platform's bind states differ from smpp's")
	}
}
