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
	// initialMean is the attempt duration assumed for pacing before the
	// first attempt of a client or host has finished.
	initialMean = 10 * time.Millisecond
	// maxPace bounds how far ahead a busy client's or host's deliveries are
	// deferred; a longer backlog is paced again when it comes due.
	maxPace = 5 * time.Second
	// fastAttempt: a client or host whose attempts average less may use
	// every slot. The caps protect other tenants from endpoints that hold
	// slots for long; a fast endpoint gives its slots back within
	// milliseconds, and capping it only slows its deliveries down.
	fastAttempt = 100 * time.Millisecond
)

// gate bounds the webhook attempts in flight per API client and per
// endpoint host, and backs off a host whose attempts keep timing out or
// failing to connect (a circuit breaker): while it is open, deliveries to
// the host are deferred without an attempt, so they spend none of their
// retry schedule and hold no slot.
type gate struct {
	perClient, perHost int
	all                int // the cap of a fast client or host: every slot
	now                func() time.Time

	mu      sync.Mutex
	clients map[string]*clientState
	hosts   map[string]*hostState
}

type clientState struct {
	inflight int
	pace     pacer
}

type hostState struct {
	inflight  int
	broken    int // consecutive broken attempts
	cooldown  time.Duration
	openUntil time.Time
	pace      pacer
}

// pacer spaces the deliveries that found their client or host at its cap
// at the rate that key finishes attempts: a backlog behind one busy endpoint
// is deferred once, each row to about when a slot will be free, instead of
// being claimed and deferred again and again (which made dispatch to a
// single fast endpoint ten times slower than without the caps).
type pacer struct {
	mean time.Duration // moving average of attempt durations
	next time.Time     // when the last deferred delivery was scheduled
}

// slot returns when the next deferred delivery should be tried, given
// slots attempts in parallel.
func (p *pacer) slot(now time.Time, slots int) time.Time {
	mean := p.mean
	if mean <= 0 {
		mean = initialMean
	}
	from := now
	if p.next.After(now) {
		from = p.next
	}
	at := from.Add(mean / time.Duration(slots))
	if limit := now.Add(maxPace); at.After(limit) {
		at = limit
	}
	p.next = at
	return at
}

func (p *pacer) observe(d time.Duration) {
	if p.mean <= 0 {
		p.mean = d
		return
	}
	p.mean = (4*p.mean + d) / 5
}

// fast reports whether the attempts seen average under fastAttempt.
func (p *pacer) fast() bool { return p.mean > 0 && p.mean < fastAttempt }

func newGate(perClient, perHost, all int, now func() time.Time) *gate {
	return &gate{perClient: perClient, perHost: perHost, all: max(all, perClient, perHost), now: now,
		clients: map[string]*clientState{}, hosts: map[string]*hostState{}}
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
	c := g.clients[client]
	if c == nil {
		c = &clientState{}
		g.clients[client] = c
	}
	limit, climit := g.perHost, g.perClient
	switch {
	case h.broken >= breakerThreshold:
		limit = 1 // half-open: one probe until an attempt gets an answer
	case h.pace.fast():
		limit = g.all
	}
	if c.pace.fast() {
		climit = g.all
	}
	switch {
	case h.inflight >= limit:
		return false, h.pace.slot(now, limit)
	case c.inflight >= climit:
		return false, c.pace.slot(now, climit)
	}
	h.inflight++
	c.inflight++
	return true, time.Time{}
}

// done gives the slot back; broken says the attempt timed out or could not
// connect (a status code, even 5xx, shows a live endpoint); took is how long
// the attempt held its slot.
func (g *gate) done(client, host string, broken bool, took time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if c := g.clients[client]; c != nil {
		c.inflight--
		c.pace.observe(took)
	}
	h := g.hosts[host]
	if h == nil {
		return
	}
	h.inflight--
	h.pace.observe(took)
	if !broken {
		h.broken, h.cooldown = 0, 0
	} else if h.broken++; h.broken >= breakerThreshold && !g.now().Before(h.openUntil) {
		// Opens, or re-opens after a failed probe, with a longer cooldown;
		// attempts still in flight when it opened do not lengthen it.
		h.cooldown = min(max(2*h.cooldown, breakerFirstCooldown), breakerMaxCooldown)
		h.openUntil = g.now().Add(h.cooldown)
	}
	g.prune(now)
}

// maxIdleKeys bounds the idle clients and hosts kept for their attempt
// durations; beyond it, idle ones are forgotten.
const maxIdleKeys = 10_000

// prune forgets idle clients and hosts once there are too many: those with
// nothing in flight, a closed breaker and no deferral still scheduled.
func (g *gate) prune(now time.Time) {
	if len(g.hosts) > maxIdleKeys {
		for k, h := range g.hosts {
			if h.inflight == 0 && h.broken == 0 && !h.pace.next.After(now) {
				delete(g.hosts, k)
			}
		}
	}
	if len(g.clients) > maxIdleKeys {
		for k, c := range g.clients {
			if c.inflight == 0 && !c.pace.next.After(now) {
				delete(g.clients, k)
			}
		}
	}
}
