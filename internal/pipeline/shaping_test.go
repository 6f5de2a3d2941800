package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// Throughput shaping end to end (issue 15): the API accepts, the pipeline
// claims against the buckets in the database, and a recording provider
// notes when each message reached it. Rates are real time (a few seconds a
// test); the checks allow for a busy machine's scheduling (shapeSlack) and
// never assert how fast anything ran.

// shapeSlack is how much later than its claim a send may reach the
// provider on a loaded machine (the claim shapes; the provider sees the
// send after two reads): a window of one interval less this slack must
// never hold more submits than the rate allows.
const shapeSlack = 300 * time.Millisecond

// submit is one Send the recorder saw.
type submit struct {
	ID, NumberID, Type string
	At                 time.Time // the test's clock
	Err                error     // what the recorder answered
	By                 string    // which process sent it (two-process test)
}

// recorder is a provider that takes every message (and sends no receipts:
// tests wait for SENT) and records each submit at the test's clock. answer,
// when set, may refuse a send: n is the 1-based count of m's sends.
type recorder struct {
	now    func() time.Time
	name   string
	answer func(m provider.Message, n int) error

	mu   *sync.Mutex
	subs *[]submit
}

func newRecorder(now func() time.Time) *recorder {
	return &recorder{now: now, mu: &sync.Mutex{}, subs: &[]submit{}}
}

// sharing returns a recorder for another process that writes to r's log.
func (r *recorder) sharing(name string) *recorder {
	c := *r
	c.name = name
	return &c
}

func (r *recorder) Send(_ context.Context, m provider.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 1
	for _, s := range *r.subs {
		if s.ID == m.ID {
			n++
		}
	}
	var err error
	if r.answer != nil {
		err = r.answer(m, n)
	}
	*r.subs = append(*r.subs, submit{ID: m.ID, NumberID: m.NumberID, Type: m.MessageType, At: r.now(), Err: err, By: r.name})
	if err != nil {
		return "", err
	}
	return "rec_" + m.ID, nil
}

func (r *recorder) Start(context.Context, provider.Sink) error { return nil }
func (r *recorder) Stop()                                      {}

// all returns every submit so far, in the order they came.
func (r *recorder) all() []submit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(*r.subs)
}

// taken returns the submits the recorder accepted, of the messages ids
// (none: all), in the order they came.
func (r *recorder) taken(ids ...string) []submit {
	var out []submit
	for _, s := range r.all() {
		if s.Err == nil && (len(ids) == 0 || slices.Contains(ids, s.ID)) {
			out = append(out, s)
		}
	}
	return out
}

// waitTaken waits until the recorder has accepted every message of ids
// and returns their submits.
func (r *recorder) waitTaken(t *testing.T, ids []string) []submit {
	t.Helper()
	eventually(t, waitFor, func() bool { return len(r.taken(ids...)) >= len(ids) },
		func() string {
			return fmt.Sprintf("provider took %d of %d messages:%s", len(r.taken(ids...)), len(ids), describe(r.all()))
		})
	return r.taken(ids...)
}

// describe lists submits with their time after the first.
func describe(subs []submit) string {
	var b strings.Builder
	for _, s := range subs {
		fmt.Fprintf(&b, "\n  +%v %s %s %s err=%v %s", s.At.Sub(subs[0].At).Round(time.Millisecond), s.ID, s.NumberID, s.Type, s.Err, s.By)
	}
	return b.String()
}

// checkRate fails the test when the submits (of cost segments each) beat
// rate segments/s: when a second holds more than rate/cost of them, or,
// for a submit that takes a second or more, when two come closer than its
// interval; each window less shapeSlack.
func checkRate(t *testing.T, subs []submit, rate float64, cost int64, what string) {
	t.Helper()
	per := time.Duration(float64(cost) * float64(time.Second) / rate) // one submit's interval
	n := 1
	if per < time.Second {
		n = int(time.Second / per)
	}
	window := time.Duration(n)*per - shapeSlack
	for i := range subs {
		in := 0
		for j := i; j < len(subs) && subs[j].At.Sub(subs[i].At) < window; j++ {
			in++
		}
		if in > n {
			t.Errorf("%s: %d submits within %v from submit %d, want at most %d (%v segments/s, %d segments each):%s",
				what, in, window, i+1, n, rate, cost, describe(subs))
			return
		}
	}
}

// checkOrder fails the test unless the submits came in the order of ids.
func checkOrder(t *testing.T, subs []submit, ids []string, what string) {
	t.Helper()
	var got []string
	for _, s := range subs {
		if slices.Contains(ids, s.ID) {
			got = append(got, s.ID)
		}
	}
	if !slices.Equal(got, ids) {
		t.Errorf("%s: provider saw %v, want acceptance order %v", what, got, ids)
	}
}

// setMPS sets a number's own rate.
func setMPS(t *testing.T, db *store.DB, number string, mps float64) {
	t.Helper()
	r := &mps
	must(t, db.SetNumberAttrs(context.Background(), number, store.NumberAttrs{MPS: &r}))
}

// sendAs sends messages of messageType with text from number `from` as the
// client of token, one to each of n recipients numbered from first, and
// returns their ids in recipient order.
func (e *env) sendAs(t *testing.T, token, from, messageType, text string, first, n int) []string {
	t.Helper()
	to := make([]string, n)
	for i := range to {
		to[i] = recipient(first + i)
	}
	body := map[string]any{"sendFrom": from, "to": to, "messageType": messageType}
	if text != "" {
		body["text"] = text
	}
	if messageType == redcloud.MessageTypeMMS {
		body["mediaUrls"] = []string{"https://example.com/cat.jpg"}
	}
	as := *e
	as.token = token
	status, b := as.call(t, http.MethodPost, "/api/core/messages/send", body, redcloud.HeaderIdempotencyKey, "idem_"+randomHex(8))
	if status != http.StatusAccepted {
		t.Fatalf("send: %d %s", status, b)
	}
	var res redcloud.SendResponse
	mustJSON(t, b, &res)
	if len(res.Results) != n || len(res.Errors) != 0 {
		t.Fatalf("send: %s; want %d results and no errors", b, n)
	}
	ids := make([]string, n)
	for i, r := range res.Results {
		ids[i] = r.MessageID
	}
	return ids
}

// recipient is the i-th recipient sendAs uses.
func recipient(i int) string { return fmt.Sprintf("+1555124%04d", i) }

// stored reads a message from the store.
func (e *env) stored(t *testing.T, id string) platform.Message {
	t.Helper()
	m, _, err := e.db.GetMessage(e.ctx, clientID, id)
	must(t, err)
	return m
}

// shapingEnv is newEnvOn with the recorder as the provider and now as the
// clock of the API and the pipeline.
func shapingEnv(t *testing.T, dsn string, rec *recorder, opts ...envOption) *env {
	t.Helper()
	return newEnvOn(t, dsn, append([]envOption{
		withPipeline(func(c *pipeline.Config) { c.Provider, c.Now = rec, rec.now }),
		withAPI(func(c *httpapi.Config) { c.Now = rec.now }),
	}, opts...)...)
}

// TestShapingOneMPS: ten one-segment messages on a number of 1 segment/s
// reach the provider one a second, at t ≈ 0…9 s, in acceptance order.
func TestShapingOneMPS(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, dsn string) {
		t.Parallel()
		rec := newRecorder(time.Now)
		e := shapingEnv(t, dsn, rec)
		setMPS(t, e.db, numberID, 1)
		ids := e.sendAs(t, e.token, numberID, redcloud.MessageTypeSMS, "hello", 0, 10)
		subs := rec.waitTaken(t, ids)
		checkOrder(t, rec.all(), ids, "1 MPS")
		checkRate(t, subs, 1, 1, "1 MPS")
		if span := subs[9].At.Sub(subs[0].At); span < 9*time.Second-shapeSlack {
			t.Errorf("ten messages at 1/s went in %v, want about 9 s:%s", span, describe(subs))
		}
		for _, id := range ids {
			// The provider has it; its SENT write may still be committing.
			eventually(t, 10*time.Second, func() bool { return e.stored(t, id).Status != redcloud.MessageQueued },
				func() string { return "message " + id + " still QUEUED after the provider took it" })
			if m := e.stored(t, id); m.Status != redcloud.MessageSent || m.Attempts != 1 || m.QueuedUntil != nil {
				t.Errorf("message %s: status %s, attempts %d, queuedUntil %v; want SENT after one attempt, no longer waiting",
					id, m.Status, m.Attempts, m.QueuedUntil)
			}
		}
	})
}

// TestShapingSegmentsCost: five three-segment messages at 1 segment/s take
// 3 s each: the last goes 12 s after the first.
func TestShapingSegmentsCost(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("segment ", 50) // 400 GSM-7 characters
	if n := redcloud.Segments(text).Segments; n != 3 {
		t.Fatalf("text has %d segments, want 3", n)
	}
	forEachDB(t, func(t *testing.T, dsn string) {
		t.Parallel()
		rec := newRecorder(time.Now)
		e := shapingEnv(t, dsn, rec)
		setMPS(t, e.db, numberID, 1)
		ids := e.sendAs(t, e.token, numberID, redcloud.MessageTypeSMS, text, 0, 5)
		subs := rec.waitTaken(t, ids)
		checkOrder(t, rec.all(), ids, "three segments at 1/s")
		checkRate(t, subs, 1, 3, "three segments at 1/s")
		if span := subs[4].At.Sub(subs[0].At); span < 12*time.Second-shapeSlack {
			t.Errorf("five three-segment messages at 1 segment/s went in %v, want about 12 s:%s", span, describe(subs))
		}
	})
}

// TestShapingCampaignShared: two numbers of one campaign (120 segments a
// minute, 2/s) share its rate: together never more than 2 a second.
func TestShapingCampaignShared(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, dsn string) {
		t.Parallel()
		rec := newRecorder(time.Now)
		e := shapingEnv(t, dsn, rec)
		// Both sandbox numbers are registered to the sandbox campaign; the
		// numbers themselves are unlimited.
		must(t, e.db.SetCampaign(e.ctx, platform.Campaign{ID: redcloud.SandboxCampaignID, SMSTPM: 120}, time.Now()))
		a := e.sendAs(t, e.token, numberID, redcloud.MessageTypeSMS, "from a", 0, 6)
		b := e.sendAs(t, otherToken(t, e), redcloud.SandboxOtherNumberID, redcloud.MessageTypeSMS, "from b", 100, 6)
		subs := rec.waitTaken(t, append(slices.Clone(a), b...))
		checkRate(t, subs, 2, 1, "campaign at 2/s, two numbers")
		checkOrder(t, rec.all(), a, "number a")
		checkOrder(t, rec.all(), b, "number b")
		if span := subs[11].At.Sub(subs[0].At); span < 5500*time.Millisecond-shapeSlack {
			t.Errorf("twelve messages of one campaign at 2/s went in %v, want about 5.5 s:%s", span, describe(subs))
		}
	})
}

// TestShapingMMSOwnBuckets: an MMS takes only its number's MMS bucket: a
// backlog of SMS on the number does not hold it back (SMS and MMS are
// separate streams), while the MMS bucket spaces the MMS.
func TestShapingMMSOwnBuckets(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, dsn string) {
		t.Parallel()
		rec := newRecorder(time.Now)
		e := shapingEnv(t, dsn, rec)
		setMPS(t, e.db, numberID, 1)
		sms := e.sendAs(t, e.token, numberID, redcloud.MessageTypeSMS, "hello", 0, 6) // 5 s of backlog
		mms := e.sendAs(t, e.token, numberID, redcloud.MessageTypeMMS, "look", 100, 3)
		accepted := time.Now()
		mmsSubs := rec.waitTaken(t, mms)
		smsDone := len(rec.taken(sms...))
		smsSubs := rec.waitTaken(t, sms)
		if smsDone == len(sms) {
			t.Errorf("the MMS waited for the SMS backlog:%s", describe(rec.all()))
		}
		if wait := mmsSubs[0].At.Sub(accepted); wait > 2*time.Second {
			t.Errorf("the first MMS went %v after its acceptance, want at once (its own bucket is empty):%s", wait, describe(rec.all()))
		}
		checkRate(t, mmsSubs, 1, 1, "MMS at 1/s")
		checkRate(t, smsSubs, 1, 1, "SMS at 1/s")
		checkOrder(t, rec.all(), mms, "MMS")
		checkOrder(t, rec.all(), sms, "SMS")
	})
}

// TestShapingThrottleKeepsOrder: the upstream throttles one send; the
// message goes back to the queue without using an attempt (the retry
// schedule is empty: one counted attempt would fail it) and the provider
// still sees the number's messages in acceptance order.
func TestShapingThrottleKeepsOrder(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, dsn string) {
		t.Parallel()
		rec := newRecorder(time.Now)
		rec.answer = func(m provider.Message, n int) error {
			if m.To == recipient(1) && n == 1 { // the second message
				return &provider.ThrottledError{RetryAfter: 300 * time.Millisecond, Reason: "ESME_RTHROTTLED"}
			}
			return nil
		}
		e := shapingEnv(t, dsn, rec, withPipeline(func(c *pipeline.Config) { c.ProviderRetrySchedule = []time.Duration{} }))
		setMPS(t, e.db, numberID, 2)
		ids := e.sendAs(t, e.token, numberID, redcloud.MessageTypeSMS, "hello", 0, 6)
		rec.waitTaken(t, ids)
		all := rec.all()
		var order []string
		for _, s := range all {
			order = append(order, s.ID)
		}
		want := append([]string{ids[0], ids[1]}, ids[1:]...)
		if !slices.Equal(order, want) {
			t.Errorf("provider saw %v, want %v (the throttled one again, then the rest in order):%s", order, want, describe(all))
		}
		checkRate(t, all, 2, 1, "2/s with a throttle")
		for _, id := range ids {
			if m := e.waitStored(t, id, redcloud.MessageSent, 2); m.Attempts != 1 { // events: queued, sent
				t.Errorf("message %s: SENT after %d attempts, want 1", id, m.Attempts)
			}
		}
	})
}

// TestShapingDailyCapAcrossMidnight: a campaign's daily cap of 2, three
// messages a few seconds before midnight Pacific: two go at once, the third
// waits QUEUED until the midnight (queuedUntil shows it) and goes right
// after. A message whose validity ends before the reset fails EXPIRED.
func TestShapingDailyCapAcrossMidnight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		validity time.Duration
	}{{"reset inside validity", 0}, {"validity ends before the reset", 1500 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachDB(t, func(t *testing.T, dsn string) {
				t.Parallel()
				testDailyCap(t, dsn, tc.validity)
			})
		})
	}
}

// testDailyCap sends three messages 3 s before a Pacific midnight under a
// campaign daily cap of 2, with the API's validity (0: the default).
func testDailyCap(t *testing.T, dsn string, validity time.Duration) {
	// The clock runs in real time, shifted forward once the environment is
	// ready (migrations take seconds on a busy PostgreSQL).
	var shift atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	rec := newRecorder(now)
	e := shapingEnv(t, dsn, rec, withAPI(func(c *httpapi.Config) {
		if validity > 0 {
			c.MessageValidity = validity
		}
	}))
	must(t, e.db.SetCampaign(e.ctx, platform.Campaign{ID: redcloud.SandboxCampaignID, DailyCap: 2}, time.Now()))
	midnight := platform.NextPacificMidnight(time.Now().Add(time.Hour))
	shift.Store(int64(midnight.Add(-3 * time.Second).Sub(time.Now())))
	e.token = e.getToken(t) // issued on the shifted clock
	ids := e.sendAs(t, e.token, numberID, redcloud.MessageTypeSMS, "hello", 0, 3)
	for _, s := range rec.waitTaken(t, ids[:2]) {
		if !s.At.Before(midnight) {
			t.Errorf("message %s went at %v, want before the midnight %v", s.ID, s.At, midnight)
		}
	}
	if validity == 0 {
		var third platform.Message
		eventually(t, waitFor, func() bool {
			third = e.stored(t, ids[2])
			return third.QueuedUntil != nil || third.Status != redcloud.MessageQueued
		}, func() string { return fmt.Sprintf("third message %+v", third) })
		if third.Status != redcloud.MessageQueued || !third.QueuedUntil.Equal(midnight) {
			t.Errorf("third message: status %s, queuedUntil %v; want QUEUED until %v", third.Status, third.QueuedUntil, midnight)
		}
		s := rec.waitTaken(t, ids[2:])[0]
		if s.At.Before(midnight) || s.At.After(midnight.Add(2*time.Second)) {
			t.Errorf("third message went at %v, want right after the midnight %v", s.At, midnight)
		}
		return
	}
	m := e.waitStored(t, ids[2], redcloud.MessageFailed, 2)
	if m.FailureCode != redcloud.FailureExpired {
		t.Errorf("third message failed %s, want EXPIRED (its validity ended before the reset)", m.FailureCode)
	}
	if n := len(rec.all()); n != 2 {
		t.Errorf("provider saw %d sends, want 2:%s", n, describe(rec.all()))
	}
	if now().After(midnight) {
		t.Errorf("the third message failed %v after the reset, want when its validity ended", now().Sub(midnight))
	}
}

// TestShapingTwoProcesses: two pipelines, each with its own store and
// provider connection, on one PostgreSQL database: together they never
// exceed a number's 2 segments/s. The DSN carries the store's
// pool_max_conns, which the LISTEN connection must not pass to PostgreSQL.
func TestShapingTwoProcesses(t *testing.T) {
	t.Parallel()
	dsn := storetest.Small(storetest.Postgres(t), 8)
	rec := newRecorder(time.Now)
	rec.name = "first"
	e := shapingEnv(t, dsn, rec)
	var logs logBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db2, err := store.Open(e.ctx, dsn, store.WithLogger(logger))
	must(t, err)
	t.Cleanup(func() { db2.Close() })
	p2, err := pipeline.New(pipeline.Config{Store: db2, Provider: rec.sharing("second"), Sandbox: true,
		PollInterval: pollInterval, Lease: lease, Logger: logger})
	must(t, err)
	must(t, p2.Start(e.ctx))
	t.Cleanup(p2.Stop)
	setMPS(t, e.db, numberID, 2)
	ids := e.sendAs(t, e.token, numberID, redcloud.MessageTypeSMS, "hello", 0, 12)
	subs := rec.waitTaken(t, ids)
	checkRate(t, subs, 2, 1, "two processes at 2/s")
	checkOrder(t, rec.all(), ids, "two processes")
	by := map[string]int{}
	for _, s := range subs {
		by[s.By]++
	}
	t.Logf("sends by process: %v", by)
	if l := logs.String(); strings.Contains(l, "listening for new work failed") {
		t.Errorf("the second store could not listen:\n%s", l)
	}
}

// TestShapingRetryLeavesQueue: a message placed behind another (queuedUntil
// set at acceptance) whose send fails transiently waits for its provider
// retry, not for shaping: queuedUntil is cleared, as it is once a message
// is sent.
func TestShapingRetryLeavesQueue(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, dsn string) {
		t.Parallel()
		rec := newRecorder(time.Now)
		rec.answer = func(m provider.Message, n int) error {
			if m.To == recipient(1) && n == 1 { // the second message
				return errors.New("upstream down")
			}
			return nil
		}
		e := shapingEnv(t, dsn, rec, withPipeline(func(c *pipeline.Config) {
			c.ProviderRetrySchedule = []time.Duration{3 * time.Second}
			c.Jitter = func() float64 { return 1 }
		}))
		setMPS(t, e.db, numberID, 1)
		ids := e.sendAs(t, e.token, numberID, redcloud.MessageTypeSMS, "hello", 0, 3)
		for _, id := range ids[1:] {
			if m := e.stored(t, id); m.QueuedUntil == nil {
				t.Fatalf("message %s accepted behind another without queuedUntil", id)
			}
		}
		var m platform.Message
		eventually(t, waitFor, func() bool {
			m = e.stored(t, ids[1])
			return m.Attempts == 1
		}, func() string { return fmt.Sprintf("message %+v", m) })
		if m.Status != redcloud.MessageQueued || m.QueuedUntil != nil || m.NextAttemptAt == nil {
			t.Errorf("after a transient failure: status %s, queuedUntil %v, next attempt %v; want QUEUED for a retry, queuedUntil null",
				m.Status, m.QueuedUntil, m.NextAttemptAt)
		}
		rec.waitTaken(t, ids)
		for _, id := range ids {
			m := e.waitStored(t, id, redcloud.MessageSent, 2)
			if m.QueuedUntil != nil {
				t.Errorf("message %s SENT with queuedUntil %v, want null", id, m.QueuedUntil)
			}
		}
	})
}
