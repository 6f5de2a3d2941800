package chaos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud"
)

// attemptRec is one HTTP request the client made, as its transport saw it.
type attemptRec struct {
	path     string
	key      string // Idempotency-Key
	start    time.Time
	end      time.Time
	status   int    // 0 when no response arrived
	outcome  string // X-RedCloud-Outcome
	replayed bool   // Idempotent-Replayed: true
	err      error
	conns    int // connections the transport used: >1 means it resent the request itself
	// unknown: the server said the outcome is unknown (its COMMIT failed), an
	// honest answer without the not_processed promise.
	unknown bool
}

// ambiguous reports whether the attempt may have been processed without the
// client learning it: no response, a response from a retried request, or an
// error response without the not_processed promise.
func (a attemptRec) ambiguous() bool {
	return a.err != nil || a.conns > 1 || a.status >= 300 && a.outcome != redcloud.OutcomeNotProcessed
}

// recorder is the client's http.RoundTripper: it records every attempt.
type recorder struct {
	base http.RoundTripper

	mu    sync.Mutex
	all   []attemptRec
	byKey map[string][]int // indexes into all, in order
}

func newRecorder() *recorder {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &recorder{base: tr, byKey: map[string][]int{}}
}

func (rc *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	a := attemptRec{path: req.URL.Path, key: req.Header.Get(redcloud.HeaderIdempotencyKey), start: time.Now()}
	var conns atomic.Int32
	ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { conns.Add(1) },
	})
	res, err := rc.base.RoundTrip(req.WithContext(ctx))
	a.end, a.err, a.conns = time.Now(), err, int(conns.Load())
	if res != nil {
		a.status = res.StatusCode
		a.outcome = res.Header.Get(redcloud.HeaderOutcome)
		a.replayed = strings.EqualFold(res.Header.Get(redcloud.HeaderReplayed), "true")
		if res.StatusCode >= 500 && a.outcome == "" {
			b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
			res.Body.Close()
			res.Body = io.NopCloser(bytes.NewReader(b))
			a.unknown = strings.Contains(string(b), "the outcome is unknown")
		}
	}
	rc.mu.Lock()
	rc.all = append(rc.all, a)
	if a.key != "" {
		rc.byKey[a.key] = append(rc.byKey[a.key], len(rc.all)-1)
	}
	rc.mu.Unlock()
	return res, err
}

func (rc *recorder) attempts() []attemptRec {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.all)
}

// Recipients: ordinary numbers, and the magic ones of the sandbox provider
// whose end states differ (CONTRACT §7).
const (
	carrierRejected = "+15005550002"
	transientTwice  = "+15005550003"
	noReceipt       = "+15005550004"
)

// op is one business operation: one idempotency key, one payload.
type op struct {
	n   int
	key string
	req redcloud.SendRequest

	ids      []string // the messageIds the client got, in order
	calls    int      // Send calls made for it (the first included)
	accepted bool

	kw      *keywordSend                 // set for a send to a person who texts keywords
	results []redcloud.AcceptedRecipient // the first acceptance's
	errors  []redcloud.RecipientError    // the first acceptance's refused recipients
}

// newOp builds operation n's payload: 1–3 distinct recipients, each an
// ordinary number or one of the magic ones, drawn from a source seeded by n
// so a run is repeatable.
func newOp(run string, n int) *op {
	r := rand.New(rand.NewPCG(uint64(n), 0x5eed))
	count := 1 + r.IntN(3)
	var to []string
	for len(to) < count {
		var rcpt string
		switch x := r.IntN(20); {
		case x < 3:
			rcpt = carrierRejected
		case x < 6:
			rcpt = transientTwice
		case x < 9:
			rcpt = noReceipt
		default:
			rcpt = fmt.Sprintf("+1555%07d", r.IntN(10_000_000))
		}
		if !slices.Contains(to, rcpt) {
			to = append(to, rcpt)
		}
	}
	key := fmt.Sprintf("op-%d", n)
	return &op{n: n, key: key, req: redcloud.SendRequest{
		SendFrom: demoNumber, To: to, MessageType: "SMS",
		Text: fmt.Sprintf("chaos %s operation %d", run, n), ExternalReference: key,
	}}
}

// driver runs the business operations from several goroutines, each with a
// client of its own process (the PostgreSQL restart runs two processes) or
// all with one.
type driver struct {
	run     string
	clients []*redcloud.Client
	pause   time.Duration

	next atomic.Int64

	mu         sync.Mutex
	ops        map[string]*op
	calls      int // Send calls in all, replay checks included
	retries    int // attempts beyond the first within a call (the client's own retries)
	callAgain  int // Send calls made again by the driver after a call failed
	ambiguous  int // calls that ended with the outcome unknown
	budgetOut  int // calls that stopped because the retry budget was spent
	replays    int // replay checks: an accepted operation sent again
	unexpected []string
	nUnexp     int
}

func newDriver(run string, clients []*redcloud.Client, pause time.Duration) *driver {
	return &driver{run: run, clients: clients, pause: pause, ops: map[string]*op{}}
}

// work starts operations until load ends, and completes each one it started
// until it is accepted or finish ends.
func (d *driver) work(load, finish context.Context, worker int) {
	c := d.clients[worker%len(d.clients)]
	r := rand.New(rand.NewPCG(uint64(worker), 77))
	for load.Err() == nil {
		o := newOp(d.run, int(d.next.Add(1)))
		d.mu.Lock()
		d.ops[o.key] = o
		d.mu.Unlock()
		d.complete(finish, c, o, r, false)
		if o.accepted && r.IntN(10) == 0 {
			// Sent again, as a client that lost track would: the stored
			// response, nothing new queued.
			d.complete(finish, c, o, r, true)
		}
		sleepCtx(load, d.pause)
	}
}

// complete sends o until it is accepted: the client retries within its
// policy and budget; when it gives up with a transient or ambiguous error,
// the same key and payload are sent again a little later.
func (d *driver) complete(ctx context.Context, c *redcloud.Client, o *op, r *rand.Rand, replay bool) {
	for first := true; ctx.Err() == nil; first = false {
		res, err := c.Send(ctx, o.req, redcloud.WithIdempotencyKey(o.key))
		d.count(res, err, first)
		d.mu.Lock()
		o.calls++
		d.mu.Unlock()
		if err == nil {
			d.accept(o, res, replay)
			return
		}
		if ctx.Err() != nil {
			return
		}
		var ra *redcloud.RetryAfterError
		if redcloud.Advise(err) != redcloud.Retry && !errors.As(err, &ra) {
			d.problem("%s: %s: %v", o.key, redcloud.Classify(err), err)
		}
		sleepCtx(ctx, time.Duration(100+r.IntN(300))*time.Millisecond)
	}
}

func (d *driver) count(res *redcloud.SendResult, err error, first bool) {
	var attempts []redcloud.Attempt
	if res != nil {
		attempts = res.Attempts
	} else {
		attempts = attemptsOf(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if !first {
		d.callAgain++
	}
	if len(attempts) > 1 {
		d.retries += len(attempts) - 1
	}
	if err != nil && redcloud.Ambiguous(err) {
		d.ambiguous++
	}
	if errors.Is(err, redcloud.ErrRetryBudgetExhausted) {
		d.budgetOut++
	}
}

func (d *driver) accept(o *op, res *redcloud.SendResult, replay bool) {
	ids := res.MessageIDs()
	d.mu.Lock()
	defer d.mu.Unlock()
	// Only a person who texts keywords may be refused, and only as opted out.
	refusedOK := o.kw != nil && len(res.Errors) == 1 && res.Errors[0].To == o.kw.to &&
		res.Errors[0].Code == redcloud.CodeForbidden && res.Errors[0].Reason == "recipient_opted_out"
	if len(res.Errors) != 0 && !refusedOK || len(ids)+len(res.Errors) != len(o.req.To) {
		d.problemLocked("%s: accepted %d of %d recipients, errors %+v", o.key, len(ids), len(o.req.To), res.Errors)
	}
	if replay {
		d.replays++
		if !res.Replayed || !slices.Equal(ids, o.ids) || !slices.Equal(res.Errors, o.errors) {
			d.problemLocked("%s sent again: replayed %v, messageIds %v, errors %+v; first acceptance %v, %+v",
				o.key, res.Replayed, ids, res.Errors, o.ids, o.errors)
		}
		return
	}
	o.ids, o.accepted, o.results, o.errors = ids, true, res.Results, res.Errors
}

func (d *driver) problem(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.problemLocked(format, args...)
}

func (d *driver) problemLocked(format string, args ...any) {
	d.nUnexp++
	if len(d.unexpected) < 20 {
		d.unexpected = append(d.unexpected, fmt.Sprintf(format, args...))
	}
}

// attemptsOf returns the attempts recorded on a failed send's error.
func attemptsOf(err error) []redcloud.Attempt {
	var ae *redcloud.APIError
	var te *redcloud.TransportError
	switch {
	case errors.As(err, &ae):
		return ae.Attempts
	case errors.As(err, &te):
		return te.Attempts
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
