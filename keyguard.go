package redcloud

import (
	"container/list"
	"fmt"
	"sync"
	"time"
)

// KeyReuseError is returned by Send, before any network call, when this
// client already used the idempotency key with a different payload. The
// server would answer 409 CONFLICT; a changed payload is a new operation and
// needs a new key. Classify says Conflict.
type KeyReuseError struct {
	// Key is the idempotency key.
	Key string
	// FirstUsed is when this client first sent a payload under Key.
	FirstUsed time.Time
}

// Error says which key was refused and why.
func (e *KeyReuseError) Error() string {
	return fmt.Sprintf("redcloud: idempotency key %q was already used by this client with a different payload; "+
		"a changed payload is a new operation and needs a new key (nothing was sent)", e.Key)
}

// keyGuard remembers, per idempotency key, the fingerprint of the payload
// sent under it, so that Send can refuse a different payload before the
// network. It is bounded: least recently used keys are forgotten beyond size,
// and keys older than ttl expire (the server forgets them then too). A key
// whose sends all certainly did nothing is forgotten at once: the server
// stored nothing, so the key may be used again for a fixed request.
type keyGuard struct {
	mu   sync.Mutex
	size int
	ttl  time.Duration
	now  func() time.Time
	lru  *list.List // of *guardEntry, most recent at the front
	keys map[string]*list.Element
}

type guardEntry struct {
	key       string
	fp        string
	firstUsed time.Time
	inFlight  int
	kept      bool // a send under the key may have been processed
}

// newKeyGuard returns a guard, or nil (no guard) for a negative size.
func newKeyGuard(size int, ttl time.Duration, now func() time.Time) *keyGuard {
	if size < 0 {
		return nil
	}
	return &keyGuard{size: size, ttl: ttl, now: now, lru: list.New(), keys: make(map[string]*list.Element)}
}

// claim registers a send of fingerprint fp under key, or refuses it.
func (g *keyGuard) claim(key, fp string) error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if el, ok := g.keys[key]; ok {
		e := el.Value.(*guardEntry)
		switch {
		case now.Sub(e.firstUsed) >= g.ttl && e.inFlight == 0:
			g.lru.Remove(el)
			delete(g.keys, key)
		case e.fp != fp:
			return &KeyReuseError{Key: key, FirstUsed: e.firstUsed}
		default:
			e.inFlight++
			g.lru.MoveToFront(el)
			return nil
		}
	}
	g.keys[key] = g.lru.PushFront(&guardEntry{key: key, fp: fp, firstUsed: now, inFlight: 1})
	for g.lru.Len() > g.size {
		oldest := g.lru.Back()
		g.lru.Remove(oldest)
		delete(g.keys, oldest.Value.(*guardEntry).key)
	}
	return nil
}

// done ends a send claimed under key. maybeProcessed says whether any of its
// attempts may have been processed; if none of the key's sends may have
// been, the key is forgotten.
func (g *keyGuard) done(key, fp string, maybeProcessed bool) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	el, ok := g.keys[key]
	if !ok {
		return
	}
	e := el.Value.(*guardEntry)
	if e.fp != fp {
		return
	}
	e.inFlight--
	e.kept = e.kept || maybeProcessed
	if e.inFlight <= 0 && !e.kept {
		g.lru.Remove(el)
		delete(g.keys, key)
	}
}
