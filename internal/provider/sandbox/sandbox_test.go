package sandbox_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
)

// TestMain fails the package when a receipt goroutine outlives Stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const plain = "+15551230000"

// Compile-time: the sandbox is a provider that resumes receipts.
var (
	_ provider.Provider = (*sandbox.Provider)(nil)
	_ provider.Resumer  = (*sandbox.Provider)(nil)
)

// sink records receipts; answer, when set, decides what Receipt returns.
type sink struct {
	mu       sync.Mutex
	receipts []provider.Receipt
	calls    []time.Time
	answer   func(n int, r provider.Receipt) error // n: 1-based call count
	block    chan struct{}                         // when set, Receipt waits for it (ignoring ctx)
	entered  chan struct{}
}

func (s *sink) Receipt(ctx context.Context, r provider.Receipt) error {
	if s.entered != nil {
		select {
		case s.entered <- struct{}{}:
		default:
		}
	}
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, time.Now())
	if s.answer != nil {
		if err := s.answer(len(s.calls), r); err != nil {
			return err
		}
	}
	s.receipts = append(s.receipts, r)
	return nil
}

func (s *sink) Inbound(context.Context, provider.Inbound) error { return nil }

func (s *sink) got() []provider.Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]provider.Receipt(nil), s.receipts...)
}

func (s *sink) callTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.calls...)
}

func start(t *testing.T, p *sandbox.Provider, s provider.Sink) {
	t.Helper()
	if err := p.Start(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
}

// TestSendOutcomes: the recipient and the attempt number decide the outcome
// (CONTRACT §7).
func TestSendOutcomes(t *testing.T) {
	p := sandbox.New(0)
	start(t, p, &sink{})
	for _, c := range []struct {
		to        string
		attempt   int
		permanent string // failure code of a permanent error
		transient bool
	}{
		{sandbox.InvalidDestination, 1, redcloud.FailureInvalidDestination, false},
		{sandbox.InvalidDestination, 3, redcloud.FailureInvalidDestination, false},
		{sandbox.CarrierRejected, 1, "", false},
		{sandbox.TransientTwice, 1, "", true},
		{sandbox.TransientTwice, 2, "", true},
		{sandbox.TransientTwice, 3, "", false},
		{sandbox.TransientTwice, 4, "", false},
		{sandbox.NoReceipt, 1, "", false},
		{sandbox.UpstreamUnavailable, 1, "", true},
		{sandbox.UpstreamUnavailable, 7, "", true},
		{plain, 1, "", false},
	} {
		ref, err := p.Send(context.Background(), provider.Message{ID: "msg_1", To: c.to, From: "+15551234567", Attempt: c.attempt})
		perm, isPerm := provider.IsPermanent(err)
		switch {
		case c.permanent != "":
			if !isPerm || perm.Code != c.permanent || perm.Message == "" || ref != "" {
				t.Errorf("%s attempt %d: ref %q err %v; want permanent %s", c.to, c.attempt, ref, err, c.permanent)
			}
		case c.transient:
			if err == nil || isPerm || ref != "" {
				t.Errorf("%s attempt %d: ref %q err %v; want a transient error", c.to, c.attempt, ref, err)
			}
		default:
			if err != nil || !strings.HasPrefix(ref, "sbx_") || len(ref) != len("sbx_")+26 || ref != strings.ToLower(ref) {
				t.Errorf("%s attempt %d: ref %q err %v; want sbx_ + 26 lower-case characters", c.to, c.attempt, ref, err)
			}
		}
	}
}

// TestSendRefsUnique: every accepted send gets its own reference.
func TestSendRefsUnique(t *testing.T) {
	p := sandbox.New(0)
	seen := map[string]bool{}
	for range 100 {
		ref, err := p.Send(context.Background(), provider.Message{ID: "msg_1", To: sandbox.NoReceipt, Attempt: 1})
		if err != nil || seen[ref] {
			t.Fatalf("ref %q err %v: want a fresh reference", ref, err)
		}
		seen[ref] = true
	}
}

// TestSendDelay: a send takes the configured delay and ends early when its
// context does. The tests that wait run in a synctest bubble: its clock
// advances only when every goroutine waits, so durations are exact and
// nothing sleeps for real.
func TestSendDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const delay = 50 * time.Millisecond
		p := sandbox.New(delay)
		began := time.Now()
		if _, err := p.Send(context.Background(), provider.Message{ID: "m", To: sandbox.NoReceipt, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(began); took != delay {
			t.Errorf("send took %v, want %v", took, delay)
		}

		slow := sandbox.New(time.Hour)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		began = time.Now()
		ref, err := slow.Send(ctx, provider.Message{ID: "m", To: plain, Attempt: 1})
		if !errors.Is(err, context.Canceled) || ref != "" {
			t.Errorf("cancelled send: ref %q err %v, want context.Canceled", ref, err)
		}
		if took := time.Since(began); took != 20*time.Millisecond {
			t.Errorf("cancelled send took %v, want the 20ms until its context ended", took)
		}
	})

	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := sandbox.New(0).Send(done, provider.Message{ID: "m", To: plain, Attempt: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("send on a cancelled context without delay: err %v, want context.Canceled", err)
	}
}

// TestReceipts: delivered and carrier-rejected receipts reach the sink with
// the message id and the reference; no receipt for +15005550004, none for
// refused sends.
func TestReceipts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const delay = 10 * time.Millisecond
		p := sandbox.New(delay)
		s := &sink{}
		start(t, p, s)
		send := func(id, to string) string {
			ref, err := p.Send(context.Background(), provider.Message{ID: id, To: to, Attempt: 1})
			if err != nil {
				t.Fatalf("send %s: %v", to, err)
			}
			return ref
		}
		// Those that must never produce a receipt go first.
		send("msg_none", sandbox.NoReceipt)
		p.Send(context.Background(), provider.Message{ID: "msg_invalid", To: sandbox.InvalidDestination, Attempt: 1})
		p.Send(context.Background(), provider.Message{ID: "msg_unavailable", To: sandbox.UpstreamUnavailable, Attempt: 1})
		sentAt := time.Now()
		okRef := send("msg_ok", plain)
		rejRef := send("msg_rej", sandbox.CarrierRejected)
		time.Sleep(time.Hour) // far past every receipt's delay
		synctest.Wait()
		got := map[string]provider.Receipt{}
		for _, r := range s.got() {
			if _, dup := got[r.MessageID]; dup {
				t.Errorf("two receipts for %s", r.MessageID)
			}
			got[r.MessageID] = r
		}
		if len(got) != 2 {
			t.Errorf("receipts for %v, want msg_ok and msg_rej only", got)
		}
		// Each send waits the delay, and so does its receipt.
		if r := got["msg_ok"]; r.ProviderRef != okRef || !r.Delivered || r.FailureCode != "" || !r.At.Equal(sentAt.Add(2*delay)) {
			t.Errorf("receipt of msg_ok = %+v, want delivered, ref %s, at %v", r, okRef, sentAt.Add(2*delay))
		}
		if r := got["msg_rej"]; r.ProviderRef != rejRef || r.Delivered || r.FailureCode != redcloud.FailureCarrierRejected || r.FailureText == "" {
			t.Errorf("receipt of msg_rej = %+v, want CARRIER_REJECTED, ref %s", r, rejRef)
		}
	})
}

// TestReceiptRetriedWhileNotYetSent: a sink answering ErrNotYetSent gets
// the receipt again shortly, until it takes it.
func TestReceiptRetriedWhileNotYetSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := sandbox.New(time.Millisecond)
		s := &sink{answer: func(n int, _ provider.Receipt) error {
			if n <= 2 {
				return provider.ErrNotYetSent
			}
			return nil
		}}
		start(t, p, s)
		if _, err := p.Send(context.Background(), provider.Message{ID: "msg_1", To: plain, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		calls := s.callTimes()
		if len(calls) != 3 || len(s.got()) != 1 {
			t.Fatalf("sink called %d times, took %d receipts; want the receipt taken on the third call", len(calls), len(s.got()))
		}
		for i := 1; i < len(calls); i++ {
			if gap := calls[i].Sub(calls[i-1]); gap < 20*time.Millisecond {
				t.Errorf("retry %d came %v after the previous call; want a pause between tries", i, gap)
			}
		}
	})
}

// TestReceiptOtherErrorNotRetried: an error other than ErrNotYetSent ends
// the receipt (the sink owns its failures).
func TestReceiptOtherErrorNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := sandbox.New(time.Millisecond)
		s := &sink{answer: func(int, provider.Receipt) error { return errors.New("boom") }}
		start(t, p, s)
		p.Send(context.Background(), provider.Message{ID: "msg_1", To: plain, Attempt: 1})
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := len(s.callTimes()); n != 1 {
			t.Errorf("sink called %d times, want 1", n)
		}
	})
}

// TestStopWaitsForReceipts: Stop returns only after a receipt being handed
// to the sink returned; pending receipts are abandoned, and sends after Stop
// schedule none.
func TestStopWaitsForReceipts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := sandbox.New(time.Millisecond)
		s := &sink{block: make(chan struct{}), entered: make(chan struct{}, 1)}
		start(t, p, s)
		p.Send(context.Background(), provider.Message{ID: "msg_1", To: plain, Attempt: 1})
		<-s.entered // the bubble would report a deadlock if it never came
		stopped := make(chan struct{})
		go func() { p.Stop(); close(stopped) }()
		synctest.Wait() // Stop is blocked, or returned
		select {
		case <-stopped:
			t.Fatal("Stop returned while the sink was still handling a receipt")
		default:
		}
		close(s.block)
		<-stopped
		if len(s.got()) != 1 {
			t.Errorf("receipts = %v, want the one in flight", s.got())
		}

		// A pending receipt (still waiting its delay) is abandoned by Stop.
		slow := sandbox.New(time.Hour)
		s2 := &sink{}
		start(t, slow, s2)
		// (Resume schedules a receipt without the hour-long send.)
		slow.Resume(context.Background(), []provider.Message{{ID: "msg_2", To: plain}})
		began := time.Now()
		slow.Stop()
		if took := time.Since(began); took != 0 {
			t.Errorf("Stop took %v with a receipt an hour away; want it abandoned", took)
		}
		if len(s2.got()) != 0 {
			t.Errorf("abandoned receipt delivered: %v", s2.got())
		}

		// After Stop, sends schedule nothing.
		if _, err := p.Send(context.Background(), provider.Message{ID: "msg_3", To: plain, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := len(s.callTimes()); n != 1 {
			t.Errorf("sink called %d times after a send on a stopped provider, want still 1", n)
		}
		p.Stop() // idempotent
	})
}

// TestResume: receipts of messages sent before a restart are scheduled
// again, by message id (the reference is not known).
func TestResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := sandbox.New(time.Millisecond)
		s := &sink{}
		start(t, p, s)
		p.Resume(context.Background(), []provider.Message{
			{ID: "msg_a", To: plain}, {ID: "msg_b", To: sandbox.CarrierRejected}, {ID: "msg_c", To: sandbox.NoReceipt},
		})
		time.Sleep(time.Hour)
		synctest.Wait()
		got := map[string]provider.Receipt{}
		for _, r := range s.got() {
			got[r.MessageID] = r
		}
		if len(got) != 2 || !got["msg_a"].Delivered || got["msg_b"].Delivered || got["msg_b"].FailureCode != redcloud.FailureCarrierRejected {
			t.Errorf("resumed receipts = %+v; want msg_a delivered, msg_b CARRIER_REJECTED, none for msg_c", got)
		}
	})
}

// TestStopBeforeStart and Send without Start: no receipts, no goroutines,
// no panic.
func TestWithoutStart(t *testing.T) {
	p := sandbox.New(0)
	p.Stop()
	if _, err := p.Send(context.Background(), provider.Message{ID: "m", To: plain, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	p.Resume(context.Background(), []provider.Message{{ID: "m", To: plain}})
}
