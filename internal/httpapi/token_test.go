package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
)

var clientCredentials = url.Values{"grant_type": {"client_credentials"}}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// wantToken checks a 200 token response (CONTRACT §1) and returns the token.
func wantToken(t testing.TB, r resp) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if got := r.header.Get("Pragma"); got != "no-cache" {
		t.Errorf("Pragma = %q, want no-cache", got)
	}
	var body map[string]any
	mustJSON(t, r.body, &body)
	tok, _ := body["access_token"].(string)
	if !reToken.MatchString(tok) {
		t.Errorf("access_token = %q, want rc_at_ + 43 base64url characters", tok)
	}
	if body["token_type"] != "bearer" || body["expires_in"] != float64(3600) || len(body) != 3 {
		t.Errorf("body = %s, want token_type bearer, expires_in 3600 and nothing else", r.body)
	}
	return tok
}

func TestTokenIssued(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name  string
		form  url.Values
		basic string
	}{
		{"basic auth", clientCredentials, clientID + ":" + clientSecret},
		{"body credentials", form("grant_type", "client_credentials", "client_id", clientID, "client_secret", clientSecret), ""},
		{"content type with charset", clientCredentials, clientID + ":" + clientSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var extra []string
			if tt.name == "content type with charset" {
				extra = []string{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}
			}
			tok := wantToken(t, e.tokenForm(t, nil, tt.form, tt.basic, extra...))
			who := e.get(t, "/api/core/whoami", tok)
			if who.status != http.StatusOK {
				t.Errorf("whoami with the new token: %d %s", who.status, who.body)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	basic := clientID + ":" + clientSecret
	tests := []struct {
		name        string
		form        url.Values
		basic       string
		header      []string
		rawBody     string
		status      int
		code, desc  string
		wwwBasic    bool
		description string
	}{
		{name: "no credentials", form: clientCredentials,
			status: 400, code: "invalid_request", desc: "client_id and client_secret are required"},
		{name: "client_id without secret", form: form("grant_type", "client_credentials", "client_id", clientID),
			status: 400, code: "invalid_request", desc: "client_id and client_secret are required"},
		{name: "both methods", form: form("grant_type", "client_credentials", "client_id", clientID, "client_secret", clientSecret), basic: basic,
			status: 400, code: "invalid_request",
			desc: "use one client authentication method: HTTP Basic or client_id and client_secret in the body, not both"},
		{name: "wrong content type", form: clientCredentials, basic: basic, header: []string{"Content-Type", "application/json"},
			status: 400, code: "invalid_request", desc: "Content-Type must be application/x-www-form-urlencoded"},
		{name: "no content type", form: clientCredentials, basic: basic, header: []string{"Content-Type", ""},
			status: 400, code: "invalid_request", desc: "Content-Type must be application/x-www-form-urlencoded"},
		{name: "malformed form", rawBody: "grant_type=client_credentials&%zz", basic: basic,
			status: 400, code: "invalid_request", desc: "malformed form body"},
		{name: "repeated grant_type", form: form("grant_type", "client_credentials", "grant_type", "client_credentials"), basic: basic,
			status: 400, code: "invalid_request", desc: "grant_type must appear once"},
		{name: "bearer authorization header", form: form("grant_type", "client_credentials", "client_id", clientID, "client_secret", clientSecret),
			header: []string{"Authorization", "Bearer rc_at_x"},
			status: 400, code: "invalid_request", desc: "malformed Authorization header; use HTTP Basic"},
		{name: "grant_type missing", form: url.Values{}, basic: basic,
			status: 400, code: "unsupported_grant_type", desc: "Only client_credentials is supported"},
		{name: "grant_type password", form: form("grant_type", "password"), basic: basic,
			status: 400, code: "unsupported_grant_type", desc: "Only client_credentials is supported"},
		{name: "unknown client, basic", form: clientCredentials, basic: "rc_nobody:" + clientSecret,
			status: 401, code: "invalid_client", desc: "Client authentication failed", wwwBasic: true},
		{name: "unknown client, body", form: form("grant_type", "client_credentials", "client_id", "rc_nobody", "client_secret", clientSecret),
			status: 401, code: "invalid_client", desc: "Client authentication failed"},
		{name: "wrong secret, basic", form: clientCredentials, basic: clientID + ":wrong_secret",
			status: 401, code: "invalid_client", desc: "Client authentication failed", wwwBasic: true},
		{name: "wrong secret, body", form: form("grant_type", "client_credentials", "client_id", clientID, "client_secret", "wrong_secret"),
			status: 401, code: "invalid_client", desc: "Client authentication failed"},
		{name: "other client's secret", form: clientCredentials, basic: clientID + ":" + otherSecret,
			status: 401, code: "invalid_client", desc: "Client authentication failed", wwwBasic: true},
		{name: "body over 64 KiB", form: form("grant_type", "client_credentials", "pad", strings.Repeat("x", 70<<10)), basic: basic,
			status: 413, code: "invalid_request", desc: "request body exceeds 64 KiB"},
	}
	e := newEnv(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each case from its own address, so that the failures of
			// earlier cases cannot add up to the per-address throttle.
			c := fromAddr(t, fmt.Sprintf("127.0.0.%d", 100+i))
			var r resp
			if tt.rawBody != "" {
				h := []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Basic " + basicAuth(clientID, clientSecret)}
				r = e.do(t, c, request{method: http.MethodPost, path: "/api/auth/token", body: tt.rawBody, header: h})
			} else {
				r = e.tokenForm(t, c, tt.form, tt.basic, tt.header...)
			}
			wantOAuth(t, r, tt.status, tt.code, tt.desc)
			www := r.header.Get("WWW-Authenticate")
			if tt.wwwBasic && www != `Basic realm="redcloud"` {
				t.Errorf(`WWW-Authenticate = %q, want Basic realm="redcloud"`, www)
			}
			if !tt.wwwBasic && www != "" {
				t.Errorf("WWW-Authenticate = %q, want none", www)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q on a token error, want no-store", got)
			}
		})
	}
}

// TestTokenThrottlePerClient: 10 failures for one client_id, each from a
// different address, make further wrong secrets for it 429 until the window
// has passed — but never the right secret: knowing a client_id (every
// webhook body carries one) must not lock its owner out.
func TestTokenThrottlePerClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 10 {
		c := fromAddr(t, fmt.Sprintf("127.0.0.%d", 10+i))
		r := e.tokenForm(t, c, clientCredentials, clientID+":wrong_secret")
		wantOAuth(t, r, 401, "invalid_client", "Client authentication failed")
	}
	fresh := fromAddr(t, "127.0.0.20")
	r := e.tokenForm(t, fresh, clientCredentials, clientID+":wrong_secret")
	wantOAuth(t, r, 429, "temporarily_unavailable", "too many failed authentication attempts")
	if got := r.header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After = %q, want 60 (the whole window is left)", got)
	}
	// The right secret is answered, by either client authentication method.
	wantToken(t, e.tokenForm(t, fresh, clientCredentials, clientID+":"+clientSecret))
	wantToken(t, e.tokenForm(t, fresh, form("grant_type", "client_credentials", "client_id", clientID, "client_secret", clientSecret), ""))
	// The body method is throttled alike: the key is the client_id.
	r = e.tokenForm(t, fresh, form("grant_type", "client_credentials", "client_id", clientID, "client_secret", "wrong"), "")
	wantOAuth(t, r, 429, "temporarily_unavailable", "too many failed authentication attempts")

	e.clock.Advance(30 * time.Second)
	r = e.tokenForm(t, fresh, clientCredentials, clientID+":wrong_secret")
	wantOAuth(t, r, 429, "temporarily_unavailable", "too many failed authentication attempts")
	if got := r.header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After = %q after 30 s, want 30", got)
	}
	e.clock.Advance(30 * time.Second)
	wantOAuth(t, e.tokenForm(t, fresh, clientCredentials, clientID+":wrong_secret"), 401, "invalid_client", "Client authentication failed")
}

// TestTokenThrottlePerAddress: 10 failures from one address, each for a
// different client_id, make further failures from that address 429, and
// from no other; the right secret still gets its token.
func TestTokenThrottlePerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	attacker := fromAddr(t, "127.0.0.30")
	for i := range 10 {
		r := e.tokenForm(t, attacker, clientCredentials, fmt.Sprintf("rc_guess_%d:wrong_secret", i))
		wantOAuth(t, r, 401, "invalid_client", "Client authentication failed")
	}
	r := e.tokenForm(t, attacker, clientCredentials, "rc_guess_x:wrong_secret")
	wantOAuth(t, r, 429, "temporarily_unavailable", "too many failed authentication attempts")
	if got := r.header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After = %q, want 60", got)
	}
	wantToken(t, e.tokenForm(t, attacker, clientCredentials, clientID+":"+clientSecret))
	wantOAuth(t, e.tokenForm(t, fromAddr(t, "127.0.0.31"), clientCredentials, "rc_guess_y:wrong_secret"), 401, "invalid_client", "Client authentication failed")
	e.clock.Advance(time.Minute)
	wantOAuth(t, e.tokenForm(t, attacker, clientCredentials, "rc_guess_z:wrong_secret"), 401, "invalid_client", "Client authentication failed")
}

// TestTokenThrottleCountsOnlyFailures: nine failures and successes in
// between never block; after the tenth failure, failures are 429 and the
// right secret still succeeds.
func TestTokenThrottleCountsOnlyFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 9 {
		wantOAuth(t, e.tokenForm(t, nil, clientCredentials, clientID+":wrong_secret"), 401, "invalid_client", "Client authentication failed")
		wantToken(t, e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret))
	}
	// The tenth failure is still answered 401; the next failure is blocked.
	wantOAuth(t, e.tokenForm(t, nil, clientCredentials, clientID+":wrong_secret"), 401, "invalid_client", "Client authentication failed")
	wantOAuth(t, e.tokenForm(t, nil, clientCredentials, clientID+":wrong_secret"), 429, "temporarily_unavailable", "too many failed authentication attempts")
	wantToken(t, e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret))
}

func TestTokenStoredHashed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.sandboxToken(t)
	rows, err := e.raw(t).QueryContext(e.ctx, `SELECT hash, api_client_id, expires_at, created_at FROM tokens`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	sum := sha256.Sum256([]byte(tok))
	found := false
	for rows.Next() {
		var hash, client string
		var expires, created int64
		if err := rows.Scan(&hash, &client, &expires, &created); err != nil {
			t.Fatal(err)
		}
		for _, col := range []string{hash, client} {
			if strings.Contains(col, tok) || strings.Contains(col, strings.TrimPrefix(tok, "rc_at_")) {
				t.Errorf("tokens table holds the raw token: %q", col)
			}
		}
		if hash == hex.EncodeToString(sum[:]) {
			found = true
			if client != clientID || expires != start.Add(time.Hour).UnixMilli() || created != start.UnixMilli() {
				t.Errorf("token row = %s %d %d, want %s, expiry start+1h", client, expires, created, clientID)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Error("no tokens row holds the SHA-256 of the issued token")
	}
	// The client secret is not stored in the clear either.
	if n := e.count(t, `SELECT COUNT(*) FROM api_clients WHERE instr(secret_hash, ?) > 0`, clientSecret); n != 0 {
		t.Errorf("api_clients holds the client secret in the clear")
	}
}

func TestTokenNewDoesNotRevokeOld(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.sandboxToken(t)
	e.clock.Advance(time.Minute)
	second := e.sandboxToken(t)
	if first == second {
		t.Fatal("two token requests returned the same token")
	}
	for _, tok := range []string{first, second} {
		if r := e.get(t, "/api/core/whoami", tok); r.status != http.StatusOK {
			t.Errorf("whoami: %d %s", r.status, r.body)
		}
	}
}

func TestTokenSandboxFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault      string
		status     int
		code, desc string
		retryAfter string
	}{
		{"server_error", 500, "server_error", "sandbox fault: server_error", ""},
		{"upstream_error", 502, "temporarily_unavailable", "sandbox fault: upstream_error", ""},
		{"unauthorized", 401, "invalid_client", "Client authentication failed", ""},
		{"rate_limited", 429, "temporarily_unavailable", "sandbox fault: rate_limited", "1"},
		{"explode", 400, "invalid_request",
			"unknown X-RedCloud-Sandbox-Fault; use server_error, upstream_error, unauthorized, rate_limited, commit_then_drop, commit_then_500 or delay_ms=N", ""},
		{"delay_ms=x", 400, "invalid_request", "delay_ms must be 0-60000", ""},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			r := e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret, redcloud.HeaderSandboxFault, tt.fault)
			wantOAuth(t, r, tt.status, tt.code, tt.desc)
			if got := r.header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tt.retryAfter)
			}
		})
	}
	t.Run("commit_then_500", func(t *testing.T) {
		before := e.count(t, `SELECT COUNT(*) FROM tokens`)
		r := e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret, redcloud.HeaderSandboxFault, "commit_then_500")
		if r.status != 500 {
			t.Fatalf("status = %d, want 500", r.status)
		}
		var body map[string]any
		mustJSON(t, r.body, &body)
		if body["error"] != "server_error" || len(body) != 2 {
			t.Errorf("body = %s, want the OAuth server_error shape", r.body)
		}
		if got := r.header.Get(redcloud.HeaderOutcome); got != "" {
			t.Errorf("X-RedCloud-Outcome = %q after a commit, want none", got)
		}
		if after := e.count(t, `SELECT COUNT(*) FROM tokens`); after != before+1 {
			t.Errorf("tokens %d → %d, want one more (the work committed)", before, after)
		}
	})
	t.Run("delay_ms", func(t *testing.T) {
		began := time.Now()
		wantToken(t, e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret, redcloud.HeaderSandboxFault, "delay_ms=50"))
		if d := time.Since(began); d < 50*time.Millisecond {
			t.Errorf("answered after %v, want ≥ 50ms", d)
		}
	})
}

func TestTokenWrongMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The OAuth shape, never the CORE wrapper, whatever the error.
	r := e.do(t, nil, request{method: http.MethodGet, path: "/api/auth/token"})
	wantOAuth(t, r, 405, "invalid_request", "method GET is not allowed; use POST")
	if got := r.header.Get("Allow"); got != "POST" {
		t.Errorf("Allow = %q, want POST", got)
	}
}

// TestTokenIssuanceLimit: one API client cannot mint tokens without bound
// (each is a stored row for its lifetime); other clients are unaffected.
func TestTokenIssuanceLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.TokenRateLimit, c.TokenRateBurst = 0.001, 3 })
	for range 3 {
		wantToken(t, e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret))
	}
	r := e.tokenForm(t, nil, clientCredentials, clientID+":"+clientSecret)
	wantOAuth(t, r, 429, "temporarily_unavailable", "too many access tokens issued for this client; reuse a token until it expires (expires_in)")
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	wantToken(t, e.tokenForm(t, nil, clientCredentials, otherID+":"+otherSecret))
}
