package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// newHTTPClient returns the load generator's client: no proxy, no
// compression, no redirects, and a Transport that keeps concurrency idle
// connections to the one host, so that a closed loop reuses its connections
// instead of opening one per request.
func newHTTPClient(concurrency int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// statusError is a non-2xx answer.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

// errorKind names an error for the report's error counts: the status and
// the start of the body, or the transport error.
func errorKind(err error) string {
	var se *statusError
	if errors.As(err, &se) {
		return truncate(se.Error(), 160)
	}
	return truncate("transport: "+err.Error(), 160)
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// exchange sends req and reads the whole answer, so that the connection is
// reused; it returns the body of a 2xx answer and a *statusError otherwise.
func exchange(hc *http.Client, req *http.Request) (*http.Response, []byte, error) {
	res, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	if err != nil {
		return res, nil, fmt.Errorf("read answer: %w", err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res, body, &statusError{status: res.StatusCode, body: string(body)}
	}
	return res, body, nil
}

// op is one request of a closed-loop scenario by worker w (0 to
// concurrency-1, one connection each); seq numbers the requests of one run
// from 1. It returns nil for a successful (2xx) answer.
type op func(ctx context.Context, w int, seq int64) error

// tally is what a load run counted.
type tally struct {
	requests int64            // requests started in the measured window
	ok       int64            // of which answered 2xx
	errors   map[string]int64 // the others, by kind
	samples  []time.Duration  // latency of each successful request
	timeline []float64        // successes by second of the window they ended in
	elapsed  time.Duration    // from the window's start to the last answer
}

func (t *tally) fail(err error) {
	if t.errors == nil {
		t.errors = map[string]int64{}
	}
	t.errors[errorKind(err)]++
}

func (t *tally) merge(o *tally) {
	t.requests += o.requests
	t.ok += o.ok
	for k, v := range o.errors {
		if t.errors == nil {
			t.errors = map[string]int64{}
		}
		t.errors[k] += v
	}
	t.samples = append(t.samples, o.samples...)
	for i, v := range o.timeline {
		t.timeline = count(t.timeline, i, v)
	}
}

// count adds v to second i of a timeline.
func count(timeline []float64, i int, v float64) []float64 {
	for len(timeline) <= i {
		timeline = append(timeline, 0)
	}
	timeline[i] += v
	return timeline
}

// closedLoop runs concurrency workers, each calling do again as soon as the
// previous call returned, for warmup and then duration; calls started in the
// warmup are not counted. Workers stop starting calls when the time is up or
// ctx ends; calls in flight then finish and are counted.
func closedLoop(ctx context.Context, concurrency int, warmup, duration time.Duration, do op) tally {
	var seq atomic.Int64
	start := time.Now()
	from := start.Add(warmup)
	end := from.Add(duration)
	lastSecond := max(int((duration-1)/time.Second), 0)
	tallies := make([]tally, concurrency)
	lasts := make([]time.Time, concurrency)
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Go(func() {
			t := &tallies[w]
			t.samples = make([]time.Duration, 0, 1024)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				err := do(ctx, w, seq.Add(1))
				t1 := time.Now()
				if t0.Before(from) {
					continue
				}
				lasts[w] = t1
				t.requests++
				if err != nil {
					t.fail(err)
					continue
				}
				t.ok++
				t.samples = append(t.samples, t1.Sub(t0))
				// An answer after the window's end (its request started
				// inside) counts in the last second, not in a partial one
				// that would draw as a drop to almost nothing.
				t.timeline = count(t.timeline, min(int(t1.Sub(from)/time.Second), lastSecond), 1)
			}
		})
	}
	wg.Wait()
	var out tally
	last := from
	for w := range tallies {
		out.merge(&tallies[w])
		if lasts[w].After(last) {
			last = lasts[w]
		}
	}
	out.elapsed = last.Sub(from)
	return out
}
