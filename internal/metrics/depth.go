package metrics

import (
	"context"
	"sync"
	"time"
)

// depthTTL is how long one reading of the queue depth serves every gauge
// and every scrape: one query per second at most, however many scrapers.
const depthTTL = time.Second

// depthCache runs the depth query at most once per ttl; concurrent callers
// wait for the one query in flight instead of starting their own.
type depthCache struct {
	depth QueueDepth
	ttl   time.Duration
	now   func() time.Time

	mu         sync.Mutex
	at         time.Time
	msgs, dels int
	err        error
}

func (c *depthCache) get() (int, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.at.IsZero() || now.Sub(c.at) >= c.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.msgs, c.dels, c.err = c.depth(ctx)
		cancel()
		c.at = c.now()
	}
	return c.msgs, c.dels, c.err
}
