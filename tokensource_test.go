package redcloud_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
)

// TestRefreshOnceAfter401 shows the playbook's token refresh: a CORE 401 on
// the first attempt makes exactly one extra token fetch and one retry.
func TestRefreshOnceAfter401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(sendPath, "unauthorized", 1)
	res, err := e.client().Send(e.ctx, sms(numberID, "hi", numberE164))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if n := len(e.rec.requests(tokenPath)); n != 2 {
		t.Errorf("token requests = %d, want 2 (first use, one refresh)", n)
	}
	sends := e.rec.requests(sendPath)
	if len(sends) != 2 {
		t.Fatalf("send requests = %d, want 2", len(sends))
	}
	if sends[0].auth == sends[1].auth {
		t.Error("the retry after the 401 used the same token")
	}
	if sends[0].key != sends[1].key || string(sends[0].body) != string(sends[1].body) {
		t.Error("the retry after the 401 changed the key or the body")
	}
	if got := statuses(res.Attempts); fmt.Sprint(got) != "[401 202]" {
		t.Errorf("attempt statuses = %v, want [401 202]", got)
	}
	if r := res.Attempts[1].Reason; r != "retry with a fresh token after 401 UNAUTHORIZED" {
		t.Errorf("reason of the retry = %q", r)
	}
	if len(res.Attempts) != 2 || e.sleep.recorded() != nil {
		t.Errorf("the refresh retry waited %v; it should not", e.sleep.recorded())
	}
}

// TestPersistent401StopsAfterOneRefresh: a 401 that survives the refresh
// ends the call — one refresh, one retry, never a loop.
func TestPersistent401StopsAfterOneRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(redcloud.PathWhoAmI, "unauthorized")
	c := e.client()
	_, err := c.WhoAmI(e.ctx)
	if redcloud.Classify(err) != redcloud.Authentication {
		t.Fatalf("err = %v, want an authentication failure", err)
	}
	if n := len(e.rec.requests(tokenPath)); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
	if n := len(e.rec.requests(redcloud.PathWhoAmI)); n != 2 {
		t.Errorf("whoami requests = %d, want 2", n)
	}
	if ae := asAPIError(t, err); len(ae.Attempts) != 2 {
		t.Errorf("attempts = %d, want 2", len(ae.Attempts))
	}
	// The next call starts afresh: one refresh again, not zero, not a loop.
	_, _ = c.WhoAmI(e.ctx)
	if n := len(e.rec.requests(tokenPath)); n != 3 {
		t.Errorf("token requests after a second call = %d, want 3", n)
	}
}

// TestInvalidClientOneTokenRequest: invalid_client is never retried.
func TestInvalidClientOneTokenRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(func(c *redcloud.Config) { c.ClientSecret = wrongSecret })
	_, err := c.Send(e.ctx, sms(numberID, "hi", numberE164))
	oe := asOAuthError(t, err)
	if oe.Code != redcloud.OAuthInvalidClient || redcloud.Classify(err) != redcloud.Authentication {
		t.Errorf("err = %v, want invalid_client / authentication", err)
	}
	if n := len(e.rec.requests(tokenPath)); n != 1 {
		t.Errorf("token requests = %d, want exactly 1", n)
	}
	if n := len(e.rec.requests(sendPath)); n != 0 {
		t.Errorf("send requests = %d, want 0", n)
	}
	if len(e.sleep.recorded()) != 0 {
		t.Errorf("slept %v before giving up", e.sleep.recorded())
	}
}

// TestConcurrentColdClientOneTokenFetch: 100 concurrent calls on a client
// without a token make exactly one token request.
func TestConcurrentColdClientOneTokenFetch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.WhoAmI(e.ctx); err != nil {
				failed.Add(1)
				t.Errorf("WhoAmI: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := len(e.rec.requests(tokenPath)); n != 1 {
		t.Errorf("token requests = %d, want exactly 1", n)
	}
	if n := len(e.rec.requests(redcloud.PathWhoAmI)); n != 100 {
		t.Errorf("whoami requests = %d, want 100", n)
	}
}

// TestTokenRefreshedBeforeExpiry: the cached token is used until 60 s
// before it expires, then replaced.
func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := e.client(func(c *redcloud.Config) { c.Now = clock })
	tok, err := c.Token(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := clock().Add(time.Hour); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
	}
	advance(time.Hour - redcloud.RefreshMargin - time.Second)
	if _, err := c.WhoAmI(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.rec.requests(tokenPath)); n != 1 {
		t.Fatalf("token requests 61 s before expiry = %d, want 1 (cached)", n)
	}
	advance(time.Second)
	if _, err := c.WhoAmI(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.rec.requests(tokenPath)); n != 2 {
		t.Errorf("token requests 60 s before expiry = %d, want 2 (refreshed)", n)
	}
	again, err := c.Token(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.AccessToken == tok.AccessToken {
		t.Error("the refreshed token is the old one")
	}
}

// TestTokenServerErrorRetried: a token route 5xx is retried with backoff.
func TestTokenServerErrorRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.faultOn(tokenPath, "server_error", 1, 2)
	if _, err := e.client().WhoAmI(e.ctx); err != nil {
		t.Fatalf("WhoAmI: %v", err)
	}
	toks := e.rec.requests(tokenPath)
	if got := fmt.Sprint(statusesOf(toks)); got != "[500 500 200]" {
		t.Errorf("token statuses = %s, want [500 500 200]", got)
	}
	if got := fmt.Sprint(e.sleep.recorded()); got != "[250ms 500ms]" {
		t.Errorf("waits = %s, want [250ms 500ms] (full backoff with the test's jitter)", got)
	}
}

// TestTokenRedacted: a Token never prints its value.
func TestTokenRedacted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, err := e.client().Token(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok), tok.LogValue().String()} {
		if len(leaks(s)) > 0 || !containsAll(s, "redacted") {
			t.Errorf("token prints as %q", s)
		}
	}
	if len(tok.AccessToken) < 20 {
		t.Errorf("AccessToken = %q", tok.AccessToken)
	}
}

func statusesOf(xs []exchange) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = x.status
	}
	return out
}
