package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/openapitest"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// The fuzz targets here drive whole routes in process: httptest.NewRecorder
// and Server.ServeHTTP, with header bytes no HTTP client would send (the
// real net/http server refuses some of them before the handler; the handler
// must not depend on that). Every response is checked against
// api/openapi.yaml. .ci/run fuzzes each for 10 s.

// fuzzServer is one sandbox server for a whole fuzz run, on a copy of the
// seeded template database.
type fuzzServer struct {
	server *httpapi.Server
	log    *logScanner
}

func newFuzzServer(f *testing.F, opts ...option) *fuzzServer {
	f.Helper()
	tmpl, err := seededTemplate()
	if err != nil {
		f.Fatalf("seed template database: %v", err)
	}
	// On tmpfs when there is one: the database runs synchronous=FULL, and
	// the token route writes on every failed attempt; thousands of fsyncs a
	// second would only load the disk.
	dir := f.TempDir()
	if d, err := os.MkdirTemp("/dev/shm", "redcloud-fuzz-"); err == nil {
		dir = d
		f.Cleanup(func() { os.RemoveAll(d) })
	}
	path := filepath.Join(dir, "redcloud.db")
	if err := copyFile(path, tmpl); err != nil {
		f.Fatal(err)
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	log := &logScanner{}
	cfg := httpapi.Config{
		Store: db, Sandbox: true, RateLimit: 0,
		// The throttle would answer 429 after ten failures and hide every
		// path behind it from the fuzzer; TestTokenThrottle* cover it.
		AuthFailureLimit: 1 << 30,
		Logger:           slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	server, err := httpapi.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	return &fuzzServer{server: server, log: log}
}

// serve runs req through the server and returns the response, checked
// against the OpenAPI document, and its body.
func (s *fuzzServer) serve(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	s.server.ServeHTTP(rec, req)
	res := rec.Result()
	body := rec.Body.Bytes()
	openapitest.New(t).Check(t, req, res, body)
	if bad := s.log.violation(); bad != "" {
		t.Fatalf("server log: %s", bad)
	}
	return res, body
}

// logScanner is the fuzz servers' log: too much passes through it to keep,
// so each write is scanned for a panic and for anything secret.
type logScanner struct {
	mu     sync.Mutex
	secret []string
	bad    string
}

func (l *logScanner) forbid(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.secret = append(l.secret, s)
}

func (l *logScanner) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bad == "" {
		if bytes.Contains(p, []byte(`"msg":"panic"`)) {
			l.bad = "a handler panicked: " + string(p)
		}
		for _, s := range append([]string{platform.PrefixToken, platform.PrefixWebhookSecret, clientSecret, otherSecret}, l.secret...) {
			if bytes.Contains(p, []byte(s)) {
				l.bad = "holds " + s + ": " + string(p)
			}
		}
	}
	return len(p), nil
}

func (l *logScanner) violation() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bad
}

// FuzzTokenRoute posts an arbitrary body with an arbitrary Content-Type and
// Authorization header to the token route. Never a panic, never a 5xx; every
// answer is the OAuth shape with the no-store headers; 200 only for a
// credential pair the sandbox seeded. An Authorization value of the form
// {basic:ID:SECRET} is sent as HTTP Basic of ID:SECRET, so the fuzzer can
// mutate credentials without learning Base64.
func FuzzTokenRoute(f *testing.F) {
	s := newFuzzServer(f)
	f.Add([]byte("grant_type=client_credentials"), "application/x-www-form-urlencoded", "{basic:"+clientID+":"+clientSecret+"}")
	f.Add([]byte("grant_type=client_credentials&client_id="+otherID+"&client_secret="+otherSecret), "application/x-www-form-urlencoded", "")
	f.Fuzz(func(t *testing.T, body []byte, contentType, authorization string) {
		if strings.HasPrefix(authorization, "{basic:") && strings.HasSuffix(authorization, "}") {
			authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte(authorization[len("{basic:"):len(authorization)-1]))
		}
		req := httptest.NewRequest(http.MethodPost, "/api/auth/token", bytes.NewReader(body))
		req.Header = http.Header{}
		if contentType != "" {
			req.Header["Content-Type"] = []string{contentType}
		}
		if authorization != "" {
			req.Header["Authorization"] = []string{authorization}
		}
		_, _, basic := req.BasicAuth()
		res, b := s.serve(t, req)

		if res.StatusCode >= 500 {
			t.Fatalf("status %d: %s", res.StatusCode, b)
		}
		if !reRequestID.MatchString(res.Header.Get(redcloud.HeaderRequestID)) {
			t.Errorf("X-Request-Id = %q", res.Header.Get(redcloud.HeaderRequestID))
		}
		if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Pragma") != "no-cache" {
			t.Errorf("Cache-Control %q, Pragma %q; want no-store, no-cache", res.Header.Get("Cache-Control"), res.Header.Get("Pragma"))
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("body is not JSON: %q", b)
		}
		if res.StatusCode == http.StatusOK {
			tok, _ := got["access_token"].(string)
			if !reToken.MatchString(tok) || got["token_type"] != "bearer" || len(got) != 3 {
				t.Fatalf("200 body %s", b)
			}
			s.log.forbid(tok)
			if !seededCredentials(req, body) {
				t.Fatalf("token issued for credentials the sandbox did not seed: body %q, Authorization %q", body, authorization)
			}
			return
		}
		code, _ := got["error"].(string)
		desc, _ := got["error_description"].(string)
		if len(got) != 2 || desc == "" {
			t.Fatalf("body %s: want exactly error and error_description", b)
		}
		if res.Header.Get(redcloud.HeaderOutcome) != redcloud.OutcomeNotProcessed {
			t.Errorf("X-RedCloud-Outcome = %q on an error", res.Header.Get(redcloud.HeaderOutcome))
		}
		want := map[int][]string{
			http.StatusBadRequest:            {redcloud.OAuthInvalidRequest, redcloud.OAuthUnsupportedGrantType},
			http.StatusUnauthorized:          {redcloud.OAuthInvalidClient},
			http.StatusRequestEntityTooLarge: {redcloud.OAuthInvalidRequest},
		}[res.StatusCode]
		if !slices.Contains(want, code) {
			t.Fatalf("%d %s: status and error do not match CONTRACT §1", res.StatusCode, b)
		}
		if res.StatusCode == http.StatusUnauthorized && basic != (res.Header.Get("WWW-Authenticate") == `Basic realm="redcloud"`) {
			t.Errorf("401 with Basic=%v: WWW-Authenticate %q", basic, res.Header.Get("WWW-Authenticate"))
		}
	})
}

// seededCredentials reports whether the request carried one of the seeded
// client secrets, in the form body or in HTTP Basic.
func seededCredentials(req *http.Request, body []byte) bool {
	form, _ := url.ParseQuery(string(body))
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := req.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
	}
	return id == clientID && secret == clientSecret || id == otherID && secret == otherSecret
}

// FuzzSendHeaders sends arbitrary Authorization and Idempotency-Key header
// bytes to the send route, with a body sending from the other client's
// number. "{token}" in the Authorization value stands for a valid access
// token. The answer is the one CONTRACT §5 orders: 401 unless the header is
// "Bearer <the token>", then 400 for a missing or invalid key, then — the
// key looked up in the database — 403 for the number; always the CORE
// shape, never a 5xx. Nothing is written, and the clock stands still, so an
// input always takes the same path: the fuzzer's coverage guidance needs
// that (an accepted send would change the database under the next input).
// Acceptance under keys of every visible ASCII character, replays and 409s
// are covered in send_test.go.
func FuzzSendHeaders(f *testing.F) {
	clk := &clock{now: start}
	s := newFuzzServer(f, func(c *httpapi.Config) { c.Now = clk.Now })
	tokReq := httptest.NewRequest(http.MethodPost, "/api/auth/token", strings.NewReader("grant_type=client_credentials"))
	tokReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tokReq.SetBasicAuth(clientID, clientSecret)
	rec := httptest.NewRecorder()
	s.server.ServeHTTP(rec, tokReq)
	var tr redcloud.TokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil || !reToken.MatchString(tr.AccessToken) {
		f.Fatalf("token: %d %s", rec.Code, rec.Body.Bytes())
	}
	token := tr.AccessToken
	s.log.forbid(token)
	body := sms(otherNumber, "fuzz", numberE164)
	f.Add("Bearer {token}", "idem_order_789")
	f.Add("Bearer {token}", "")
	f.Fuzz(func(t *testing.T, authorization, key string) {
		authorization = strings.ReplaceAll(authorization, "{token}", token)
		req := httptest.NewRequest(http.MethodPost, "/api/core/messages/send", strings.NewReader(body))
		req.Header = http.Header{"Content-Type": {"application/json"}}
		if authorization != "" {
			req.Header["Authorization"] = []string{authorization}
		}
		if key != "" {
			req.Header[redcloud.HeaderIdempotencyKey] = []string{key}
		}
		res, b := s.serve(t, req)
		if res.StatusCode >= 500 {
			t.Fatalf("status %d: %s", res.StatusCode, b)
		}

		scheme, rest, _ := strings.Cut(authorization, " ")
		authenticated := strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(rest) == token
		var want struct {
			status  int
			code    string
			message string
			details map[string]any
		}
		switch {
		case !authenticated:
			want.status, want.code, want.message = 401, redcloud.CodeUnauthorized, httpapi.MsgInvalidToken
		case key == "":
			want.status, want.code, want.message = 400, redcloud.CodeInvalidRequest, platform.MsgKeyRequired
		case !redcloud.ValidIdempotencyKey(key):
			want.status, want.code, want.message = 400, redcloud.CodeInvalidRequest, "Idempotency-Key must be 1-255 visible ASCII characters"
			want.details = map[string]any{"field": redcloud.HeaderIdempotencyKey}
		default:
			want.status, want.code, want.message = 403, redcloud.CodeForbidden, platform.MsgNotOwned
			want.details = map[string]any{"field": "sendFrom"}
		}
		if res.StatusCode != want.status {
			t.Fatalf("Authorization %q, key %q: %d %s; want %d %s", authorization, key, res.StatusCode, b, want.status, want.message)
		}
		var e coreErr
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("body is not JSON: %q", b)
		}
		if want.details == nil {
			want.details = map[string]any{}
		}
		if e.Error.Code != want.code || e.Error.Message != want.message || !reflect.DeepEqual(e.Error.Details, want.details) {
			t.Fatalf("error %s; want %s %q %v", b, want.code, want.message, want.details)
		}
		if id := res.Header.Get(redcloud.HeaderRequestID); e.RequestID != id || !reRequestID.MatchString(id) {
			t.Errorf("requestId %q, X-Request-Id %q", e.RequestID, id)
		}
		if res.Header.Get(redcloud.HeaderOutcome) != redcloud.OutcomeNotProcessed {
			t.Errorf("X-RedCloud-Outcome = %q on an error", res.Header.Get(redcloud.HeaderOutcome))
		}
		if want.status == 401 && res.Header.Get("WWW-Authenticate") != `Bearer realm="redcloud"` {
			t.Errorf("WWW-Authenticate = %q", res.Header.Get("WWW-Authenticate"))
		}
	})
}
