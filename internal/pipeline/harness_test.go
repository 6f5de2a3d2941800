package pipeline_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/openapitest"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
	"github.com/redcloud-core/redcloud/internal/testwait"
	"github.com/redcloud-core/redcloud/webhook"
)

// Sandbox demo values (CONTRACT §10), repeated so that a change of the seed
// shows up here as a failing test.
const (
	clientID     = "rc_test_client_123"
	clientSecret = "rc_secret_abc123"
	numberID     = "num_abc123"
	numberE164   = "+15551234567"
	otherE164    = "+15557654321"
	// plainRecipient is "any other" recipient of CONTRACT §7: sent, then delivered.
	plainRecipient = "+15551230000"
)

// Short schedules so that every retry path runs in well under a second.
var (
	providerSchedule = []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond,
		20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond}
	webhookSchedule = []time.Duration{30 * time.Millisecond, 60 * time.Millisecond, 90 * time.Millisecond, 120 * time.Millisecond}
)

// pollInterval is the pipelines' fallback poll. New work and short retries
// wake the workers by signal; the poll only covers the rest, and every idle
// poll is a write transaction, so a shorter one mostly burns CPU.
const pollInterval = 50 * time.Millisecond

// lease is the pipelines' lease. Nothing here depends on a lease expiring
// in real time (TestClaimMessages and TestClaimDeliveries pass the clock to
// the store instead); it only has to outlast one send or one attempt on a
// CPU-starved machine. At 2s a busy 2-core box running -race let leases
// expire mid-work, which the contract allows (at-least-once) but which made
// exactly-once assertions flaky.
const lease = 10 * time.Second

// waitFor is how long eventually waits: generous, since nothing waits that
// long when the code is right.
const waitFor = 30 * time.Second

// eventually is the tests' one Eventually, with the failure described at
// the deadline.
var eventually = testwait.EventuallyDescribe

// logBuffer collects log output written from many goroutines.
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

// hang, as a reply status, makes the receiver hold the request until the
// client gives up (or the test ends).
const hang = -1

// reply is what the receiver answers to one verified request.
type reply struct {
	status   int           // HTTP status, or hang
	delay    time.Duration // wait before answering
	location string        // Location header (redirects)
	block    chan struct{} // when set, wait until it is closed before answering
}

// hit is one verified webhook request as the receiver saw it.
type hit struct {
	Path      string
	Event     webhook.Event
	Body      []byte // raw bytes, as signed
	Attempt   int    // X-RedCloud-Attempt
	EventType string // X-RedCloud-Event-Type
	HeaderID  string // X-RedCloud-Event-Id
	UserAgent string
	At        time.Time // arrival
	Answered  int       // status the receiver answered
}

// receiver is a customer's webhook endpoint: every request is verified with
// the public webhook package (signature over the raw body, timestamp) before
// it is recorded; a request that does not verify is a test failure.
type receiver struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	secrets  []string
	hits     []hit
	raw      map[string]int // every request by path, verified or not
	problems []string
	policy   func(h hit, n int) reply // n: 1-based count of requests for h's eventId, this one included
	inFlight int
	release  chan struct{} // closed at cleanup: frees hanging requests
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t, raw: map[string]int{}, release: make(chan struct{})}
	r.srv = httptest.NewServer(r)
	// Cleanups run last-registered first: free hanging handlers, close the
	// server (it waits for handlers), then report what went wrong.
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, p := range r.problems {
			t.Errorf("receiver: %s", p)
		}
	})
	t.Cleanup(r.srv.Close)
	t.Cleanup(func() { close(r.release) })
	return r
}

// URL returns the receiver's URL for path.
func (r *receiver) URL(path string) string { return r.srv.URL + path }

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = []string{s}
}

func (r *receiver) setPolicy(p func(h hit, n int) reply) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.policy = p
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	raw, err := io.ReadAll(req.Body)
	r.mu.Lock()
	r.raw[req.URL.Path]++
	secrets := slices.Clone(r.secrets)
	r.mu.Unlock()
	if err != nil {
		r.problem("read body of %s: %v", req.URL.Path, err)
		return
	}
	// Verify with the public handler, exactly as an integrator would.
	var ev webhook.Event
	inner := webhook.NewHandler(secrets, func(_ context.Context, e webhook.Event) error { ev = e; return nil })
	vreq := req.Clone(req.Context())
	vreq.Body = io.NopCloser(bytes.NewReader(raw))
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, vreq)
	if rec.Code != http.StatusNoContent {
		r.problem("request to %s did not verify: %d %s (body %s)", req.URL.Path, rec.Code, strings.TrimSpace(rec.Body.String()), raw)
		http.Error(w, "not verified", http.StatusBadRequest)
		return
	}
	attempt, _ := strconv.Atoi(req.Header.Get(webhook.HeaderAttempt))
	h := hit{Path: req.URL.Path, Event: ev, Body: raw, Attempt: attempt, At: at,
		EventType: req.Header.Get(webhook.HeaderEventType), HeaderID: req.Header.Get(webhook.HeaderEventID),
		UserAgent: req.Header.Get("User-Agent")}
	r.mu.Lock()
	n := 1
	for _, o := range r.hits {
		if o.Event.EventID == ev.EventID {
			n++
		}
	}
	rp := reply{status: http.StatusNoContent}
	if r.policy != nil {
		rp = r.policy(h, n)
	}
	h.Answered = rp.status
	r.hits = append(r.hits, h)
	r.inFlight++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}()
	if rp.block != nil {
		select {
		case <-rp.block:
		case <-r.release:
		}
	}
	if rp.delay > 0 {
		time.Sleep(rp.delay)
	}
	if rp.status == hang {
		select {
		case <-req.Context().Done():
		case <-r.release:
		}
		return
	}
	if rp.location != "" {
		w.Header().Set("Location", rp.location)
	}
	w.WriteHeader(rp.status)
}

func (r *receiver) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// all returns a copy of every verified hit in arrival order.
func (r *receiver) all() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits)
}

// requests returns how many requests, verified or not, reached path.
func (r *receiver) requests(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.raw[path]
}

func (r *receiver) busy() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inFlight
}

// forMessage returns the hits of a message's events in arrival order.
func (r *receiver) forMessage(id string) []hit {
	var out []hit
	for _, h := range r.all() {
		if h.Event.MessageID == id {
			out = append(out, h)
		}
	}
	return out
}

// forEvent returns the hits of one event in arrival order.
func (r *receiver) forEvent(id string) []hit {
	var out []hit
	for _, h := range r.all() {
		if h.Event.EventID == id {
			out = append(out, h)
		}
	}
	return out
}

// accepted returns the hits of a message that the receiver answered 2xx,
// one per event, ordered by sequence.
func (r *receiver) accepted(id string) []hit {
	var out []hit
	for _, h := range r.forMessage(id) {
		if h.Answered >= 200 && h.Answered < 300 {
			out = append(out, h)
		}
	}
	slices.SortStableFunc(out, func(a, b hit) int { return int(a.Event.Sequence - b.Event.Sequence) })
	return out
}

func describeHits(hs []hit) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "\n  %s %s %s seq=%d attempt=%d answered=%d", h.Path, h.Event.EventID, h.Event.Type, h.Event.Sequence, h.Attempt, h.Answered)
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}

// env is a sandbox API server and a pipeline on one seeded database (a
// SQLite file, or the PostgreSQL database newEnvOn is given),
// with a webhook receiver.
type env struct {
	t     testing.TB
	ctx   context.Context
	path  string
	db    *store.DB
	api   *httptest.Server
	pipe  *pipeline.Pipeline
	prov  provider.Provider
	recv  *receiver
	logs  *logBuffer
	check *openapitest.Validator
	http  *http.Client // validates every API response against api/openapi.yaml
	token string
}

type envConfig struct {
	api        httpapi.Config
	pipe       pipeline.Config
	noPipeline bool
}

type envOption func(*envConfig)

func withPipeline(f func(*pipeline.Config)) envOption {
	return func(c *envConfig) { f(&c.pipe) }
}

func withAPI(f func(*httpapi.Config)) envOption {
	return func(c *envConfig) { f(&c.api) }
}

// withoutPipeline starts no pipeline: the test builds its own.
func withoutPipeline() envOption { return func(c *envConfig) { c.noPipeline = true } }

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	return newEnvOn(t, "", opts...)
}

// newEnvOn is newEnv on the database at dsn, seeded here, or on a seeded
// SQLite copy when dsn is empty.
func newEnvOn(t testing.TB, dsn string, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	path := dsn
	if path == "" {
		path = seededCopy(t)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if dsn != "" {
		if ok, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now())); err != nil || !ok {
			t.Fatalf("seed: seeded=%v err=%v", ok, err)
		}
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})
	e := &env{t: t, ctx: ctx, path: path, db: db, logs: logs, check: openapitest.New(t)}
	e.http = &http.Client{Transport: e.check.Transport(nil)}
	e.recv = newReceiver(t)

	cfg := envConfig{
		api: httpapi.Config{Store: db, Sandbox: true, RateLimit: 0, Logger: logger},
		pipe: pipeline.Config{Store: db, Provider: sandbox.New(5 * time.Millisecond), Sandbox: true,
			ProviderRetrySchedule: providerSchedule, WebhookRetrySchedule: webhookSchedule,
			PollInterval: pollInterval, Lease: lease, Logger: logger},
	}
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.noPipeline {
		pipe, err := pipeline.New(cfg.pipe)
		if err != nil {
			t.Fatalf("pipeline.New: %v", err)
		}
		e.pipe, e.prov = pipe, cfg.pipe.Provider
		cfg.api.OnAccept = pipe.Notify
	}
	server, err := httpapi.New(cfg.api)
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	e.api = httptest.NewServer(server)
	t.Cleanup(e.api.Close)
	if e.pipe != nil {
		if err := e.pipe.Start(ctx); err != nil {
			t.Fatalf("pipeline.Start: %v", err)
		}
		t.Cleanup(e.pipe.Stop) // runs first: the servers and the database outlive it
	}
	e.token = e.getToken(t)
	return e
}

// forEachDB runs fn as a subtest on a seeded SQLite copy and on a fresh
// PostgreSQL database (skipped without REDCLOUD_TEST_POSTGRES_URL; CI sets
// it); fn passes dsn to newEnvOn ("" for the SQLite copy).
func forEachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.Postgres(t)) })
}

// seeded is a database file migrated and seeded with platform.SandboxSeed
// once per test binary; each test works on its own copy (seeding the
// inventory took a fifth of the package's CPU under -race).
var seeded struct {
	once sync.Once
	dir  string
	err  error
}

// seededCopy returns the path of a fresh copy of the seeded database under
// t.TempDir().
func seededCopy(t testing.TB) string {
	t.Helper()
	seeded.once.Do(func() {
		seeded.dir, seeded.err = os.MkdirTemp("", "redcloud-pipeline-test-")
		if seeded.err != nil {
			return
		}
		ctx := context.Background()
		db, err := store.Open(ctx, filepath.Join(seeded.dir, "seed.db"))
		if err != nil {
			seeded.err = err
			return
		}
		if ok, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now())); err != nil || !ok {
			seeded.err = fmt.Errorf("seed: seeded=%v err=%v", ok, err)
		}
		if err := db.Close(); err != nil && seeded.err == nil {
			seeded.err = err
		}
	})
	if seeded.err != nil {
		t.Fatalf("seeded database: %v", seeded.err)
	}
	path := filepath.Join(t.TempDir(), "redcloud.db")
	// Closing the last connection checkpoints the WAL into the main file;
	// copy a leftover -wal too, should there be one.
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(seeded.dir, "seed.db"+suffix))
		if errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatalf("copy seeded database: %v", err)
		}
		if err := os.WriteFile(path+suffix, b, 0o600); err != nil {
			t.Fatalf("copy seeded database: %v", err)
		}
	}
	return path
}

func (e *env) getToken(t testing.TB) string {
	t.Helper()
	return e.tokenFor(t, clientID, clientSecret)
}

// tokenFor returns an access token of API client id.
func (e *env) tokenFor(t testing.TB, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.api.URL+"/api/auth/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer res.Body.Close()
	var tok redcloud.TokenResponse
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("token: status %d, decode err %v", res.StatusCode, err)
	}
	return tok.AccessToken
}

// call sends an API request with the bearer token and returns status and body.
func (e *env) call(t testing.TB, method, path string, body any, header ...string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.api.URL+path, rd)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return res.StatusCode, b
}

// setWebhooks points the client's URLs at the receiver's paths ("" leaves
// a URL unset) and gives the receiver the signing secret.
func (e *env) setWebhooks(t testing.TB, deliveryPath, inboundPath string) {
	t.Helper()
	body := map[string]any{"deliveryUrl": nil, "inboundUrl": nil}
	if deliveryPath != "" {
		body["deliveryUrl"] = e.recv.URL(deliveryPath)
	}
	if inboundPath != "" {
		body["inboundUrl"] = e.recv.URL(inboundPath)
	}
	status, b := e.call(t, http.MethodPut, "/api/sandbox/webhooks", body)
	if status != http.StatusOK {
		t.Fatalf("PUT /api/sandbox/webhooks: %d %s", status, b)
	}
	var out redcloud.SandboxWebhooks
	mustJSON(t, b, &out)
	if !strings.HasPrefix(out.SigningSecret, "whsec_") {
		t.Fatalf("signing secret = %q, want whsec_…", out.SigningSecret)
	}
	e.recv.setSecret(out.SigningSecret)
}

// patchNumber updates num_abc123 through the API.
func (e *env) patchNumber(t testing.TB, body map[string]any) {
	t.Helper()
	status, b := e.call(t, http.MethodPatch, "/api/core/numbers/"+numberID, body)
	if status != http.StatusOK {
		t.Fatalf("PATCH number: %d %s", status, b)
	}
}

// send sends an SMS from num_abc123 to the recipients and returns the
// message ids in recipient order.
func (e *env) send(t testing.TB, to ...string) []string {
	t.Helper()
	status, b := e.call(t, http.MethodPost, "/api/core/messages/send",
		map[string]any{"sendFrom": numberID, "to": to, "messageType": "SMS", "text": "hello", "externalReference": "order_789"},
		redcloud.HeaderIdempotencyKey, "idem_"+randomHex(8))
	if status != http.StatusAccepted {
		t.Fatalf("send: %d %s", status, b)
	}
	var res redcloud.SendResponse
	mustJSON(t, b, &res)
	if len(res.Results) != len(to) || len(res.Errors) != 0 {
		t.Fatalf("send: %s; want %d results and no errors", b, len(to))
	}
	ids := make([]string, len(to))
	for i, r := range res.Results {
		if r.To != to[i] {
			t.Fatalf("send: result %d is for %s, want %s", i, r.To, to[i])
		}
		ids[i] = r.MessageID
	}
	return ids
}

// inbound simulates an inbound message to num_abc123.
func (e *env) inbound(t testing.TB, from, text string) redcloud.SandboxInboundResult {
	t.Helper()
	status, b := e.call(t, http.MethodPost, "/api/sandbox/inbound", map[string]any{"numberId": numberID, "from": from, "text": text})
	if status != http.StatusAccepted {
		t.Fatalf("inbound: %d %s", status, b)
	}
	var res redcloud.SandboxInboundResult
	mustJSON(t, b, &res)
	return res
}

// message reads a message through GET /api/core/messages/{id}.
func (e *env) message(t testing.TB, id string) redcloud.Message {
	t.Helper()
	status, b := e.call(t, http.MethodGet, "/api/core/messages/"+id, nil)
	if status != http.StatusOK {
		t.Fatalf("GET message %s: %d %s", id, status, b)
	}
	var m redcloud.Message
	mustJSON(t, b, &m)
	return m
}

// waitStatus waits until the message has status and its events count, then
// returns it as GET /api/core/messages/{id} shows it.
func (e *env) waitStatus(t testing.TB, id, status string, events int) redcloud.Message {
	t.Helper()
	e.waitStored(t, id, status, events)
	return e.message(t, id)
}

// waitStored waits until the message has status and its events count, and
// returns it as stored. It polls the store, which is cheap: polling the API
// (every response validated against the OpenAPI document) would take the
// CPU the pipeline needs; and the API refuses a suspended client.
func (e *env) waitStored(t testing.TB, id, status string, events int) platform.Message {
	t.Helper()
	var m platform.Message
	var evs []platform.Event
	eventually(t, waitFor, func() bool {
		var err error
		m, evs, err = e.db.GetMessage(e.ctx, clientID, id)
		return err == nil && m.Status == status && len(evs) == events
	}, func() string {
		return fmt.Sprintf("message %s: status %s with %d events, want %s with %d", id, m.Status, len(evs), status, events)
	})
	return m
}

// acceptQueued stores, as POST /api/core/messages/send would, a message
// from num_abc123 to plainRecipient accepted at `at` that stays QUEUED
// until due; noURL accepts it as if the client had no delivery URL.
func (e *env) acceptQueued(t testing.TB, key string, at, due time.Time, noURL bool) platform.Acceptance {
	t.Helper()
	c, err := e.db.GetAPIClient(e.ctx, clientID)
	if err != nil {
		t.Fatal(err)
	}
	if noURL {
		c.DeliveryURL = nil
	}
	n, err := e.db.GetNumber(e.ctx, numberID)
	if err != nil {
		t.Fatal(err)
	}
	acc := platform.NewAcceptance(platform.AcceptInput{
		Client:     c,
		Number:     n,
		Send:       platform.SendInput{SendFrom: numberID, To: []string{plainRecipient}, MessageType: "SMS", Text: "later"},
		Key:        key,
		Recipients: []platform.Recipient{{To: plainRecipient}},
		Now:        at,
		KeyTTL:     time.Hour,
		Validity:   1000 * time.Hour,
	})
	acc.Messages[0].NextAttemptAt = &due
	if _, created, err := e.db.Accept(e.ctx, acc); err != nil || !created {
		t.Fatalf("accept: created=%v err=%v", created, err)
	}
	return acc
}

// event reads an event with its deliveries and attempts from the store.
func (e *env) event(t testing.TB, id string) (platform.Event, []store.DeliveryDetail) {
	t.Helper()
	ev, ds, err := e.db.GetEvent(e.ctx, id)
	if err != nil {
		t.Fatalf("GetEvent %s: %v", id, err)
	}
	return ev, ds
}

// waitDelivery waits until the event has exactly one delivery and it is in state.
func (e *env) waitDelivery(t testing.TB, eventID, state string) store.DeliveryDetail {
	t.Helper()
	var ds []store.DeliveryDetail
	eventually(t, waitFor, func() bool {
		_, ds = e.event(t, eventID)
		return len(ds) == 1 && ds[0].State == state
	}, func() string { return fmt.Sprintf("event %s: deliveries %+v, want one %s", eventID, ds, state) })
	return ds[0]
}

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusOf is the message status a lifecycle event of type typ carries.
func statusOf(typ string) string {
	switch typ {
	case webhook.TypeQueued:
		return redcloud.MessageQueued
	case webhook.TypeSent:
		return redcloud.MessageSent
	case webhook.TypeDelivery:
		return redcloud.MessageDelivered
	case webhook.TypeFailed:
		return redcloud.MessageFailed
	}
	return "?"
}
