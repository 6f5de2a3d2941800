package redcloud_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"go.uber.org/goleak"
)

// The sandbox demo values and routes the tests use (their published values
// are pinned by TestSandboxValues and TestRoutePaths).
const (
	clientID     = redcloud.SandboxClientID
	clientSecret = redcloud.SandboxClientSecret
	otherID      = redcloud.SandboxOtherClientID
	otherSecret  = redcloud.SandboxOtherClientSecret
	wrongSecret  = "rc_wrong_secret_999"
	numberID     = redcloud.SandboxNumberID
	numberE164   = redcloud.SandboxNumberE164
	otherNumber  = redcloud.SandboxOtherNumberID
	sendPath     = redcloud.PathMessagesSend
	tokenPath    = redcloud.PathToken
)

// pathOf returns pattern (a redcloud.Path… constant) with its {name} segment
// replaced by value, as the client escapes it.
func pathOf(pattern, value string) string {
	before, rest, _ := strings.Cut(pattern, "{")
	_, after, _ := strings.Cut(rest, "}")
	return before + url.PathEscape(value) + after
}

// suite collects, for the whole test binary, every client log line and
// every secret value that went over the wire, so that TestMain can check
// that no log line ever held one (CONTRACT §11.8).
var suite struct {
	mu      sync.Mutex
	logs    bytes.Buffer
	secrets map[string]bool
}

func init() {
	suite.secrets = map[string]bool{clientSecret: true, otherSecret: true, wrongSecret: true}
}

// noteSecret records a value that must never appear in a log.
func noteSecret(s string) {
	s = strings.TrimSpace(s)
	if len(s) < 8 {
		return
	}
	suite.mu.Lock()
	defer suite.mu.Unlock()
	suite.secrets[s] = true
}

// leaks returns the recorded secrets (and secret prefixes) that text holds.
func leaks(text string) []string {
	suite.mu.Lock()
	defer suite.mu.Unlock()
	var found []string
	for s := range suite.secrets {
		if strings.Contains(text, s) {
			found = append(found, s)
		}
	}
	for _, p := range []string{platform.PrefixToken, platform.PrefixClientSecret, platform.PrefixWebhookSecret} {
		if strings.Contains(text, p) {
			found = append(found, p)
		}
	}
	return append(found, credential.FindAllString(text, -1)...)
}

// credential matches an Authorization value that is not redacted.
var credential = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[^\s\[]{8,}`)

// TestMain runs the suite, then checks that no goroutine outlived it (every
// server, client and token refresh a test starts must end with it), and
// scans every client log line of every test for a token, a secret or an
// Authorization value.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: goroutines outlived the tests: %v\n", err)
			code = 1
		}
	}
	suite.mu.Lock()
	logs := suite.logs.String()
	n := len(suite.secrets)
	suite.mu.Unlock()
	if found := leaks(logs); len(found) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: the client logs of the suite hold secrets %q\n", found)
		code = 1
	} else if code == 0 && flag.Lookup("test.run").Value.String() == "" &&
		(n <= 3 || !strings.Contains(logs, `"requestId":"req_`)) {
		// A whole-suite run that saw no token or no log line proves nothing.
		fmt.Fprintf(os.Stderr, "FAIL: the log scan saw no tokens or no log lines\n")
		code = 1
	}
	os.Exit(code)
}

// logBuffer is one test's client log, also copied into the suite's.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.b.Write(p)
	l.mu.Unlock()
	suite.mu.Lock()
	suite.logs.Write(p)
	suite.mu.Unlock()
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// exchange is one request the recorder passed on, and its answer.
type exchange struct {
	method, path string
	key          string // Idempotency-Key
	auth         string // Authorization
	fault        string // X-RedCloud-Sandbox-Fault added by the test
	body         []byte
	status       int // 0 when no response
}

// recorder is the client's RoundTripper: it passes requests to the real
// server, records them, and lets a test add sandbox faults or answer in
// place of the server.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	log  []exchange
	// fault returns the sandbox fault to add to the n-th request (1-based)
	// to path, or "".
	fault func(path string, n int) string
	// intercept, when it returns a response or an error, answers the n-th
	// request to path in place of the server.
	intercept func(r *http.Request, n int) (*http.Response, error)
	// rewrite may change a request before it is sent.
	rewrite func(r *http.Request)
	// alter may change the server's response.
	alter func(r *http.Request, res *http.Response)
}

func (rc *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rc.mu.Lock()
	n := 1
	for _, x := range rc.log {
		if x.path == r.URL.Path {
			n++
		}
	}
	fault, intercept, rewrite, alter := rc.fault, rc.intercept, rc.rewrite, rc.alter
	rc.mu.Unlock()
	noteSecret(r.Header.Get("Authorization"))
	if _, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
		noteSecret(tok)
	}
	if rewrite != nil {
		rewrite(r)
	}
	x := exchange{method: r.Method, path: r.URL.Path, key: r.Header.Get(redcloud.HeaderIdempotencyKey),
		auth: r.Header.Get("Authorization"), body: body}
	if fault != nil {
		if f := fault(r.URL.Path, n); f != "" {
			r.Header.Set(redcloud.HeaderSandboxFault, f)
			x.fault = f
		}
	}
	var res *http.Response
	var err error
	if intercept != nil {
		res, err = intercept(r, n)
	}
	if res == nil && err == nil {
		res, err = rc.next.RoundTrip(r)
	}
	if err == nil {
		x.status = res.StatusCode
		if r.URL.Path == tokenPath && res.StatusCode == http.StatusOK {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			noteSecret(string(b))
			var tr struct {
				AccessToken string `json:"access_token"`
			}
			if jsonErr := json.Unmarshal(b, &tr); jsonErr == nil {
				noteSecret(tr.AccessToken)
			}
			res.Body = io.NopCloser(bytes.NewReader(b))
		}
		if alter != nil {
			alter(r, res)
		}
	}
	rc.mu.Lock()
	rc.log = append(rc.log, x)
	rc.mu.Unlock()
	return res, err
}

// requests returns the recorded exchanges to path ("" for all).
func (rc *recorder) requests(path string) []exchange {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []exchange
	for _, x := range rc.log {
		if path == "" || x.path == path {
			out = append(out, x)
		}
	}
	return out
}

// sleeper replaces RetryPolicy.Sleep: it records the waits and returns at
// once, or runs onSleep (which may cancel the caller's context).
type sleeper struct {
	mu      sync.Mutex
	waits   []time.Duration
	onSleep func()
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	f := s.onSleep
	s.mu.Unlock()
	if f != nil {
		f()
	}
	return ctx.Err()
}

func (s *sleeper) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// env is a real server (sandbox mode, rate limits off) on a fresh, seeded
// SQLite database, and the instruments around a client of it.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	path  string
	srv   *httptest.Server
	rec   *recorder
	sleep *sleeper
	logs  *logBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "redcloud.db")
	tmpl, err := seededTemplate()
	if err != nil {
		t.Fatalf("seeded database: %v", err)
	}
	if err := os.WriteFile(path, tmpl, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if seeded, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now())); err != nil || seeded {
		t.Fatalf("the copy of the seeded database: seeded again %v, err %v", seeded, err)
	}
	// AuthCacheTTL -1: tests suspend clients in the store and expect the
	// next request to see it (the server's 1 s cache is tested in httpapi).
	server, err := httpapi.New(httpapi.Config{Store: db, Sandbox: true, RateLimit: 0, AuthCacheTTL: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	srv := httptest.NewServer(server)
	t.Cleanup(srv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	e := &env{t: t, ctx: ctx, db: db, path: path, srv: srv, rec: &recorder{next: tr}, sleep: &sleeper{}, logs: &logBuffer{}}
	t.Cleanup(func() {
		if found := leaks(e.logs.String()); len(found) > 0 {
			t.Errorf("client log holds secrets %q:\n%s", found, e.logs.String())
		}
	})
	return e
}

// seededTemplate returns the bytes of a migrated database seeded with
// platform.SandboxSeed, built once: every env starts from a copy, which is
// much faster than migrating and seeding each time (under -race above all).
var seededTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "redcloud-client-test")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if _, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now())); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil { // checkpoints the WAL into the file
		return nil, err
	}
	return os.ReadFile(path)
})

// config returns the client configuration the tests start from: the
// sandbox client, the recorder, the logger, a sleep that does not sleep and
// a jitter that always takes the full backoff.
func (e *env) config() redcloud.Config {
	return redcloud.Config{
		BaseURL:      e.srv.URL,
		ClientID:     clientID,
		ClientSecret: clientSecret,
		HTTPClient:   &http.Client{Transport: e.rec, Timeout: 10 * time.Second},
		Logger:       slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Retry: redcloud.RetryPolicy{
			Sleep:  e.sleep.Sleep,
			Jitter: func(d time.Duration) time.Duration { return d },
		},
	}
}

// client returns a client of the env's server, cfg changed by mods.
func (e *env) client(mods ...func(*redcloud.Config)) *redcloud.Client {
	e.t.Helper()
	cfg := e.config()
	for _, m := range mods {
		m(&cfg)
	}
	c, err := redcloud.NewClient(cfg)
	if err != nil {
		e.t.Fatalf("NewClient: %v", err)
	}
	return c
}

// faultOn adds fault to the requests to path whose number (1-based) is in
// attempts; no attempts means every request to path.
func (e *env) faultOn(path, fault string, attempts ...int) {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	e.rec.fault = func(p string, n int) string {
		if p != path {
			return ""
		}
		if len(attempts) == 0 {
			return fault
		}
		for _, a := range attempts {
			if a == n {
				return fault
			}
		}
		return ""
	}
}

// sms returns a send request for an SMS from sendFrom.
func sms(sendFrom, text string, to ...string) redcloud.SendRequest {
	return redcloud.SendRequest{SendFrom: sendFrom, To: to, MessageType: redcloud.MessageTypeSMS, Text: text,
		ExternalReference: "order_789"}
}

// raw opens the database file read-only for assertions on stored rows.
func (e *env) raw() *sql.DB {
	e.t.Helper()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: e.path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		e.t.Fatalf("open %s read-only: %v", e.path, err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

// messageIDsFor returns the ids of the messages stored under key, in id order.
func (e *env) messageIDsFor(key string) []string {
	e.t.Helper()
	rows, err := e.raw().QueryContext(e.ctx, `SELECT id FROM messages WHERE idempotency_key = ? ORDER BY id`, key)
	if err != nil {
		e.t.Fatalf("query messages: %v", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// response builds a response for an intercepted request.
func response(r *http.Request, status int, contentType, body string, header ...string) *http.Response {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), ProtoMajor: 1, ProtoMinor: 1}
}

// asAPIError returns err's *APIError or fails the test.
func asAPIError(t *testing.T, err error) *redcloud.APIError {
	t.Helper()
	var ae *redcloud.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return ae
}

// asOAuthError returns err's *OAuthError or fails the test.
func asOAuthError(t *testing.T, err error) *redcloud.OAuthError {
	t.Helper()
	var oe *redcloud.OAuthError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) is not an *OAuthError", err, err)
	}
	return oe
}

// statuses lists the status of each attempt.
func statuses(as []redcloud.Attempt) []int {
	out := make([]int, len(as))
	for i, a := range as {
		out[i] = a.Status
	}
	return out
}

// containsAll reports whether s holds every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
