package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/store/storetest"
	"github.com/redcloud-core/redcloud/internal/testwait"
)

// Hostile input against the built binary: what depends on the real
// http.Server settings of `redcloud serve` (header timeout, header size,
// connections) and on the process (memory, its log, its database files).
// The request-level hostile inputs are tested in process in
// internal/httpapi/hostile_test.go.

// vmRSS returns the resident set size of process pid in bytes.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" && f[2] == "kB" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// hostAddr is the server's host:port.
func (s *server) hostAddr() string { return strings.TrimPrefix(s.base, "http://") }

// rawExchange writes head + "\r\n\r\n" and then body (concurrently, errors
// ignored) on a new connection and reads one response. A connection the
// server closed without answering is returned as err.
func (s *server) rawExchange(head string, body io.Reader) (*http.Response, []byte, error) {
	conn, err := net.Dial("tcp", s.hostAddr())
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	go func() {
		io.WriteString(conn, head+"\r\n\r\n")
		if body != nil {
			io.Copy(conn, body)
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b, nil
}

// whoamiOK fails t unless a normal request succeeds.
func (s *server) whoamiOK(t *testing.T, tok string) {
	t.Helper()
	status, _, body, err := s.do("GET", "/api/core/whoami", tok, nil, nil)
	if err != nil || status != 200 {
		t.Fatalf("whoami after the hostile requests: %d %s %v\n%s", status, body, err, s.logs.String())
	}
}

// TestHostileConnections floods the built server with oversized headers and
// bodies, header bytes net/http refuses, and 500 idle keep-alive plus 200
// silent connections; each is answered with the documented error or a
// closed connection, a normal request still succeeds, and the process stays
// under 200 MB resident.
func TestHostileConnections(t *testing.T) {
	t.Parallel()
	s := start(t, "--db", filepath.Join(t.TempDir(), "redcloud.db"))
	tok := s.token(demoID, demoSecret)
	pid := s.cmd.Process.Pid
	rssBefore := vmRSS(t, pid)

	// Header flood: 2 MiB of header, 20 at once. net/http reads up to its
	// 1 MiB MaxHeaderBytes, answers 431 and closes; a client still writing
	// may see the close (a reset) instead of the answer.
	var answered431, closed atomic.Int32
	var wg sync.WaitGroup
	flood := "GET /api/core/whoami HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + tok + "\r\nX-Flood: " + strings.Repeat("a", 2<<20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, body, err := s.rawExchange(flood, nil)
			switch {
			case err != nil:
				closed.Add(1)
			case res.StatusCode == http.StatusRequestHeaderFieldsTooLarge:
				answered431.Add(1)
			default:
				t.Errorf("header flood: %d %s", res.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	if answered431.Load() == 0 {
		t.Errorf("header flood: no 431 among 20 (%d closed)", closed.Load())
	}
	t.Logf("header flood: %d answered 431, %d closed while writing", answered431.Load(), closed.Load())

	// Body flood: 100 MiB announced, 2 MiB written: 413 after 64 KiB.
	res, body, err := s.rawExchange("POST /api/core/messages/send HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "+tok+
		"\r\nContent-Type: application/json\r\nIdempotency-Key: flood\r\nContent-Length: 104857600",
		strings.NewReader(`{"text":"`+strings.Repeat("x", 2<<20)))
	if err == nil && (res.StatusCode != 413 || !strings.Contains(string(body), "request body exceeds 64 KiB")) {
		t.Errorf("body flood: %d %s", res.StatusCode, body)
	}
	t.Logf("body flood: %v", func() any {
		if err != nil {
			return err
		}
		return res.Status
	}())

	// Header bytes a Go client refuses to send: net/http's plain 400, closed.
	for name, h := range map[string]string{"NUL in the Idempotency-Key": "Idempotency-Key: idem\x00order", "NUL in Authorization": "Authorization: Bearer rc_at_\x00"} {
		res, body, err := s.rawExchange("POST /api/core/messages/send HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"+h, strings.NewReader("{}"))
		if err != nil || res.StatusCode != 400 || !res.Close {
			t.Errorf("%s: %v %v %s; want net/http's 400 and a closed connection", name, err, res, body)
		}
	}

	// 500 idle keep-alive connections (one request each, then nothing),
	// and 200 that never send a byte.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 700 {
		c, err := net.Dial("tcp", s.hostAddr())
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if i >= 500 {
			continue
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != 200 || res.Close {
			t.Fatalf("keep-alive connection %d: %v %v", i, err, res)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	began := time.Now()
	s.whoamiOK(t, tok)
	t.Logf("700 idle connections open; a normal request took %v", time.Since(began))

	// A send still works end to end.
	status, _, b, err := s.do("POST", "/api/core/messages/send", tok,
		map[string]any{"sendFrom": "num_abc123", "to": []string{"+15551234567"}, "messageType": "SMS", "text": "still here"},
		map[string]string{"Idempotency-Key": "after-flood"})
	if err != nil || status != 202 {
		t.Errorf("send after the floods: %d %s %v", status, b, err)
	}
	rssAfter := vmRSS(t, pid)
	t.Logf("VmRSS %d MB before, %d MB after", rssBefore>>20, rssAfter>>20)
	if rssAfter > 200<<20 {
		t.Errorf("VmRSS %d MB after the floods, want under 200 MB", rssAfter>>20)
	}
	if s.cmd.ProcessState != nil {
		t.Fatalf("the server exited: %v", s.cmd.ProcessState)
	}
}

// TestSlowHeaderClosed: a client that sends its header a byte at a time is
// cut off by ReadHeaderTimeout (10 s in serve.go) — closed without an
// answer — however steadily it keeps sending. This is the one test here that
// waits for a real server timeout; TestServeTimeouts reads the others.
func TestSlowHeaderClosed(t *testing.T) {
	t.Parallel()
	s := start(t, "--db", filepath.Join(t.TempDir(), "redcloud.db"))
	conn, err := net.Dial("tcp", s.hostAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	began := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		header := "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + strings.Repeat("a", 1000)
		for i := 0; i < len(header); i++ {
			if _, err := conn.Write([]byte{header[i]}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	n, err := conn.Read(make([]byte, 1024))
	took := time.Since(began)
	if n != 0 || !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("after %v: read %d bytes, %v; want the connection closed without an answer", took, n, err)
	}
	t.Logf("a byte-by-byte header was cut off after %v", took.Round(time.Millisecond))
	// The upper bound only tells ReadHeaderTimeout from ReadTimeout (30 s):
	// a busy machine may close late, never early.
	if took < 9*time.Second || took > 25*time.Second {
		t.Errorf("closed after %v, want ReadHeaderTimeout (10 s)", took)
	}
	// The server is fine.
	if status, _, _, err := s.do("GET", "/healthz", "", nil, nil); err != nil || status != 200 {
		t.Errorf("healthz after: %d %v", status, err)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// TestServeTimeouts reads serve.go: the http.Server of `redcloud serve` sets
// every timeout that bounds a slow or idle client. Waiting 30 s for
// ReadTimeout or 120 s for IdleTimeout in a test would say no more than
// this; TestSlowHeaderClosed shows one of them working.
func TestServeTimeouts(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "../../cmd/redcloud/serve.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Duration{}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Server" {
			return true
		}
		for _, el := range lit.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			if key, ok := kv.Key.(*ast.Ident); ok {
				got[key.Name] = duration(kv.Value)
			}
		}
		return false
	})
	want := map[string][2]time.Duration{ // bounds each must lie within
		"ReadHeaderTimeout": {time.Second, 30 * time.Second},
		"ReadTimeout":       {time.Second, 5 * time.Minute},
		"WriteTimeout":      {time.Second, 5 * time.Minute},
		"IdleTimeout":       {time.Second, 10 * time.Minute},
	}
	for name, b := range want {
		d, ok := got[name]
		if !ok || d < b[0] || d > b[1] {
			t.Errorf("http.Server.%s = %v (set: %v), want %v-%v", name, d, ok, b[0], b[1])
		}
	}
	if _, ok := got["MaxHeaderBytes"]; ok {
		t.Logf("MaxHeaderBytes is set; TestHostileConnections checks the 431")
	}
	t.Logf("serve.go: %v (MaxHeaderBytes: net/http's default 1 MiB)", got)
}

// duration evaluates "N * time.Unit" (or "time.Unit").
func duration(e ast.Expr) time.Duration {
	units := map[string]time.Duration{"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute, "Hour": time.Hour}
	switch x := e.(type) {
	case *ast.SelectorExpr:
		return units[x.Sel.Name]
	case *ast.BasicLit:
		n, _ := strconv.ParseInt(x.Value, 0, 64)
		return time.Duration(n)
	case *ast.BinaryExpr:
		if x.Op == token.MUL {
			return duration(x.X) * duration(x.Y)
		}
	case *ast.ParenExpr:
		return duration(x.X)
	}
	return 0
}

// admin runs `redcloud admin args… --db path`, fails t unless it exits 0,
// and returns its stdout.
func admin(t *testing.T, path string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append(append([]string{"admin"}, args...), "--db", path)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("redcloud admin %v: %v\n%s%s", args, err, out, stderr.Bytes())
	}
	return string(out)
}

// TestSuspensionWithinOneSecond: while a loop of whoami requests runs, an
// operator suspends the API client (then, once it is active again, its
// account) with the admin command on the same database; the server's token
// cache lives at most 1 s, so every request sent more than 1 s (plus
// 300 ms slack) after the command returned is answered 401, and the token
// route refuses new tokens at once. Requests are judged by when they were
// sent, not answered, so a slow, busy machine cannot fail the test.
func TestSuspensionWithinOneSecond(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "redcloud.db")
	s := start(t, "--db", path)
	tok := s.token(demoID, demoSecret)

	type answer struct {
		sent, at time.Time
		status   int
		message  string
	}
	watch := func(t *testing.T, change func(), wantMsg string) {
		t.Helper()
		var mu sync.Mutex
		var answers []answer
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			client := &http.Client{Timeout: 5 * time.Second}
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/api/core/whoami", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				sent := time.Now()
				res, err := client.Do(req)
				if err != nil {
					continue
				}
				var body struct {
					Error struct{ Message string } `json:"error"`
				}
				json.NewDecoder(res.Body).Decode(&body)
				res.Body.Close()
				mu.Lock()
				answers = append(answers, answer{sent, time.Now(), res.StatusCode, body.Error.Message})
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
		time.Sleep(300 * time.Millisecond) // the cache holds the token now
		began := time.Now()
		change()
		committed := time.Now()
		// Past this, the cache entry of before the change has expired.
		expired := committed.Add(1300 * time.Millisecond)
		testwait.Eventually(t, time.Minute, func() bool {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, a := range answers {
				if a.sent.After(expired) {
					n++
				}
			}
			return n >= 5
		}, "five answers to requests sent over 1.3 s after the change")
		cancel()
		<-done

		mu.Lock()
		defer mu.Unlock()
		var first time.Time
		for _, a := range answers {
			switch {
			case a.at.Before(began):
				if a.status != 200 {
					t.Fatalf("before the change: %d %s", a.status, a.message)
				}
			case first.IsZero() && a.status == 401:
				if a.message != wantMsg {
					t.Errorf("401 %q, want %q", a.message, wantMsg)
				}
				first = a.at
			case !first.IsZero() && (a.status != 401 || a.message != wantMsg):
				t.Errorf("after the first 401, %d %q", a.status, a.message)
			}
		}
		if first.IsZero() {
			t.Fatalf("no 401 %q (%d answers)", wantMsg, len(answers))
		}
		for _, a := range answers {
			if a.sent.After(expired) && a.status != 401 {
				t.Errorf("request sent %v after the suspension committed: %d %q, want 401 (the cache lives 1 s, +300 ms slack)",
					a.sent.Sub(committed).Round(time.Millisecond), a.status, a.message)
				break
			}
		}
		t.Logf("%q: admin command took %v; first 401 %v after it returned (%v after it started); %d requests",
			wantMsg, committed.Sub(began).Round(time.Millisecond), first.Sub(committed).Round(time.Millisecond),
			first.Sub(began).Round(time.Millisecond), len(answers))
	}
	tokenStatus := func() (int, string) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {demoID}, "client_secret": {demoSecret}}
		res, err := http.PostForm(s.base+"/api/auth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b struct {
			Description string `json:"error_description"`
		}
		json.NewDecoder(res.Body).Decode(&b)
		return res.StatusCode, b.Description
	}

	t.Run("client", func(t *testing.T) {
		watch(t, func() { admin(t, path, "client", "suspend", demoID) }, "API client is not active")
		if status, desc := tokenStatus(); status != 401 || desc != "API client is not active" {
			t.Errorf("token for a suspended client: %d %q", status, desc)
		}
	})
	admin(t, path, "client", "activate", demoID)
	// Re-activation revives no token issued before the suspension: the old
	// one stays refused, a new one works.
	if status, _, _, err := s.do("GET", "/api/core/whoami", tok, nil, nil); err != nil || status != 401 {
		t.Errorf("token from before the suspension after re-activation: %d %v, want 401", status, err)
	}
	tok = s.token(demoID, demoSecret)
	testwait.Eventually(t, 30*time.Second, func() bool {
		status, _, _, err := s.do("GET", "/api/core/whoami", tok, nil, nil)
		return err == nil && status == 200
	}, "the client to be active again")
	t.Run("account", func(t *testing.T) {
		watch(t, func() { admin(t, path, "account", "suspend", "acct_demo") }, "account is not active")
		if status, desc := tokenStatus(); status != 401 || desc != "account is not active" {
			t.Errorf("token for a client of a suspended account: %d %q", status, desc)
		}
	})
}

// TestBinaryLogHoldsNoSecrets drives a whole flow through the built server —
// tokens (Basic and body), failures, whoami, numbers, search, PATCH, sends,
// replay, conflict, message, key, sandbox webhooks delivered to a receiver
// and refused by another, inbound, sandbox faults, an admin-created client
// and a webhook secret rotation — then stops it and scans its whole stderr
// for every secret and token that was issued, and the database files for
// every token and client secret (only the webhook secrets may be there).
func TestBinaryLogHoldsNoSecrets(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "redcloud.db")
	s := start(t, "--db", path, "--sandbox-delay", "0s", "--poll-interval", "50ms", "--webhook-retry-schedule", "100ms,100ms")
	var delivered, refused atomic.Int32
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delivered.Add(1)
		w.WriteHeader(204)
	}))
	defer good.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refused.Add(1)
		http.Error(w, "no", 500)
	}))
	defer bad.Close()

	var secrets []string
	tokenFor := func(id, secret string, basic bool) (int, string) {
		form := url.Values{"grant_type": {"client_credentials"}}
		if !basic {
			form.Set("client_id", id)
			form.Set("client_secret", secret)
		}
		req, _ := http.NewRequest("POST", s.base+"/api/auth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(id, secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tr struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(res.Body).Decode(&tr)
		if tr.AccessToken != "" {
			secrets = append(secrets, tr.AccessToken)
		}
		return res.StatusCode, tr.AccessToken
	}
	_, tok := tokenFor(demoID, demoSecret, true)
	_, tok2 := tokenFor(demoID, demoSecret, false)
	_, other := tokenFor("rc_other_client_456", "rc_other_secret_456", true)
	tokenFor(demoID, "wrong_secret_e2e", true)
	tokenFor(demoID, "wrong_secret_e2e", false)
	if tok == "" || tok2 == "" || other == "" {
		t.Fatal("no tokens")
	}
	call := func(method, p, token string, body any, headers map[string]string) []byte {
		_, _, b, err := s.do(method, p, token, body, headers)
		if err != nil && !strings.Contains(err.Error(), "EOF") {
			t.Fatalf("%s %s: %v", method, p, err)
		}
		return b
	}
	var hooks struct {
		SigningSecret string `json:"signingSecret"`
	}
	json.Unmarshal(call("PUT", "/api/sandbox/webhooks", tok, map[string]any{"deliveryUrl": good.URL + "/d", "inboundUrl": bad.URL + "/i"}, nil), &hooks)
	json.Unmarshal(call("PUT", "/api/sandbox/webhooks", other, map[string]any{"deliveryUrl": bad.URL + "/d"}, nil), &struct{}{})
	secrets = append(secrets, hooks.SigningSecret)
	call("GET", "/api/core/whoami", tok, nil, nil)
	call("GET", "/api/core/whoami", tok[:len(tok)-2]+"xx", nil, nil)
	call("GET", "/api/core/numbers", tok2, nil, nil)
	call("POST", "/api/core/numbers/search", tok, map[string]any{"npa": "512", "limit": 3}, nil)
	call("PATCH", "/api/core/numbers/num_abc123", tok, map[string]any{"campaignregId": "A1B2C3"}, nil)
	call("PATCH", "/api/core/numbers/num_def456", tok, map[string]any{"campaignregId": "X"}, nil)
	send := map[string]any{"sendFrom": "num_abc123", "to": []string{"+15551234567", "+15005550002", "bad"}, "messageType": "SMS", "text": "hello", "externalReference": "order_789"}
	var sent struct {
		Results []struct {
			MessageID string `json:"messageId"`
		} `json:"results"`
	}
	json.Unmarshal(call("POST", "/api/core/messages/send", tok, send, map[string]string{"Idempotency-Key": "log-1"}), &sent)
	call("POST", "/api/core/messages/send", tok, send, map[string]string{"Idempotency-Key": "log-1"})
	send["text"] = "changed"
	call("POST", "/api/core/messages/send", tok, send, map[string]string{"Idempotency-Key": "log-1"})
	call("POST", "/api/core/messages/send", tok, send, map[string]string{"Idempotency-Key": "log-2", "X-RedCloud-Sandbox-Fault": "commit_then_500"})
	call("POST", "/api/core/messages/send", tok, send, map[string]string{"Idempotency-Key": "log-3", "X-RedCloud-Sandbox-Fault": "commit_then_drop"})
	call("POST", "/api/core/messages/send", other, map[string]any{"sendFrom": "num_def456", "to": []string{"+15551234567"}, "messageType": "SMS", "text": "b"},
		map[string]string{"Idempotency-Key": "log-b"})
	call("GET", "/api/core/idempotency-keys/log-1", tok, nil, nil)
	if len(sent.Results) > 0 {
		call("GET", "/api/core/messages/"+sent.Results[0].MessageID, tok, nil, nil)
	}
	call("POST", "/api/sandbox/inbound", tok, map[string]any{"numberId": "num_abc123", "from": "+15557654321", "text": "STOP"}, nil)
	call("GET", "/api/core/nope", tok, nil, map[string]string{"X-RedCloud-Sandbox-Fault": "server_error"})
	tokenFor(demoID, demoSecret, true) // one more, to be scanned for too

	// Operators' secrets: a new client, its token, a webhook secret rotation.
	var created struct {
		APIClientID, ClientSecret, WebhookSecret string
	}
	if err := json.Unmarshal([]byte(admin(t, path, "client", "create", "--account", "acct_demo", "--name", "Log test", "--json")), &created); err != nil || created.ClientSecret == "" {
		t.Fatalf("admin client create: %v %+v", err, created)
	}
	secrets = append(secrets, created.ClientSecret, created.WebhookSecret)
	if status, _ := tokenFor(created.APIClientID, created.ClientSecret, true); status != 200 {
		t.Fatalf("token for the created client: %d", status)
	}
	var rotated struct{ WebhookSecret string }
	json.Unmarshal([]byte(admin(t, path, "client", "rotate-webhook-secret", demoID, "--json")), &rotated)
	if rotated.WebhookSecret == "" {
		t.Fatal("rotate-webhook-secret printed no secret")
	}
	secrets = append(secrets, rotated.WebhookSecret)

	testwait.Eventually(t, 20*time.Second, func() bool { return delivered.Load() >= 4 && refused.Load() >= 2 }, "webhooks delivered and refused")
	if err := s.stop(); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, `"msg":"stopped"`) {
		t.Fatalf("no clean stop:\n%s", logs)
	}
	for _, secret := range append(secrets, demoSecret, "rc_other_secret_456", "wrong_secret_e2e", "rc_at_", "rc_sk_", "whsec_", "hello", "STOP") {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("the server log holds %q", secret)
		}
	}
	t.Logf("%d log lines, %d secrets and tokens scanned for, %d webhooks delivered, %d refused",
		strings.Count(logs, "\n"), len(secrets)+3, delivered.Load(), refused.Load())

	// At rest: the database files hold no token and no client secret.
	var files [][]byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if b, err := os.ReadFile(path + suffix); err == nil {
			files = append(files, b)
		}
	}
	for _, secret := range append(secrets, demoSecret, "rc_other_secret_456") {
		if strings.HasPrefix(secret, "whsec_") {
			continue // stored in the clear by design: HMAC needs the key
		}
		for _, b := range files {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("the database files hold %.12s… in the clear", secret)
			}
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs)
	}
}

// TestSandboxExposure: sandbox mode (published credentials) refuses every
// non-loopback address unless --allow-public-sandbox, and logs a WARN at
// start in either case; production mode seeds nothing, logs no such
// warning and serves no sandbox route, inbound included.
func TestSandboxExposure(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0"} {
		out, err := exec.Command(binary, "serve", "--addr", addr, "--db", filepath.Join(t.TempDir(), "x.db")).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "loopback") {
			t.Errorf("sandbox on %q: %v %s; want refused", addr, err, out)
		}
	}
	warned := func(logs string) bool {
		for _, line := range strings.Split(logs, "\n") {
			var rec struct{ Level, Msg string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Level == "WARN" && strings.HasPrefix(rec.Msg, "SANDBOX MODE") {
				return true
			}
		}
		return false
	}
	local := start(t, "--db", filepath.Join(t.TempDir(), "local.db"))
	if !warned(local.logs.String()) {
		t.Errorf("no SANDBOX MODE warning at start:\n%s", local.logs.String())
	}
	public := start(t, "--addr", "0.0.0.0:0", "--allow-public-sandbox", "--db", filepath.Join(t.TempDir(), "public.db"))
	if !warned(public.logs.String()) || !strings.Contains(public.logs.String(), `"addr":"0.0.0.0:`) && !strings.Contains(public.logs.String(), `"addr":"[::]:`) {
		t.Errorf("--allow-public-sandbox: want a SANDBOX MODE warning and a listener on every interface:\n%s", public.logs.String())
	}

	path := filepath.Join(t.TempDir(), "prod.db")
	prod := start(t, "--sandbox=false", "--db", path)
	if warned(prod.logs.String()) {
		t.Errorf("production mode warns of sandbox mode:\n%s", prod.logs.String())
	}
	db := openDB(t, path)
	for _, table := range []string{"accounts", "api_clients", "numbers", "tokens", "messages"} {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("production database: %d rows in %s (%v), want none", n, table, err)
		}
	}
	for _, r := range []struct{ method, path string }{{"PUT", "/api/sandbox/webhooks"}, {"POST", "/api/sandbox/inbound"}} {
		status, h, body, err := prod.do(r.method, r.path, "", map[string]any{"numberId": "num_abc123"}, nil)
		if err != nil || status != 404 || !strings.Contains(string(body), `"code":"NOT_FOUND"`) || h.Get("X-RedCloud-Outcome") != "not_processed" {
			t.Errorf("%s %s in production mode: %d %s %v", r.method, r.path, status, body, err)
		}
	}
	// The fault header means nothing there.
	status, _, body, err := prod.do("GET", "/healthz", "", nil, map[string]string{"X-RedCloud-Sandbox-Fault": "server_error"})
	if err != nil || status != 200 {
		t.Errorf("fault header in production mode: %d %s %v", status, body, err)
	}
}

// TestHostileValuesNeverServerError sends strings no database column can
// hold (U+0000, invalid UTF-8, a client_id longer than PostgreSQL indexes)
// through every route of the built server, on SQLite and on PostgreSQL
// (REDCLOUD_TEST_POSTGRES_URL): each is a 4xx, never a 500 from the
// database.
func TestHostileValuesNeverServerError(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "redcloud.db")
			if backend == "postgres" {
				dsn = storetest.Postgres(t)
			}
			s := start(t, "--db", dsn)
			tok := s.token(demoID, demoSecret)
			type req struct {
				method, path, ctype, body string
				key                       string
				want                      int
			}
			long := strings.Repeat("a", 8000)
			tests := []req{
				{"POST", "/api/core/messages/send", "application/json", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"a\u0000b"}`, "nul-1", 400},
				{"POST", "/api/core/messages/send", "application/json", `{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"x","externalReference":"\u0000"}`, "nul-2", 400},
				{"POST", "/api/core/messages/send", "application/json", "{\"sendFrom\":\"num_abc123\",\"to\":[\"+15551234567\"],\"messageType\":\"SMS\",\"text\":\"\xff\"}", "utf-1", 400},
				{"POST", "/api/core/numbers/search", "application/json", `{"city":"a\u0000"}`, "", 400},
				{"PATCH", "/api/core/numbers/num_abc123", "application/json", `{"campaignregId":"a\u0000"}`, "", 400},
				{"PATCH", "/api/core/numbers/num_%00", "application/json", `{"campaignregId":"a"}`, "", 403},
				{"PATCH", "/api/core/numbers/num_%FF", "application/json", `{"campaignregId":"a"}`, "", 403},
				{"PATCH", "/api/core/numbers/num_" + long, "application/json", `{"campaignregId":"a"}`, "", 403},
				{"GET", "/api/core/messages/msg_%00", "", "", "", 404},
				{"GET", "/api/core/messages/msg_%FF", "", "", "", 404},
				{"GET", "/api/core/messages/msg_" + long, "", "", "", 404},
				{"GET", "/api/core/idempotency-keys/k%00", "", "", "", 404},
				{"GET", "/api/core/idempotency-keys/k%FF", "", "", "", 404},
				{"POST", "/api/sandbox/inbound", "application/json", `{"numberId":"num_\u0000","from":"+15557654321","text":"x"}`, "", 400},
				{"POST", "/api/sandbox/inbound", "application/json", `{"numberId":"num_abc123","from":"+15557654321","text":"x\u0000"}`, "", 400},
				{"PUT", "/api/sandbox/webhooks", "application/json", `{"deliveryUrl":"http://127.0.0.1/\u0000"}`, "", 400},
				{"POST", "/api/auth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=a%00b&client_secret=x", "", 401},
				{"POST", "/api/auth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=a%FFb&client_secret=x", "", 401},
				{"POST", "/api/auth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=" + long + "&client_secret=x", "", 401},
			}
			for _, tt := range tests {
				r, _ := http.NewRequest(tt.method, s.base+tt.path, strings.NewReader(tt.body))
				if tt.ctype != "" {
					r.Header.Set("Content-Type", tt.ctype)
				}
				if !strings.HasPrefix(tt.path, "/api/auth/") {
					r.Header.Set("Authorization", "Bearer "+tok)
				}
				if tt.key != "" {
					r.Header.Set("Idempotency-Key", tt.key)
				}
				res, err := http.DefaultClient.Do(r)
				if err != nil {
					t.Fatalf("%s %.60s: %v", tt.method, tt.path, err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != tt.want {
					t.Errorf("%s %.60s %.80q: %d %s; want %d", tt.method, tt.path, tt.body, res.StatusCode, b, tt.want)
				}
			}
			if strings.Contains(s.logs.String(), `"level":"ERROR"`) {
				t.Errorf("the server logged errors:\n%s", s.logs.String())
			}
			s.whoamiOK(t, tok)
		})
	}
}
