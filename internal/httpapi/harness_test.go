package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/openapitest"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"go.uber.org/goleak"
)

// The sandbox demo values the tests use (their published values are pinned
// by the root package's TestSandboxValues).
const (
	clientID     = redcloud.SandboxClientID
	clientSecret = redcloud.SandboxClientSecret
	otherID      = redcloud.SandboxOtherClientID
	otherSecret  = redcloud.SandboxOtherClientSecret
	numberID     = redcloud.SandboxNumberID
	numberE164   = redcloud.SandboxNumberE164
	otherNumber  = redcloud.SandboxOtherNumberID
	otherE164    = redcloud.SandboxOtherNumberE164
	accountID    = "acct_demo"
)

// start is the fake clock's initial time (the docs' example instant).
var start = time.Date(2026, 11, 26, 7, 4, 24, 123_000_000, time.UTC)

var (
	reRequestID = regexp.MustCompile(`^req_[0-9a-z]{26}$`)
	reMessageID = regexp.MustCompile(`^msg_[0-9a-z]{26}$`)
	reEventID   = regexp.MustCompile(`^evt_[0-9a-z]{26}$`)
	reToken     = regexp.MustCompile(`^rc_at_[A-Za-z0-9_-]{43}$`)
	reWhsec     = regexp.MustCompile(`^whsec_[A-Za-z0-9_-]{43}$`)
	reSHA256    = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// clock is a fake time source the tests advance by hand. PanicNext makes the
// next call panic, which is the one way to make the server panic without a
// hook in production code.
type clock struct {
	mu        sync.Mutex
	now       time.Time
	panicNext bool
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.panicNext {
		c.panicNext = false
		panic("test clock: induced panic")
	}
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *clock) PanicNext() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.panicNext = true
}

// logBuffer collects the server's log output; the server writes from its
// handler goroutines while tests read.
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

// env is one server on a fresh, seeded SQLite database.
type env struct {
	t      *testing.T
	ctx    context.Context
	path   string
	db     *store.DB
	server *httpapi.Server
	srv    *httptest.Server
	url    string
	clock  *clock
	logs   *logBuffer
	// client validates every response against api/openapi.yaml.
	client *http.Client
}

type option func(*httpapi.Config)

func withRateLimit(perSecond float64, burst int) option {
	return func(c *httpapi.Config) { c.RateLimit, c.RateBurst = perSecond, burst }
}

func withAuthCache(ttl time.Duration) option {
	return func(c *httpapi.Config) { c.AuthCacheTTL = ttl }
}

func withoutSandbox() option { return func(c *httpapi.Config) { c.Sandbox = false } }

func withOnAccept(f func()) option { return func(c *httpapi.Config) { c.OnAccept = f } }

// template is a database file seeded once per test binary with
// SeedIfEmpty(SandboxSeed(start)). Seeding runs ~320 inserts, which under
// -race cost more than everything else an env does, so every env starts from
// a copy of this file instead.
var template struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// TestMain runs the suite, fails it when a goroutine outlived it (every
// server and background worker a test starts must be stopped by it), and
// removes the template database.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: goroutines outlived the tests: %v\n", err)
			code = 1
		}
	}
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

func seededTemplate() (string, error) {
	template.once.Do(func() {
		ctx := context.Background()
		if template.dir, template.err = os.MkdirTemp("", "httpapi-test-"); template.err != nil {
			return
		}
		template.path = filepath.Join(template.dir, "seeded.db")
		db, err := store.Open(ctx, template.path)
		if err != nil {
			template.err = err
			return
		}
		seeded, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(start))
		if err == nil && !seeded {
			err = errors.New("template database was not empty")
		}
		if cerr := db.Close(); err == nil {
			err = cerr // closing the last connection checkpoints the WAL into the file
		}
		template.err = err
	})
	return template.path, template.err
}

func copyFile(dst, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}

// newEnv starts a sandbox server with rate limits off on a seeded database
// of its own. At cleanup it checks that the log never held a token or a
// secret.
func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	ctx := context.Background()
	tmpl, err := seededTemplate()
	if err != nil {
		t.Fatalf("seed template database: %v", err)
	}
	path := filepath.Join(t.TempDir(), "redcloud.db")
	if err := copyFile(path, tmpl); err != nil {
		t.Fatalf("copy template database: %v", err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	// Already seeded from the template: SeedIfEmpty must leave it alone.
	if seeded, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(start)); err != nil || seeded {
		t.Fatalf("seed: seeded=%v err=%v; want the template's seed kept", seeded, err)
	}
	clk := &clock{now: start}
	logs := &logBuffer{}
	cfg := httpapi.Config{
		// Tests change clients and accounts in the store and look at the
		// effect at once; TestAuthCache covers the cache with it on.
		AuthCacheTTL: -1,
		Store:        db, Sandbox: true, RateLimit: 0, Now: clk.Now,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	server, err := httpapi.New(cfg)
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	srv := httptest.NewServer(server)
	t.Cleanup(srv.Close)
	e := &env{t: t, ctx: ctx, path: path, db: db, server: server, srv: srv, url: srv.URL, clock: clk, logs: logs,
		client: &http.Client{Transport: openapitest.New(t).Transport(nil)}}
	t.Cleanup(func() { e.checkLogsClean(t) })
	return e
}

// checkLogsClean fails t when the log holds an access token, a client secret
// or a webhook secret (CONTRACT §11.8, ARCHITECTURE: never echoed).
func (e *env) checkLogsClean(t testing.TB) {
	t.Helper()
	logs := e.logs.String()
	for _, secret := range []string{platform.PrefixToken, platform.PrefixWebhookSecret, clientSecret, otherSecret, "wrong_secret"} {
		if strings.Contains(logs, secret) {
			t.Errorf("server log contains %q:\n%s", secret, logs)
		}
	}
}

// resp is a response read in full.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) String() string { return string(r.body) }

// request is what do sends. Header holds key/value pairs; Authorization
// is set from token unless the header names it.
type request struct {
	method string
	path   string
	token  string
	body   string
	header []string
}

// do sends r with client (e.client when nil) and checks the request id
// header every response must carry.
func (e *env) do(t testing.TB, client *http.Client, r request) resp {
	t.Helper()
	res, err := e.try(client, r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	if id := res.header.Get(redcloud.HeaderRequestID); !reRequestID.MatchString(id) {
		t.Errorf("%s %s: X-Request-Id = %q, want req_ + 26 lower-case characters", r.method, r.path, id)
	}
	return res
}

// try sends r and returns the transport error, if any.
func (e *env) try(client *http.Client, r request) (resp, error) {
	if client == nil {
		client = e.client
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(e.ctx, r.method, e.url+r.path, body)
	if err != nil {
		return resp{}, err
	}
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for i := 0; i+1 < len(r.header); i += 2 {
		if r.header[i+1] == "" {
			req.Header.Del(r.header[i])
			continue
		}
		req.Header.Set(r.header[i], r.header[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}, nil
}

// get, post… are shorthands for do with e.client.
func (e *env) get(t testing.TB, path, token string, header ...string) resp {
	t.Helper()
	return e.do(t, nil, request{method: http.MethodGet, path: path, token: token, header: header})
}

func (e *env) post(t testing.TB, path, token, body string, header ...string) resp {
	t.Helper()
	return e.do(t, nil, request{method: http.MethodPost, path: path, token: token, body: body, header: header})
}

func (e *env) patch(t testing.TB, path, token, body string, header ...string) resp {
	t.Helper()
	return e.do(t, nil, request{method: http.MethodPatch, path: path, token: token, body: body, header: header})
}

func (e *env) put(t testing.TB, path, token, body string, header ...string) resp {
	t.Helper()
	return e.do(t, nil, request{method: http.MethodPut, path: path, token: token, body: body, header: header})
}

// send posts a send with an Idempotency-Key ("" for none).
func (e *env) send(t testing.TB, token, key, body string, header ...string) resp {
	t.Helper()
	return e.post(t, "/api/core/messages/send", token, body, append([]string{redcloud.HeaderIdempotencyKey, key}, header...)...)
}

// tokenForm posts a form to the token route; basic is "id:secret" or "".
func (e *env) tokenForm(t testing.TB, client *http.Client, form url.Values, basic string, header ...string) resp {
	t.Helper()
	h := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if basic != "" {
		id, secret, _ := strings.Cut(basic, ":")
		h = append(h, "Authorization", "Basic "+basicAuth(id, secret))
	}
	return e.do(t, client, request{method: http.MethodPost, path: "/api/auth/token", body: form.Encode(), header: append(h, header...)})
}

func basicAuth(id, secret string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// token returns an access token for id/secret obtained with HTTP Basic.
func (e *env) token(t testing.TB, id, secret string) string {
	t.Helper()
	r := e.tokenForm(t, nil, url.Values{"grant_type": {"client_credentials"}}, id+":"+secret)
	if r.status != http.StatusOK {
		t.Fatalf("token for %s: %d %s", id, r.status, r.body)
	}
	var tok redcloud.TokenResponse
	mustJSON(t, r.body, &tok)
	return tok.AccessToken
}

func (e *env) sandboxToken(t testing.TB) string { return e.token(t, clientID, clientSecret) }
func (e *env) otherToken(t testing.TB) string   { return e.token(t, otherID, otherSecret) }

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// normal returns v as generic JSON (maps, []any, float64), for comparing
// expected values written as Go literals with decoded bodies.
func normal(t testing.TB, v any) any {
	t.Helper()
	var b []byte
	switch x := v.(type) {
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatalf("marshal %v: %v", v, err)
		}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return out
}

// wantJSON checks that r has status and a body equal, as JSON, to want.
func wantJSON(t testing.TB, r resp, status int, want string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if got, w := normal(t, r.body), normal(t, want); !reflect.DeepEqual(got, w) {
		t.Errorf("body =\n%s\nwant\n%s", r.body, want)
	}
}

// coreErr is the CORE error wrapper as the tests read it.
type coreErr struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

// wantCore checks a CORE error exactly: status, code, message and details
// (nil means {}), requestId equal to X-Request-Id, and the outcome header.
func wantCore(t testing.TB, r resp, status int, code, message string, details map[string]any) coreErr {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	var e coreErr
	mustJSON(t, r.body, &e)
	if e.Error.Code != code || e.Error.Message != message {
		t.Errorf("error = %s %q, want %s %q", e.Error.Code, e.Error.Message, code, message)
	}
	if details == nil {
		details = map[string]any{}
	}
	if e.Error.Details == nil {
		t.Errorf("details is missing or null in %s; want an object", r.body)
	}
	if got, want := normal(t, e.Error.Details), normal(t, details); !reflect.DeepEqual(got, want) {
		t.Errorf("details = %v, want %v", got, want)
	}
	if id := r.header.Get(redcloud.HeaderRequestID); e.RequestID != id {
		t.Errorf("requestId = %q, X-Request-Id = %q; want equal", e.RequestID, id)
	}
	if got := r.header.Get(redcloud.HeaderOutcome); got != redcloud.OutcomeNotProcessed {
		t.Errorf("X-RedCloud-Outcome = %q, want not_processed", got)
	}
	return e
}

// wantOAuth checks an OAuth error of the token route exactly, with the
// outcome header.
func wantOAuth(t testing.TB, r resp, status int, code, description string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	var got map[string]any
	mustJSON(t, r.body, &got)
	want := map[string]any{"error": code, "error_description": description}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body = %s, want error %q, error_description %q", r.body, code, description)
	}
	if got := r.header.Get(redcloud.HeaderOutcome); got != redcloud.OutcomeNotProcessed {
		t.Errorf("X-RedCloud-Outcome = %q, want not_processed", got)
	}
}

// sendResult is a 202 body as the tests read it.
type sendResult struct {
	Results []struct {
		To        string `json:"to"`
		MessageID string `json:"messageId"`
		Status    string `json:"status"`
	} `json:"results"`
	Errors []map[string]any `json:"errors"`
}

func (s sendResult) ids() []string {
	var out []string
	for _, r := range s.Results {
		out = append(out, r.MessageID)
	}
	return out
}

// wantAccepted checks a fresh (not replayed) 202 and returns its body.
func wantAccepted(t testing.TB, r resp) sendResult {
	t.Helper()
	if r.status != http.StatusAccepted {
		t.Fatalf("status = %d, want 202; body %s", r.status, r.body)
	}
	if h := r.header.Get(redcloud.HeaderReplayed); h != "" {
		t.Errorf("Idempotent-Replayed = %q on a first acceptance", h)
	}
	if h := r.header.Get(redcloud.HeaderOutcome); h != "" {
		t.Errorf("X-RedCloud-Outcome = %q on a 202", h)
	}
	var s sendResult
	mustJSON(t, r.body, &s)
	seen := map[string]bool{}
	for _, res := range s.Results {
		if !reMessageID.MatchString(res.MessageID) || res.Status != redcloud.MessageQueued {
			t.Errorf("result %+v: want msg_ + lower-case ULID, QUEUED", res)
		}
		if seen[res.MessageID] {
			t.Errorf("messageId %s given to two recipients", res.MessageID)
		}
		seen[res.MessageID] = true
	}
	return s
}

// wantReplay checks that r is the byte-identical replay of first.
func wantReplay(t testing.TB, r resp, first resp) {
	t.Helper()
	if r.status != first.status {
		t.Fatalf("replay status = %d, want %d; body %s", r.status, first.status, r.body)
	}
	if !bytes.Equal(r.body, first.body) {
		t.Errorf("replay body =\n%s\nwant byte-identical\n%s", r.body, first.body)
	}
	if h := r.header.Get(redcloud.HeaderReplayed); h != "true" {
		t.Errorf("Idempotent-Replayed = %q, want true", h)
	}
}

// sms returns a send body for an SMS from sendFrom to the recipients.
func sms(sendFrom, text string, to ...string) string {
	b, _ := json.Marshal(map[string]any{"sendFrom": sendFrom, "to": to, "messageType": "SMS", "text": text})
	return string(b)
}

// raw opens the database file read-only for assertions on stored rows.
func (e *env) raw(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: e.path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("open %s read-only: %v", e.path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// count runs a COUNT(*) query on the raw database.
func (e *env) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.raw(t).QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// fromAddr returns a validating client whose connections come from the
// loopback address ip (Linux routes all of 127/8 to lo), so tests can act
// as different remote addresses.
func fromAddr(t testing.TB, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: openapitest.New(t).Transport(tr)}
}

// freshConn returns a validating client that never reuses a connection, so
// the transport cannot silently retry a request whose connection dropped.
func freshConn(t testing.TB) *http.Client {
	return &http.Client{Transport: openapitest.New(t).Transport(&http.Transport{DisableKeepAlives: true})}
}

func ptr[T any](v T) *T { return &v }
