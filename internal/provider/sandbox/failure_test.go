package sandbox_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
)

// constant returns a random source that always draws x.
func constant(x float64) func() float64 { return func() float64 { return x } }

// TestFailureRateDefaultOff: without WithFailureRate nothing is injected.
func TestFailureRateDefaultOff(t *testing.T) {
	for _, p := range []*sandbox.Provider{sandbox.New(0), sandbox.New(0, sandbox.WithFailureRate(0))} {
		for range 500 {
			if _, err := p.Send(context.Background(), provider.Message{ID: "m", To: sandbox.NoReceipt, Attempt: 1}); err != nil {
				t.Fatalf("send without failure rate: %v", err)
			}
		}
		if n := p.Faults(); n != 0 {
			t.Errorf("Faults() = %d, want 0", n)
		}
	}
}

// TestFailureRateOne: every call fails with the transient ErrInjected —
// never a permanent error — and schedules no receipt.
func TestFailureRateOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := sandbox.New(0, sandbox.WithFailureRate(1))
		s := &sink{}
		start(t, p, s)
		for i, to := range []string{plain, sandbox.InvalidDestination, sandbox.CarrierRejected, sandbox.TransientTwice, sandbox.NoReceipt} {
			ref, err := p.Send(context.Background(), provider.Message{ID: "m", To: to, Attempt: 3})
			if !errors.Is(err, sandbox.ErrInjected) || ref != "" {
				t.Errorf("%s: ref %q err %v, want ErrInjected", to, ref, err)
			}
			if _, perm := provider.IsPermanent(err); perm {
				t.Errorf("%s: injected failure is permanent", to)
			}
			if n := p.Faults(); n != int64(i+1) {
				t.Errorf("Faults() = %d after %d sends, want %d", n, i+1, i+1)
			}
		}
		time.Sleep(time.Hour) // long past any receipt a send could have scheduled
		synctest.Wait()
		if got := s.got(); len(got) != 0 {
			t.Errorf("receipts after injected failures: %+v", got)
		}
	})
}

// TestFailureRateClamped: a rate outside 0–1 is clamped, NaN is 0.
func TestFailureRateClamped(t *testing.T) {
	for _, c := range []struct {
		rate   float64
		faults bool
	}{{-0.5, false}, {math.NaN(), false}, {2, true}, {math.Inf(1), true}} {
		p := sandbox.New(0, sandbox.WithFailureRate(c.rate), sandbox.WithRandom(constant(0.999)))
		_, err := p.Send(context.Background(), provider.Message{ID: "m", To: sandbox.NoReceipt, Attempt: 1})
		if got := errors.Is(err, sandbox.ErrInjected); got != c.faults {
			t.Errorf("rate %v: injected %v (err %v), want %v", c.rate, got, err, c.faults)
		}
	}
}

// TestFailureRateKeepsMagicRecipients: a call that is not picked behaves
// exactly as without a failure rate (CONTRACT §7); a picked one fails
// transiently whatever the recipient.
func TestFailureRateKeepsMagicRecipients(t *testing.T) {
	notPicked := sandbox.New(0, sandbox.WithFailureRate(0.5), sandbox.WithRandom(constant(0.5)))
	picked := sandbox.New(0, sandbox.WithFailureRate(0.5), sandbox.WithRandom(constant(0.4999)))
	start(t, notPicked, &sink{})
	for _, c := range []struct {
		to        string
		attempt   int
		permanent string
		transient bool
	}{
		{sandbox.InvalidDestination, 1, redcloud.FailureInvalidDestination, false},
		{sandbox.CarrierRejected, 1, "", false},
		{sandbox.TransientTwice, 1, "", true},
		{sandbox.TransientTwice, 2, "", true},
		{sandbox.TransientTwice, 3, "", false},
		{sandbox.NoReceipt, 1, "", false},
		{sandbox.UpstreamUnavailable, 4, "", true},
		{plain, 1, "", false},
	} {
		m := provider.Message{ID: "msg_1", To: c.to, Attempt: c.attempt}
		ref, err := notPicked.Send(context.Background(), m)
		perm, isPerm := provider.IsPermanent(err)
		switch {
		case errors.Is(err, sandbox.ErrInjected):
			t.Errorf("%s attempt %d: injected although the draw was not below the rate", c.to, c.attempt)
		case c.permanent != "":
			if !isPerm || perm.Code != c.permanent {
				t.Errorf("%s attempt %d: err %v, want permanent %s", c.to, c.attempt, err, c.permanent)
			}
		case c.transient:
			if err == nil || isPerm {
				t.Errorf("%s attempt %d: err %v, want the recipient's transient error", c.to, c.attempt, err)
			}
		default:
			if err != nil || ref == "" {
				t.Errorf("%s attempt %d: ref %q err %v, want sent", c.to, c.attempt, ref, err)
			}
		}
		if _, err := picked.Send(context.Background(), m); !errors.Is(err, sandbox.ErrInjected) {
			t.Errorf("%s attempt %d on a picked call: err %v, want ErrInjected", c.to, c.attempt, err)
		}
	}
	if n := notPicked.Faults(); n != 0 {
		t.Errorf("Faults() = %d on a provider never picked", n)
	}
}

// TestFailureRateSeeded: with a seeded source the faults are repeatable and
// their share is close to the rate; concurrent calls are safe and counted.
func TestFailureRateSeeded(t *testing.T) {
	const rate, calls = 0.3, 4000
	run := func() ([]bool, int64) {
		p := sandbox.New(0, sandbox.WithFailureRate(rate), sandbox.WithRandom(rand.New(rand.NewPCG(7, 11)).Float64))
		out := make([]bool, calls)
		for i := range out {
			_, err := p.Send(context.Background(), provider.Message{ID: "m", To: sandbox.NoReceipt, Attempt: 1})
			out[i] = errors.Is(err, sandbox.ErrInjected)
		}
		return out, p.Faults()
	}
	a, na := run()
	b, nb := run()
	count := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d: the same seed gave different outcomes", i)
		}
		if a[i] {
			count++
		}
	}
	if na != int64(count) || nb != na {
		t.Errorf("Faults() = %d and %d, %d calls failed", na, nb, count)
	}
	if share := float64(count) / calls; share < 0.25 || share > 0.35 {
		t.Errorf("%d of %d calls failed (%.3f), want about %.2f", count, calls, share, rate)
	}

	// Concurrent senders (the pipeline's): counted exactly, no race.
	p := sandbox.New(0, sandbox.WithFailureRate(rate), sandbox.WithRandom(rand.New(rand.NewPCG(1, 2)).Float64))
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 250 {
				_, err := p.Send(context.Background(), provider.Message{ID: "m", To: sandbox.NoReceipt, Attempt: 1})
				if errors.Is(err, sandbox.ErrInjected) {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if p.Faults() != int64(failed) || failed == 0 {
		t.Errorf("concurrent: Faults() = %d, %d calls failed", p.Faults(), failed)
	}
}
