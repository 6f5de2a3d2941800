package httpapi

import (
	"sync"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// tokenCache remembers token lookups for a short time, so authentication
// does not read the database on every request. An entry lives at most ttl
// (1 s): revoking tokens, suspending a client or account, or removing a
// capability takes effect within that. Only hashes are keys.
type tokenCache struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[string]cachedToken
	// miss remembers hashes no token has, for ttl: a client retrying an
	// expired or revoked token in a loop costs one lookup a second, not one
	// per request. Kept apart so that a flood of random tokens cannot push
	// valid entries out.
	miss map[string]time.Time
}

type cachedToken struct {
	client  platform.APIClient
	expires time.Time // the token's own expiry
	until   time.Time // when this entry must be read again
}

func newTokenCache(ttl time.Duration, max int) *tokenCache {
	return &tokenCache{ttl: ttl, max: max, m: map[string]cachedToken{}, miss: map[string]time.Time{}}
}

func (c *tokenCache) get(hash string, now time.Time) (platform.APIClient, bool) {
	if c.ttl <= 0 {
		return platform.APIClient{}, false
	}
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) || !now.Before(e.expires) {
		return platform.APIClient{}, false
	}
	return e.client, true
}

// unknown reports whether hash was looked up and found to be no token
// within the last ttl.
func (c *tokenCache) unknown(hash string, now time.Time) bool {
	if c.ttl <= 0 {
		return false
	}
	c.mu.Lock()
	until, ok := c.miss[hash]
	c.mu.Unlock()
	return ok && now.Before(until)
}

// putUnknown remembers that hash is no token, for ttl.
func (c *tokenCache) putUnknown(hash string, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.miss) >= c.max {
		clear(c.miss)
	}
	c.miss[hash] = now.Add(c.ttl)
}

// forget drops every entry of an API client (after a change this process
// made to it, so its own next request sees the change).
func (c *tokenCache) forget(clientID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.client.ID == clientID {
			delete(c.m, k)
		}
	}
}

func (c *tokenCache) put(hash string, client platform.APIClient, expires, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m) // a flood of distinct valid tokens: start over
		}
	}
	c.m[hash] = cachedToken{client: client, expires: expires, until: now.Add(c.ttl)}
}
