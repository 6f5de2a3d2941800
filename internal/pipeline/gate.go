package pipeline

import (
	"net/url"
	"sync"
	"time"
)

// Gate defaults: a few attempts per endpoint host and a share of the slots
// per API client, so that one tenant's slow or dead endpoint cannot hold
// every slot while other tenants' events wait behind it.
const (
	defaultPerHost       = 8
	defaultPerClient     = 16
	breakerThreshold     = 5 // consecutive broken attempts that open the breaker
	breakerFirstCooldown = 10 * time.Second
	breakerMaxCooldown   = 5 * time.Minute
	// busyDefer is how long a claimed delivery whose client or host is at
	// its cap waits before it is claimed again. Deferring is not an attempt.
	busyDefer = time.Second
)

// gate bounds the webhook attempts in flight per API client and per
// endpoint host, and backs off a host whose attempts keep timing out or
// failing to connect (a circuit breaker): while it is open, deliveries to
// the host are deferred without an attempt, so they spend none of their
// retry schedule and hold no slot.
type gate struct {
	perClient, perHost int
	now                func() time.Time

	mu      sync.Mutex
	clients map[string]int
	hosts   map[string]*hostState
}

type hostState struct {
	inflight  int
	broken    int // consecutive broken attempts
	cooldown  time.Duration
	openUntil time.Time
}

func newGate(perClient, perHost int, now func() time.Time) *gate {
	return &gate{perClient: perClient, perHost: perHost, now: now,
		clients: map[string]int{}, hosts: map[string]*hostState{}}
}

// hostOf is the gate's key for an endpoint: scheme and host:port.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return u.Scheme + "://" + u.Host
}

// admit takes a slot for an attempt to host on behalf of client, or says
// when to try again.
func (g *gate) admit(client, host string) (bool, time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	h := g.hosts[host]
	if h == nil {
		h = &hostState{}
		g.hosts[host] = h
	}
	if now.Before(h.openUntil) {
		return false, h.openUntil
	}
	limit := g.perHost
	if h.broken >= breakerThreshold {
		limit = 1 // half-open: one probe until an attempt gets an answer
	}
	if h.inflight >= limit || g.clients[client] >= g.perClient {
		return false, now.Add(busyDefer)
	}
	h.inflight++
	g.clients[client]++
	return true, time.Time{}
}

// done gives the slot back; broken says the attempt timed out or could not
// connect (a status code, even 5xx, shows a live endpoint).
func (g *gate) done(client, host string, broken bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.clients[client]--; g.clients[client] <= 0 {
		delete(g.clients, client)
	}
	h := g.hosts[host]
	if h == nil {
		return
	}
	h.inflight--
	if !broken {
		h.broken, h.cooldown = 0, 0
	} else if h.broken++; h.broken >= breakerThreshold && !g.now().Before(h.openUntil) {
		// Opens, or re-opens after a failed probe, with a longer cooldown;
		// attempts still in flight when it opened do not lengthen it.
		h.cooldown = min(max(2*h.cooldown, breakerFirstCooldown), breakerMaxCooldown)
		h.openUntil = g.now().Add(h.cooldown)
	}
	if h.inflight == 0 && h.broken == 0 {
		delete(g.hosts, host)
	}
}
