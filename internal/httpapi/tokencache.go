package httpapi

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// tokenCache remembers token lookups for a short time, so authentication
// does not read the database on every request. An entry lives at most ttl
// (1 s): revoking tokens, suspending a client or account, or removing a
// capability takes effect within that. Only hashes are keys.
//
// Reads take no lock (sync.Map): every authenticated request reads it,
// from every core, and writes are one per token per ttl.
type tokenCache struct {
	ttl time.Duration
	max int64
	m   sync.Map // hash → *cachedToken
	n   atomic.Int64
	// miss remembers hashes no token has, for ttl: a client retrying an
	// expired or revoked token in a loop costs one lookup a second, not one
	// per request. Kept apart so that a flood of random tokens cannot push
	// valid entries out.
	miss  sync.Map // hash → *time.Time, when the miss is forgotten
	nmiss atomic.Int64
}

// cachedToken is one token lookup. It is not changed once cached, but for
// whoami, which the first whoami request of the entry fills.
type cachedToken struct {
	client  platform.APIClient
	expires time.Time // the token's own expiry
	until   time.Time // when this entry must be read again
	// whoami is the encoded GET /api/core/whoami body of client, with the
	// number counts read once for this entry: like the client itself, at
	// most ttl old.
	whoami atomic.Pointer[[]byte]
}

func newTokenCache(ttl time.Duration, max int) *tokenCache {
	return &tokenCache{ttl: ttl, max: int64(max)}
}

// get returns the live entry of hash, or nil.
func (c *tokenCache) get(hash string, now time.Time) *cachedToken {
	if c.ttl <= 0 {
		return nil
	}
	v, ok := c.m.Load(hash)
	if !ok {
		return nil
	}
	e := v.(*cachedToken)
	if !now.Before(e.until) || !now.Before(e.expires) {
		return nil
	}
	return e
}

// unknown reports whether hash was looked up and found to be no token
// within the last ttl.
func (c *tokenCache) unknown(hash string, now time.Time) bool {
	if c.ttl <= 0 {
		return false
	}
	v, ok := c.miss.Load(hash)
	return ok && now.Before(*v.(*time.Time))
}

// putUnknown remembers that hash is no token, for ttl.
func (c *tokenCache) putUnknown(hash string, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	if c.nmiss.Load() >= c.max {
		c.miss.Clear()
		c.nmiss.Store(0)
	}
	until := now.Add(c.ttl)
	if _, loaded := c.miss.Swap(hash, &until); !loaded {
		c.nmiss.Add(1)
	}
}

// forget drops every entry of an API client (after a change this process
// made to it, so its own next request sees the change).
func (c *tokenCache) forget(clientID string) {
	c.m.Range(func(k, v any) bool {
		if v.(*cachedToken).client.ID == clientID && c.m.CompareAndDelete(k, v) {
			c.n.Add(-1)
		}
		return true
	})
}

// entry returns a new entry for a lookup made at now, cached unless the
// cache is off; the caller uses it for this request either way.
func (c *tokenCache) entry(hash string, client platform.APIClient, expires, now time.Time) *cachedToken {
	e := &cachedToken{client: client, expires: expires, until: now.Add(c.ttl)}
	if c.ttl <= 0 {
		return e
	}
	if c.n.Load() >= c.max {
		c.m.Range(func(k, v any) bool {
			if !now.Before(v.(*cachedToken).until) && c.m.CompareAndDelete(k, v) {
				c.n.Add(-1)
			}
			return true
		})
		if c.n.Load() >= c.max {
			c.m.Clear() // a flood of distinct valid tokens: start over
			c.n.Store(0)
		}
	}
	if _, loaded := c.m.Swap(hash, e); !loaded {
		c.n.Add(1)
	}
	return e
}
