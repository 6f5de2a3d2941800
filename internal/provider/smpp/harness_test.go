package smpp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// TestMain fails the package when a goroutine outlives Stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	provName = "carrier"
	from     = "+15550000001"
)

// sink records what the provider hands to the platform. Like the
// pipeline's sink it refuses a receipt with provider.ErrNotYetSent until
// the message is marked sent (Send returned), and it can be told to fail.
type sink struct {
	mu         sync.Mutex
	sent       map[string]bool
	receipts   []provider.Receipt
	refused    int // ErrNotYetSent answers
	inbound    []provider.Inbound
	inboundErr int // fail this many Inbound calls
	// sendAfter > 0: a message refused once is marked sent this long
	// after that refusal, as the platform's commit of SENT would land.
	sendAfter   time.Duration
	refusedAt   map[string]time.Time // first refusal per message
	deliveredAt map[string]time.Time // receipt taken
}

func newSink() *sink {
	return &sink{sent: map[string]bool{}, refusedAt: map[string]time.Time{}, deliveredAt: map[string]time.Time{}}
}

func (s *sink) markSent(id string) {
	s.mu.Lock()
	s.sent[id] = true
	s.mu.Unlock()
}

func (s *sink) Receipt(_ context.Context, r provider.Receipt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.sent[r.MessageID] {
		s.refused++
		if _, again := s.refusedAt[r.MessageID]; !again {
			s.refusedAt[r.MessageID] = time.Now()
			if s.sendAfter > 0 {
				time.AfterFunc(s.sendAfter, func() { s.markSent(r.MessageID) })
			}
		}
		return provider.ErrNotYetSent
	}
	if _, again := s.deliveredAt[r.MessageID]; !again {
		s.deliveredAt[r.MessageID] = time.Now()
	}
	s.receipts = append(s.receipts, r)
	return nil
}

func (s *sink) Inbound(_ context.Context, in provider.Inbound) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inboundErr > 0 {
		s.inboundErr--
		return errors.New("platform: database unavailable")
	}
	s.inbound = append(s.inbound, in)
	return nil
}

func (s *sink) receiptsFor(id string) []provider.Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []provider.Receipt
	for _, r := range s.receipts {
		if r.MessageID == id {
			out = append(out, r)
		}
	}
	return out
}

func (s *sink) inbounds() []provider.Inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]provider.Inbound(nil), s.inbound...)
}

// states records bind state changes.
type states struct {
	mu  sync.Mutex
	all []smpp.BindState
}

func (s *states) record(b smpp.BindState) {
	s.mu.Lock()
	s.all = append(s.all, b)
	s.mu.Unlock()
}

func (s *states) list() []smpp.BindState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smpp.BindState(nil), s.all...)
}

func (s *states) count(state string) int {
	n := 0
	for _, b := range s.list() {
		if b.State == state {
			n++
		}
	}
	return n
}

// logBuffer collects the provider's log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env is a provider bound to its own simulator, with a real store.
type env struct {
	t       *testing.T
	smsc    *smsc.SMSC
	db      *store.DB
	sink    *sink
	metrics *smpp.Counters
	states  *states
	log     *logBuffer
	prov    *smpp.Provider
	cfg     smpp.Config
}

// newEnv starts a simulator with opts and a provider with fast timings,
// changed by cfg; it waits for the first bind unless the config is meant
// to fail.
func newEnv(t *testing.T, cfg func(*smpp.Config), opts ...smsc.Option) *env {
	t.Helper()
	e := &env{t: t, smsc: smsc.Start(t, opts...), sink: newSink(), metrics: &smpp.Counters{}, states: &states{}, log: &logBuffer{}}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "smpp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	e.cfg = smpp.Config{
		Name: provName, Host: "127.0.0.1", Port: e.smsc.Port(), SystemID: smsc.DefaultSystemID, Password: smsc.DefaultPassword,
		EnquireLink: time.Second, BindTimeout: 2 * time.Second, ResponseTimeout: 5 * time.Second,
		RebindMin: 50 * time.Millisecond, RebindMax: 400 * time.Millisecond, ThrottlePause: 300 * time.Millisecond,
		Store: db, Metrics: e.metrics, OnBindState: e.states.record,
		Logger: slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if cfg != nil {
		cfg(&e.cfg)
	}
	p, err := smpp.New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.prov = p
	if err := p.Start(context.Background(), e.sink); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("provider log:\n%s", e.log.String())
		}
	})
	return e
}

// waitBound waits until n binds are bound.
func (e *env) waitBound(n int) {
	e.t.Helper()
	eventually(e.t, 10*time.Second, func() bool {
		bound := 0
		for _, s := range e.prov.States() {
			if s.State == smpp.BindBound {
				bound++
			}
		}
		return bound >= n
	}, func() string { return fmt.Sprintf("bind states %+v", e.prov.States()) })
}

var msgSeq struct {
	mu sync.Mutex
	n  int
}

// msg returns a new message to dest with text.
func msg(to, text string) provider.Message {
	msgSeq.mu.Lock()
	msgSeq.n++
	n := msgSeq.n
	msgSeq.mu.Unlock()
	return provider.Message{ID: fmt.Sprintf("msg_%08d", n), From: from, To: to, MessageType: "SMS", Text: text, Attempt: 1}
}

// send sends m with a timeout and marks it sent in the sink on success,
// as the pipeline records SENT.
func (e *env) send(m provider.Message, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ref, err := e.prov.Send(ctx, m)
	if err == nil {
		e.sink.markSent(m.ID)
	}
	return ref, err
}

// mustSend sends m and fails the test on an error.
func (e *env) mustSend(m provider.Message) string {
	e.t.Helper()
	ref, err := e.send(m, 10*time.Second)
	if err != nil {
		e.t.Fatalf("send %s: %v", m.ID, err)
	}
	return ref
}

// waitReceipt waits for message id's receipt.
func (e *env) waitReceipt(id string) provider.Receipt {
	e.t.Helper()
	var got []provider.Receipt
	eventually(e.t, 10*time.Second, func() bool { got = e.sink.receiptsFor(id); return len(got) > 0 },
		func() string { return "no receipt for " + id })
	return got[0]
}

func (e *env) counter(name string) int64 { return e.metrics.Get(provName, name) }

// eventually polls cond until it holds or fails the test after d.
func eventually(t *testing.T, d time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
