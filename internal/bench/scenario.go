package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

// descriptions say what each scenario (and the baseline) measures.
var descriptions = map[string]string{
	"baseline":         "bare net/http handler: decode the send-1 JSON, answer the 202 body; no auth, no storage",
	ScenarioToken:      "POST /api/auth/token, client credentials (HTTP Basic): a new token each time",
	ScenarioWhoAmI:     "GET /api/core/whoami with the bearer token",
	ScenarioSend1:      "POST /api/core/messages/send, 1 recipient, a new Idempotency-Key each time (202 after commit)",
	ScenarioSend10:     "POST /api/core/messages/send, 10 recipients, a new Idempotency-Key each time",
	ScenarioSendReplay: "POST /api/core/messages/send, one key and payload replayed: the stored 202",
	ScenarioE2E:        "open loop: send (1 recipient) to message.delivery webhook received",
	ScenarioSMPP:       "the e2e open loop through SMPP: send, submit_sm to the SMSC simulator, its receipt, message.delivery webhook received",
	ScenarioDispatch:   "webhook deliveries per second to a fast local receiver, after a burst of sends",
}

// runner runs the scenarios against one server.
type runner struct {
	cfg     Config
	db      string // the started server's database; "" when driving a running one
	e2eRes  *Result
	t       *target
	workers bool      // the server runs workers: wait for its queues between scenarios
	rcv     *receiver // the webhook receiver, once a scenario needed it
}

// progress writes one progress line.
func (r *runner) progress(format string, args ...any) {
	fmt.Fprintf(r.cfg.Progress, "bench: "+format+"\n", args...)
}

// closed runs a closed-loop scenario, made by mk for the workers' raw
// connections, and turns its tally into a Result.
func (r *runner) closed(ctx context.Context, name string, mk func([]*loadWorker) op) Result {
	ws := r.t.workers(r.cfg.Concurrency)
	defer closeWorkers(ws)
	t := closedLoop(ctx, r.cfg.Concurrency, r.cfg.Warmup, r.cfg.Duration, mk(ws))
	return resultOf(name, "requests/s", t)
}

// resultOf makes a Result of a tally.
func resultOf(name, unit string, t tally) Result {
	res := Result{Scenario: name, Description: descriptions[name], Unit: unit, Requests: t.requests, OK: t.ok,
		Errors: t.requests - t.ok, ErrorKinds: t.errors, Seconds: t.elapsed.Seconds(), Latency: Summarize(t.samples),
		Timeline: t.timeline, Histogram: histogram(t.samples)}
	if t.elapsed > 0 {
		res.Throughput = float64(t.ok) / t.elapsed.Seconds()
	}
	return res
}

// scenario runs one scenario by name.
func (r *runner) scenario(ctx context.Context, name string) Result {
	t := r.t
	switch name {
	case ScenarioToken:
		return r.closed(ctx, name, t.tokenOp)
	case ScenarioWhoAmI:
		return r.closed(ctx, name, t.whoamiOp)
	case ScenarioSend1:
		return r.closed(ctx, name, func(ws []*loadWorker) op { return t.sendOp(ws, name, 1, false) })
	case ScenarioSend10:
		res := r.closed(ctx, name, func(ws []*loadWorker) op { return t.sendOp(ws, name, 10, false) })
		res.Notes = append(res.Notes, fmt.Sprintf("%s messages accepted per second (10 per request)", thousands(res.Throughput*10)))
		return res
	case ScenarioSendReplay:
		if err := t.sendDiscard(ctx, t.sendBody(0, 1), t.key(name, 0)); err != nil {
			return skipped(name, "the first send failed: "+errorKind(err))
		}
		return r.closed(ctx, name, func(ws []*loadWorker) op { return t.sendOp(ws, name, 1, true) })
	case ScenarioE2E:
		return r.e2e(ctx)
	case ScenarioSMPP:
		return r.smpp(ctx)
	case ScenarioDispatch:
		return r.dispatch(ctx)
	}
	return skipped(name, "unknown scenario")
}

// skipped is the Result of a scenario that could not run.
func skipped(name, why string) Result {
	return Result{Scenario: name, Description: descriptions[name], Skipped: why}
}

// useReceiver starts the webhook receiver and makes it the client's delivery
// URL, once.
func (r *runner) useReceiver(ctx context.Context) error {
	if r.rcv != nil {
		return nil
	}
	rcv, err := newReceiver()
	if err != nil {
		return fmt.Errorf("start the webhook receiver: %w", err)
	}
	secret, err := r.t.setDeliveryURL(ctx, rcv.url)
	if err != nil {
		rcv.close()
		return err
	}
	rcv.setSecret(secret)
	r.rcv = rcv
	return nil
}

// closeReceiver clears the client's delivery URL and stops the receiver.
func (r *runner) closeReceiver() {
	if r.rcv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.t.setDeliveryURL(ctx, ""); err != nil {
		r.progress("clear the delivery webhook URL: %v", err)
	}
	r.rcv.close()
}

// settle waits until the server's queues are empty, so that one scenario's
// backlog does not load the next; it gives up when the queues stop
// shrinking for 10 s or after 2 minutes.
func (r *runner) settle(ctx context.Context) {
	if !r.workers {
		return
	}
	start := time.Now()
	best, since := -1, start
	for ctx.Err() == nil {
		depth, ok := r.t.queueDepth(ctx)
		if !ok || depth == 0 {
			if time.Since(start) > time.Second {
				r.progress("queues empty after %s", time.Since(start).Round(100*time.Millisecond))
			}
			return
		}
		if best < 0 || depth < best {
			best, since = depth, time.Now()
		}
		if time.Since(since) > 10*time.Second || time.Since(start) > 2*time.Minute {
			r.progress("queues still hold %d rows after %s; going on", depth, time.Since(start).Round(time.Second))
			return
		}
		sleep(ctx, 200*time.Millisecond)
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// e2e sends at cfg.E2ERate for cfg.Duration, open loop, and measures each
// message from just before its send request to its message.delivery webhook.
func (r *runner) e2e(ctx context.Context) Result {
	return r.openLoop(ctx, ScenarioE2E)
}

// openLoop is the e2e scenario's measurement, reported under name.
func (r *runner) openLoop(ctx context.Context, name string) Result {
	if err := r.useReceiver(ctx); err != nil {
		return skipped(name, err.Error())
	}
	r.rcv.take()
	t := r.t
	interval := time.Duration(float64(time.Second) / r.cfg.E2ERate)
	n := int(r.cfg.Duration / interval)
	inflight := make(chan struct{}, max(4*r.cfg.Concurrency, 256))
	var (
		mu       sync.Mutex
		sentAt   = make(map[string]time.Time, n)
		sendLat  = make([]time.Duration, 0, n)
		sendErrs tally
		late     atomic.Int64
		dropped  int64
		wg       sync.WaitGroup
	)
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		sleep(ctx, time.Until(at))
		if ctx.Err() != nil {
			break
		}
		select {
		case inflight <- struct{}{}:
		default:
			dropped++ // more sends in flight than the bound: the server is far behind
			continue
		}
		wg.Go(func() {
			defer func() { <-inflight }()
			seq := int64(i + 1)
			t0 := time.Now()
			if t0.Sub(at) > 10*time.Millisecond {
				late.Add(1)
			}
			out, err := t.send(ctx, t.sendBody(seq, 1), t.key(name, seq))
			t1 := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err == nil && len(out.Results) != 1 {
				err = fmt.Errorf("send accepted %d recipients, not 1", len(out.Results))
			}
			if err != nil {
				sendErrs.fail(err)
				return
			}
			sentAt[out.Results[0].MessageID] = t0
			sendLat = append(sendLat, t1.Sub(t0))
		})
	}
	wg.Wait()
	sendEnd := time.Now()
	accepted := len(sentAt)
	wait := max(30*time.Second, r.cfg.Duration)
	for r.rcv.terminals() < accepted && time.Since(sendEnd) < wait && ctx.Err() == nil {
		sleep(ctx, 20*time.Millisecond)
	}
	arrivals, rejected := r.rcv.take()

	var lat []time.Duration
	var timeline []float64
	var last time.Time
	failed := 0
	seen := make(map[string]bool, accepted)
	for _, a := range arrivals {
		t0, ours := sentAt[a.messageID]
		if !ours || seen[a.messageID] {
			continue
		}
		switch a.eventType {
		case webhook.TypeDelivery:
			seen[a.messageID] = true
			lat = append(lat, a.at.Sub(t0))
			timeline = count(timeline, int(a.at.Sub(start)/time.Second), 1)
			last = a.at
		case webhook.TypeFailed:
			seen[a.messageID] = true
			failed++
		}
	}
	res := Result{Scenario: name, Description: descriptions[name], Unit: "messages/s",
		Requests: int64(n), OK: int64(len(lat)), ErrorKinds: sendErrs.errors, Latency: Summarize(lat),
		Timeline: timeline, Histogram: histogram(lat)}
	if !last.IsZero() {
		res.Seconds = last.Sub(start).Seconds()
		res.Throughput = float64(len(lat)) / res.Seconds
	}
	addErr := func(kind string, count int64) {
		if count <= 0 {
			return
		}
		if res.ErrorKinds == nil {
			res.ErrorKinds = map[string]int64{}
		}
		res.ErrorKinds[kind] += count
	}
	addErr("send not started: more than "+fmt.Sprint(cap(inflight))+" sends in flight", dropped)
	addErr("message.failed webhook instead of message.delivery", int64(failed))
	addErr(fmt.Sprintf("no message.delivery webhook within %s of the last send", wait), int64(accepted-len(lat)-failed))
	addErr("webhook delivery rejected by the receiver (signature or body)", rejected)
	for _, v := range res.ErrorKinds {
		res.Errors += v
	}
	sl := Summarize(sendLat)
	res.Notes = append(res.Notes,
		fmt.Sprintf("offered %s sends/s for %s: %s scheduled, %s accepted (send latency p50 %s, p99 %s), %s delivered and matched by messageId",
			thousands(r.cfg.E2ERate), r.cfg.Duration, thousands(float64(n)), thousands(float64(accepted)),
			fmtDuration(sl.P50), fmtDuration(sl.P99), thousands(float64(len(lat)))),
		"latency: from just before the send request to the message.delivery webhook's arrival at the local receiver; throughput: matched deliveries / (last arrival - first send)")
	if l := late.Load(); l > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d sends started more than 10 ms after their scheduled time (load generator short of CPU)", l))
	}
	return res
}

// dispatch measures webhook deliveries per second: with the receiver
// configured it sends a burst of messages as fast as the server accepts them
// (10 recipients per send), each message making three deliveries
// (message.queued, message.sent, message.delivery), and counts the
// deliveries that arrive in the window after the burst, while the pipeline
// works off the backlog.
func (r *runner) dispatch(ctx context.Context) Result {
	const name = ScenarioDispatch
	if err := r.useReceiver(ctx); err != nil {
		return skipped(name, err.Error())
	}
	r.rcv.take()
	t := r.t
	sends := max(10, int(100*r.cfg.Duration.Seconds())) // 1,000 messages per second of window
	var (
		next   atomic.Int64
		mu     sync.Mutex
		ours   = make(map[string]bool, sends*10)
		burst  tally
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	start := time.Now()
	for range min(r.cfg.Concurrency, sends) {
		wg.Go(func() {
			for ctx.Err() == nil {
				seq := next.Add(1)
				if seq > int64(sends) {
					return
				}
				out, err := t.send(ctx, t.sendBody(seq*10, 10), t.key(name, seq))
				mu.Lock()
				burst.requests++
				if err != nil {
					burst.fail(err)
					failed.Add(1)
				} else {
					burst.ok++
					for _, a := range out.Results {
						ours[a.MessageID] = true
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	burstEnd := time.Now()
	expected := 3 * len(ours)
	windowEnd := burstEnd.Add(r.cfg.Duration)
	for r.rcv.count() < expected && time.Now().Before(windowEnd) && ctx.Err() == nil {
		sleep(ctx, 10*time.Millisecond)
	}
	// Let the rest of the backlog drain, so the next step starts quiet.
	for r.rcv.count() < expected && time.Since(burstEnd) < 3*r.cfg.Duration && ctx.Err() == nil {
		sleep(ctx, 50*time.Millisecond)
	}
	arrivals, rejected := r.rcv.take()
	var total, during, after int
	var last time.Time // the last arrival of all
	var timeline []float64
	for _, a := range arrivals {
		if !ours[a.messageID] {
			continue
		}
		total++
		timeline = count(timeline, int(a.at.Sub(start)/time.Second), 1)
		if a.at.After(last) {
			last = a.at
		}
		switch {
		case !a.at.After(burstEnd):
			during++
		case !a.at.After(windowEnd):
			after++
		}
	}
	res := Result{Scenario: name, Description: descriptions[name], Unit: "deliveries/s",
		Requests: int64(expected), ErrorKinds: burst.errors, Timeline: timeline} // errors: failed sends and rejected deliveries
	burstSecs := burstEnd.Sub(start).Seconds()
	var windowSecs float64
	if total >= expected && !last.After(windowEnd) {
		windowSecs = last.Sub(burstEnd).Seconds() // all arrived within the window
	} else {
		windowSecs = r.cfg.Duration.Seconds()
	}
	method := "after the burst"
	if expected-during < expected/10 || windowSecs <= 0 {
		// The dispatcher kept up with the burst: there was no backlog to time.
		method = "over the burst and what followed (the dispatcher kept up, so there was little backlog)"
		after = during + after
		windowSecs = burstSecs + max(windowSecs, 0)
	}
	res.OK = int64(after)
	res.Seconds = windowSecs
	if windowSecs > 0 {
		res.Throughput = float64(after) / windowSecs
	}
	if rejected > 0 {
		if res.ErrorKinds == nil {
			res.ErrorKinds = map[string]int64{}
		}
		res.ErrorKinds["webhook delivery rejected by the receiver (signature or body)"] += rejected
	}
	for _, v := range res.ErrorKinds {
		res.Errors += v
	}
	res.Notes = append(res.Notes,
		fmt.Sprintf("method: %s sends of 10 recipients (%s messages accepted in %.1fs, %s messages/s) with the receiver configured, 3 deliveries per message (queued, sent, delivery): %s expected",
			thousands(float64(sends)), thousands(float64(len(ours))), burstSecs, thousands(float64(len(ours))/burstSecs), thousands(float64(expected))),
		fmt.Sprintf("%s delivered during the burst; throughput = deliveries arriving %s / %.2fs; %s of %s arrived in all",
			thousands(float64(during)), method, windowSecs, thousands(float64(total)), thousands(float64(expected))),
		"no latency: the deliveries queue behind the burst, so their wait measures the backlog, not the dispatcher")
	if missing := expected - total; missing > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%s deliveries had not arrived %s after the burst, when the bench stopped waiting (slow, not failed: not counted as errors)",
			thousands(float64(missing)), 3*r.cfg.Duration))
	}
	return res
}

// baseline drives the baseline server with the send-1 request.
func baseline(ctx context.Context, cfg Config, t *target) Result {
	r := &runner{cfg: cfg, t: t}
	return r.closed(ctx, "baseline", func(ws []*loadWorker) op { return t.sendOp(ws, ScenarioSend1, 1, false) })
}
