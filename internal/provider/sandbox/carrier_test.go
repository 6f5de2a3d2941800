package sandbox_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
)

// TestCarrierMPS: the simulated carrier throttles a number's sends that come
// faster than its rate, for the time left, and meters each number alone.
func TestCarrierMPS(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := sandbox.New(0, sandbox.WithCarrierMPS(2))
		start(t, p, &sink{})
		send := func(from string) error {
			_, err := p.Send(context.Background(), provider.Message{ID: "m", From: from, To: plain, Attempt: 1})
			return err
		}
		if err := send("+15551234567"); err != nil {
			t.Fatalf("first send: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
		err := send("+15551234567")
		th, ok := provider.IsThrottled(err)
		if !ok {
			t.Fatalf("second send 100ms later: %v, want throttled", err)
		}
		if th.RetryAfter <= 0 || th.RetryAfter > 400*time.Millisecond {
			t.Errorf("RetryAfter %v, want the time left (≤ 400ms)", th.RetryAfter)
		}
		if err := send("+15557654321"); err != nil {
			t.Errorf("another number: %v, want its own meter", err)
		}
		time.Sleep(th.RetryAfter)
		if err := send("+15551234567"); err != nil {
			t.Errorf("after RetryAfter: %v", err)
		}
		if n := p.Throttles(); n != 1 {
			t.Errorf("Throttles() = %d, want 1", n)
		}
	})
}

// TestCarrierMPSOff: without the option (or with 0) nothing is throttled.
func TestCarrierMPSOff(t *testing.T) {
	t.Parallel()
	for _, p := range []*sandbox.Provider{sandbox.New(0), sandbox.New(0, sandbox.WithCarrierMPS(0))} {
		start(t, p, &sink{})
		for range 5 {
			if _, err := p.Send(context.Background(), provider.Message{ID: "m", From: "+15551234567", To: plain, Attempt: 1}); err != nil {
				t.Fatalf("send: %v", err)
			}
		}
		if p.Throttles() != 0 {
			t.Errorf("Throttles() = %d", p.Throttles())
		}
	}
}
