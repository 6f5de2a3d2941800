package redcloud_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
)

// TestTransientRetriedSameKeySameBytes: 500, 502 and 429 are retried with
// the same key and byte-identical bodies until the send succeeds, and the
// attempts (statuses, waits, reasons) are on the result.
func TestTransientRetriedSameKeySameBytes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault  string
		status int
		waits  string
		reason string
	}{
		{"server_error", 500, "[250ms 500ms 1s]", "retry after 500 SERVER_ERROR"},
		{"upstream_error", 502, "[250ms 500ms 1s]", "retry after 502 UPSTREAM_ERROR"},
		{"rate_limited", 429, "[1s 1s 1s]", "retry after 429 RATE_LIMITED"}, // Retry-After: 1 honoured
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.faultOn(sendPath, tc.fault, 1, 2, 3)
			res, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164, redcloud.SandboxInvalidDestination))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			sends := e.rec.requests(sendPath)
			if len(sends) != 4 {
				t.Fatalf("send requests = %d, want 4", len(sends))
			}
			for i, s := range sends[1:] {
				if s.key != sends[0].key {
					t.Errorf("attempt %d key %q, first %q", i+2, s.key, sends[0].key)
				}
				if !bytes.Equal(s.body, sends[0].body) {
					t.Errorf("attempt %d body differs:\n%s\n%s", i+2, s.body, sends[0].body)
				}
			}
			if res.IdempotencyKey != sends[0].key || len(res.IdempotencyKey) != 27 {
				t.Errorf("result key %q, sent %q; want a generated rc_ key", res.IdempotencyKey, sends[0].key)
			}
			want := fmt.Sprint([]int{tc.status, tc.status, tc.status, 202})
			if got := fmt.Sprint(statuses(res.Attempts)); got != want {
				t.Errorf("attempt statuses = %s, want %s", got, want)
			}
			if got := fmt.Sprint(e.sleep.recorded()); got != tc.waits {
				t.Errorf("waits = %s, want %s", got, tc.waits)
			}
			for i, a := range res.Attempts {
				if a.Number != i+1 || a.RequestID == "" || a.RequestTime.IsZero() {
					t.Errorf("attempt %d = %+v", i+1, a)
				}
				if i > 0 && (a.Reason != tc.reason || a.Delay != e.sleep.recorded()[i-1]) {
					t.Errorf("attempt %d reason %q delay %v", i+1, a.Reason, a.Delay)
				}
			}
			if res.Replayed {
				t.Error("Replayed on a first acceptance")
			}
			if ids := e.messageIDsFor(res.IdempotencyKey); !slices.Equal(ids, sorted(res.MessageIDs())) {
				t.Errorf("stored messages %v, result %v", ids, res.MessageIDs())
			}
		})
	}
}

// TestRetriesBounded: a failure that persists is tried MaxAttempts times in
// all, and the error shows each attempt.
func TestRetriesBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(redcloud.PathNumbers, "server_error")
	_, err := e.client(func(c *redcloud.Config) { c.Retry.MaxAttempts = 3 }).Numbers(e.ctx)
	ae := asAPIError(t, err)
	if got := fmt.Sprint(statuses(ae.Attempts)); got != "[500 500 500]" {
		t.Errorf("attempts %s, want three 500s", got)
	}
	if n := len(e.rec.requests(redcloud.PathNumbers)); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
}

// TestRetryAfterAboveCap: a server asking for a wait longer than the cap
// gets a typed error carrying the asked delay, and nobody sleeps.
func TestRetryAfterAboveCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.rec.intercept = func(r *http.Request, n int) (*http.Response, error) {
		if r.URL.Path != sendPath {
			return nil, nil
		}
		return response(r, http.StatusTooManyRequests, "application/json",
			`{"error":{"code":"RATE_LIMITED","message":"slow down","details":{}},"requestId":"req_x"}`,
			"Retry-After", "120", redcloud.HeaderOutcome, redcloud.OutcomeNotProcessed), nil
	}
	_, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164))
	var ra *redcloud.RetryAfterError
	if !errors.As(err, &ra) {
		t.Fatalf("err = %v (%T), want *RetryAfterError", err, err)
	}
	if ra.RetryAfter != 120*time.Second || ra.MaxDelay != redcloud.DefaultMaxDelay {
		t.Errorf("RetryAfter %v MaxDelay %v, want 2m0s and 10s", ra.RetryAfter, ra.MaxDelay)
	}
	if got := e.sleep.recorded(); len(got) != 0 {
		t.Errorf("slept %v; want no sleep", got)
	}
	if n := len(e.rec.requests(sendPath)); n != 1 {
		t.Errorf("send requests = %d, want 1", n)
	}
	if redcloud.Classify(err) != redcloud.RateLimited || redcloud.Advise(err) != redcloud.Retry {
		t.Errorf("Classify %s Advise %s", redcloud.Classify(err), redcloud.Advise(err))
	}
	if ae := asAPIError(t, err); ae.RequestID != "req_x" || len(ae.Attempts) != 1 {
		t.Errorf("the 429 inside: %+v", ae)
	}
}

// TestContextEndStopsRetries: once the caller's context ends, no further
// attempt is made, and the error says why.
func TestContextEndStopsRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(sendPath, "server_error")
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	e.sleep.onSleep = cancel // the context ends during the first backoff
	_, err := e.client().Send(ctx, sms(numberID, "hi", numberE164))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to match context.Canceled", err)
	}
	if ae := asAPIError(t, err); ae.StatusCode != 500 {
		t.Errorf("last failure %d, want the 500", ae.StatusCode)
	}
	if n := len(e.rec.requests(sendPath)); n != 1 {
		t.Errorf("send requests = %d, want 1", n)
	}
	// A context that ends during an attempt: no wait, no further attempt.
	e2 := newEnv(t)
	ctx2, cancel2 := context.WithCancel(e2.ctx)
	defer cancel2()
	e2.rec.alter = func(r *http.Request, res *http.Response) {
		if r.URL.Path == sendPath {
			cancel2()
		}
	}
	e2.faultOn(sendPath, "server_error")
	_, err = e2.client().Send(ctx2, sms(numberID, "hi", numberE164))
	if !errors.Is(err, context.Canceled) || len(e2.rec.requests(sendPath)) != 1 || len(e2.sleep.recorded()) != 0 {
		t.Errorf("err %v after %d sends and waits %v; want context.Canceled, 1 send, no wait",
			err, len(e2.rec.requests(sendPath)), e2.sleep.recorded())
	}

	// A context that already ended makes no request at all.
	before := len(e.rec.requests(""))
	if _, err := e.client().WhoAmI(ctx); err == nil {
		t.Error("a call with an ended context succeeded")
	}
	if after := len(e.rec.requests("")); after != before {
		t.Errorf("a call with an ended context made %d requests", after-before)
	}
}

// TestRetryBudget: the per-client budget stops retries across calls during
// an outage instead of multiplying the load.
func TestRetryBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(redcloud.PathWhoAmI, "server_error")
	c := e.client(func(c *redcloud.Config) { c.Retry.Budget = 2 })
	_, err := c.WhoAmI(e.ctx)
	if !errors.Is(err, redcloud.ErrRetryBudgetExhausted) {
		t.Errorf("first call: err = %v, want ErrRetryBudgetExhausted", err)
	}
	if n := len(e.rec.requests(redcloud.PathWhoAmI)); n != 3 {
		t.Errorf("first call made %d requests, want 3 (1 + the budget's 2 retries)", n)
	}
	_, err = c.WhoAmI(e.ctx)
	if !errors.Is(err, redcloud.ErrRetryBudgetExhausted) || redcloud.Classify(err) != redcloud.Transient {
		t.Errorf("second call: err = %v", err)
	}
	if n := len(e.rec.requests(redcloud.PathWhoAmI)); n != 4 {
		t.Errorf("after the second call %d requests, want 4 (no retry left)", n)
	}
	// Every call earns a tenth of a retry (BudgetRatio 0.1): the second call
	// earned 0.1, eight more earn 0.8 and still cannot retry, the tenth can.
	before := len(e.rec.requests(redcloud.PathWhoAmI))
	for range 8 {
		_, _ = c.WhoAmI(e.ctx)
	}
	if n := len(e.rec.requests(redcloud.PathWhoAmI)) - before; n != 8 {
		t.Errorf("eight calls on an empty budget made %d requests, want 8", n)
	}
	before = len(e.rec.requests(redcloud.PathWhoAmI))
	_, _ = c.WhoAmI(e.ctx)
	if n := len(e.rec.requests(redcloud.PathWhoAmI)) - before; n != 2 {
		t.Errorf("the tenth call made %d requests, want 2 (one earned retry)", n)
	}
}

// TestUnreachableServer: no connection means a *TransportError that
// certainly did nothing; it is retried like any transient failure.
func TestUnreachableServer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	c := e.client(func(c *redcloud.Config) { c.BaseURL = dead.URL })
	_, err := c.WhoAmI(e.ctx)
	var te *redcloud.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want *TransportError", err, err)
	}
	if te.MaybeProcessed || te.Endpoint != tokenPath || len(te.Attempts) != redcloud.DefaultMaxAttempts {
		t.Errorf("MaybeProcessed %v Endpoint %s attempts %d", te.MaybeProcessed, te.Endpoint, len(te.Attempts))
	}
	if redcloud.Classify(err) != redcloud.Transient || redcloud.Advise(err) != redcloud.Retry {
		t.Errorf("Classify %s", redcloud.Classify(err))
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
