package httpapi_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// Token lookups are cached for at most a second: a suspension takes effect
// within it, and a change made through this server at once.
func TestAuthCache(t *testing.T) {
	e := newEnv(t, withAuthCache(time.Second))
	tok := e.sandboxToken(t)
	if r := e.get(t, "/api/core/whoami", tok); r.status != 200 {
		t.Fatalf("whoami: %d", r.status)
	}
	if err := e.db.SetAPIClientStatus(context.Background(), clientID, redcloud.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if r := e.get(t, "/api/core/whoami", tok); r.status != 200 {
		t.Fatalf("within the cache's second: %d, want the cached 200", r.status)
	}
	e.clock.Advance(time.Second)
	r := e.get(t, "/api/core/whoami", tok)
	wantCore(t, r, 401, redcloud.CodeUnauthorized, "API client is not active", nil)

	// A change made through this server is seen at once.
	if err := e.db.SetAPIClientStatus(context.Background(), clientID, redcloud.StatusActive); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	tok = e.sandboxToken(t)
	e.get(t, "/api/core/whoami", tok) // cached now
	r = e.put(t, "/api/sandbox/webhooks", tok, `{"deliveryUrl":"https://example.com/d"}`)
	if r.status != 200 {
		t.Fatalf("set webhooks: %d %s", r.status, r)
	}
	var who redcloud.WhoAmI
	mustJSON(t, e.get(t, "/api/core/whoami", tok).body, &who)
	if !who.DeliveryWebhookConfigured {
		t.Fatal("whoami shows the webhook unset right after this server set it")
	}
}

// TestAuthCacheRemembersUnknownTokens: a token no client has is looked up
// at most once a second (a client looping on a revoked token must not cost
// a database read per request).
func TestAuthCacheRemembersUnknownTokens(t *testing.T) {
	e := newEnv(t, withAuthCache(time.Second))
	const tok = "rc_at_not_issued_yet_0123456789abcdefghijklmnopq"
	wantCore(t, e.get(t, "/api/core/whoami", tok), 401, redcloud.CodeUnauthorized, httpapi.MsgInvalidToken, nil)
	// The token now exists in the database, but this server remembers the miss.
	if err := e.db.InsertToken(context.Background(), platform.Token{Hash: platform.HashSecret(tok), APIClientID: clientID,
		ExpiresAt: e.clock.Now().Add(time.Hour), CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	wantCore(t, e.get(t, "/api/core/whoami", tok), 401, redcloud.CodeUnauthorized, httpapi.MsgInvalidToken, nil)
	e.clock.Advance(time.Second)
	if r := e.get(t, "/api/core/whoami", tok); r.status != 200 {
		t.Fatalf("after the cache's second: %d, want 200", r.status)
	}
}

// whoamiTotal is whoami's count of the numbers assigned to the client.
func whoamiTotal(t *testing.T, e *env, tok string) int {
	t.Helper()
	var w redcloud.WhoAmI
	r := e.get(t, "/api/core/whoami", tok)
	if r.status != 200 {
		t.Fatalf("whoami: %d %s", r.status, r)
	}
	mustJSON(t, r.body, &w)
	return w.AssignedNumbers.Total
}

// TestWhoAmICountsCached: whoami reads the number counts once per cached
// token lookup, so they are at most the cache's second old, like the rest
// of what it shows.
func TestWhoAmICountsCached(t *testing.T) {
	e := newEnv(t, withAuthCache(time.Second))
	tok := e.sandboxToken(t)
	total := func() int { t.Helper(); return whoamiTotal(t, e, tok) }
	if n := total(); n != 1 {
		t.Fatalf("total = %d, want 1", n)
	}
	if err := e.db.AssignNumber(e.ctx, "num_15125550100", clientID); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != 1 {
		t.Fatalf("within the cache's second: total = %d, want the cached 1", n)
	}
	e.clock.Advance(time.Second)
	if n := total(); n != 2 {
		t.Fatalf("after the cache's second: total = %d, want 2", n)
	}
}

// TestWhoAmICountsUncached: with the cache off, whoami reads the counts on
// every request.
func TestWhoAmICountsUncached(t *testing.T) {
	e := newEnv(t, withAuthCache(-1))
	tok := e.sandboxToken(t)
	total := func() int { t.Helper(); return whoamiTotal(t, e, tok) }
	if n := total(); n != 1 {
		t.Fatalf("total = %d, want 1", n)
	}
	if err := e.db.AssignNumber(e.ctx, "num_15125550100", clientID); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != 2 {
		t.Fatalf("with the cache off: total = %d, want 2 at once", n)
	}
}

// TestAuthCacheConcurrent: requests that find the same token uncached at
// once, and then cached, all get the same answer (and the race detector
// sees the cache's lock-free reads and writes).
func TestAuthCacheConcurrent(t *testing.T) {
	e := newEnv(t, withAuthCache(time.Second))
	tok := e.sandboxToken(t)
	want := e.get(t, "/api/core/whoami", tok).String()
	e.clock.Advance(time.Second) // the entry is stale: the first requests below race to replace it
	const workers, each = 8, 20
	errs := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				r, err := e.try(nil, request{method: "GET", path: "/api/core/whoami", token: tok})
				switch {
				case err != nil:
					errs <- err.Error()
				case r.status != 200 || r.String() != want:
					errs <- fmt.Sprintf("%d %s", r.status, r)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Errorf("concurrent whoami: %s, want 200 %s", msg, want)
	}
}
