package redcloud

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// RefreshMargin is how long before its expiry a cached token is replaced
// (or half its lifetime, when that is shorter).
const RefreshMargin = 60 * time.Second

// Token is an access token the client obtained. It prints and logs as
// redacted; only AccessToken holds the secret value.
type Token struct {
	// AccessToken is the bearer token ("rc_at_…").
	AccessToken string
	// TokenType is "bearer".
	TokenType string
	// Expiry is when the token expires; zero when the server gave no
	// lifetime.
	Expiry time.Time
	// refreshAt is when the client stops using it.
	refreshAt time.Time
}

// String returns a redacted description, never the token.
func (t Token) String() string {
	if t.Expiry.IsZero() {
		return "Token(redacted)"
	}
	return "Token(redacted, expires " + NewTime(t.Expiry).String() + ")"
}

// GoString returns the same redacted description as String.
func (t Token) GoString() string { return t.String() }

// LogValue makes slog print the token redacted.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// fresh reports whether t may still be used at now.
func (t Token) fresh(now time.Time) bool {
	return t.AccessToken != "" && (t.refreshAt.IsZero() || now.Before(t.refreshAt))
}

// tokenSource caches the access token and fetches a new one when it is
// missing, due for refresh or refused: one fetch at a time, shared by every
// caller that needs it (single flight).
type tokenSource struct {
	c        *Client
	mu       sync.Mutex
	tok      Token
	inflight *tokenFetch
}

// tokenFetch is one fetch that several callers wait for.
type tokenFetch struct {
	done chan struct{}
	tok  Token
	err  error
}

// get returns a fresh token, fetching one if needed.
func (ts *tokenSource) get(ctx context.Context) (Token, error) {
	ts.mu.Lock()
	if ts.tok.fresh(ts.c.now()) {
		t := ts.tok
		ts.mu.Unlock()
		return t, nil
	}
	f := ts.inflight
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		ts.inflight = f
		// The fetch outlives any one caller's context, so that one caller
		// giving up does not fail the others waiting for it.
		go ts.fetch(context.WithoutCancel(ctx), f)
	}
	ts.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return Token{}, &TransportError{Op: "wait for token", Method: http.MethodPost, Endpoint: PathToken,
			RequestTime: ts.c.now(), Err: ctx.Err()}
	}
}

// fetch requests a token and publishes it to f's waiters.
func (ts *tokenSource) fetch(ctx context.Context, f *tokenFetch) {
	start := ts.c.now()
	var tr TokenResponse
	body := url.Values{"grant_type": {"client_credentials"}}.Encode()
	_, _, err := ts.c.do(ctx, &call{method: http.MethodPost, endpoint: PathToken, body: []byte(body),
		ctype: "application/x-www-form-urlencoded", token: true}, &tr)
	if err == nil {
		f.tok = Token{AccessToken: tr.AccessToken, TokenType: tr.TokenType}
		if tr.ExpiresIn > 0 {
			life := time.Duration(tr.ExpiresIn) * time.Second
			f.tok.Expiry = start.Add(life)
			f.tok.refreshAt = f.tok.Expiry.Add(-min(RefreshMargin, life/2))
		}
	}
	f.err = err
	ts.mu.Lock()
	if err == nil {
		ts.tok = f.tok
	}
	ts.inflight = nil
	ts.mu.Unlock()
	close(f.done)
}

// invalidate drops tok if it is still the cached token, so that the next
// get fetches a new one; callers that saw an older token change nothing.
func (ts *tokenSource) invalidate(tok string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok.AccessToken == tok {
		ts.tok = Token{}
	}
}
