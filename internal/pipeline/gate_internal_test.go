package pipeline

import (
	"testing"
	"time"
)

func TestGateCaps(t *testing.T) {
	now := time.Unix(0, 0)
	g := newGate(3, 2, func() time.Time { return now })
	mustAdmit := func(client, host string, want bool) {
		t.Helper()
		if ok, _ := g.admit(client, host); ok != want {
			t.Fatalf("admit(%s, %s) = %v, want %v", client, host, ok, want)
		}
	}
	mustAdmit("a", "https://slow", true)
	mustAdmit("a", "https://slow", true)
	mustAdmit("a", "https://slow", false) // host cap
	mustAdmit("b", "https://slow", false) // host cap holds for every client
	mustAdmit("a", "https://other", true)
	mustAdmit("a", "https://third", false) // client cap
	mustAdmit("b", "https://third", true)
	g.done("a", "https://slow", false)
	mustAdmit("b", "https://slow", true)
	if ok, at := g.admit("c", "https://slow"); ok || !at.Equal(now.Add(busyDefer)) {
		t.Fatalf("busy host: admit = %v, %v; want a retry after %v", ok, at, busyDefer)
	}
}

func TestGateBreaker(t *testing.T) {
	now := time.Unix(0, 0)
	g := newGate(100, 100, func() time.Time { return now })
	const host = "https://dead"
	for range breakerThreshold {
		if ok, _ := g.admit("a", host); !ok {
			t.Fatal("admit refused before the breaker opened")
		}
	}
	for range breakerThreshold {
		g.done("a", host, true)
	}
	ok, at := g.admit("b", host)
	if ok || !at.Equal(now.Add(breakerFirstCooldown)) {
		t.Fatalf("after %d broken attempts: admit = %v, %v; want open until +%v", breakerThreshold, ok, at, breakerFirstCooldown)
	}
	if ok, _ := g.admit("b", "https://healthy"); !ok {
		t.Fatal("an open breaker held back another host")
	}
	now = now.Add(breakerFirstCooldown)
	if ok, _ := g.admit("a", host); !ok {
		t.Fatal("no probe after the cooldown")
	}
	if ok, _ := g.admit("a", host); ok {
		t.Fatal("half-open breaker admitted a second attempt beside the probe")
	}
	g.done("a", host, true) // the probe fails: open again, twice as long
	if ok, at := g.admit("a", host); ok || !at.Equal(now.Add(2*breakerFirstCooldown)) {
		t.Fatalf("failed probe: admit = %v, %v; want open until +%v", ok, at, 2*breakerFirstCooldown)
	}
	now = now.Add(2 * breakerFirstCooldown)
	if ok, _ := g.admit("a", host); !ok {
		t.Fatal("no probe after the second cooldown")
	}
	g.done("a", host, false) // an answer closes the breaker
	for range 5 {
		if ok, _ := g.admit("a", host); !ok {
			t.Fatal("breaker still limits after a successful probe")
		}
	}
}
