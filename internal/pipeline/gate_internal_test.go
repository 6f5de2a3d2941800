package pipeline

import (
	"testing"
	"time"
)

func TestGateCaps(t *testing.T) {
	now := time.Unix(0, 0)
	g := newGate(3, 2, 3, func() time.Time { return now })
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
	g.done("a", "https://slow", false, 400*time.Millisecond)
	mustAdmit("b", "https://slow", true)
	// The two refusals above were paced at the initial mean (10 ms / 2
	// slots): +5 ms, +10 ms. Now the host finishes an attempt per 400 ms / 2
	// slots: the next deferrals follow 200 ms apart.
	for i := 1; i <= 3; i++ {
		want := 10*time.Millisecond + time.Duration(i)*200*time.Millisecond
		if ok, at := g.admit("c", "https://slow"); ok || !at.Equal(now.Add(want)) {
			t.Fatalf("busy host, deferral %d: admit = %v, %v; want a retry after %v", i, ok, at, want)
		}
	}
	// A busy client is paced by its own attempts' durations over its 3
	// slots: its first refusal (the client cap above) at the initial mean,
	// this one after the 400 ms attempt.
	mustAdmit("a", "https://fourth", true)
	want := initialMean/3 + 400*time.Millisecond/3
	if ok, at := g.admit("a", "https://fifth"); ok || !at.Equal(now.Add(want)) {
		t.Fatalf("busy client: admit = %v, %v; want a retry after %v", ok, at, want)
	}
}

// TestGatePacingBound: a long backlog behind a slow host is deferred at most
// maxPace ahead, and pacing restarts from now once its schedule has passed.
func TestGatePacingBound(t *testing.T) {
	now := time.Unix(0, 0)
	g := newGate(100, 1, 100, func() time.Time { return now })
	const host = "https://slow"
	if ok, _ := g.admit("a", host); !ok {
		t.Fatal("first attempt refused")
	}
	g.done("a", host, false, 2*time.Second)
	g.admit("a", host)
	var last time.Time
	for range 10 {
		_, last = g.admit("b", host)
	}
	if !last.Equal(now.Add(maxPace)) {
		t.Fatalf("10 deliveries 2 s apart: the last at +%v, want capped at +%v", last.Sub(now), maxPace)
	}
	now = now.Add(2 * maxPace)
	if _, at := g.admit("b", host); !at.Equal(now.Add(2 * time.Second)) {
		t.Fatalf("after the schedule passed: +%v, want +2s from now", at.Sub(now))
	}
}

func TestGateBreaker(t *testing.T) {
	now := time.Unix(0, 0)
	g := newGate(100, 100, 100, func() time.Time { return now })
	const host = "https://dead"
	for range breakerThreshold {
		if ok, _ := g.admit("a", host); !ok {
			t.Fatal("admit refused before the breaker opened")
		}
	}
	for range breakerThreshold {
		g.done("a", host, true, time.Second)
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
	g.done("a", host, true, time.Second) // the probe fails: open again, twice as long
	if ok, at := g.admit("a", host); ok || !at.Equal(now.Add(2*breakerFirstCooldown)) {
		t.Fatalf("failed probe: admit = %v, %v; want open until +%v", ok, at, 2*breakerFirstCooldown)
	}
	now = now.Add(2 * breakerFirstCooldown)
	if ok, _ := g.admit("a", host); !ok {
		t.Fatal("no probe after the second cooldown")
	}
	g.done("a", host, false, time.Second) // an answer closes the breaker
	for range 5 {
		if ok, _ := g.admit("a", host); !ok {
			t.Fatal("breaker still limits after a successful probe")
		}
	}
}

// TestGateFastEndpoint: a host and a client whose attempts come back fast
// may use every slot; once their attempts slow down, the caps apply again.
func TestGateFastEndpoint(t *testing.T) {
	now := time.Unix(0, 0)
	g := newGate(3, 2, 10, func() time.Time { return now })
	const host = "https://fast"
	for range 2 {
		g.admit("a", host)
	}
	if ok, _ := g.admit("a", host); ok {
		t.Fatal("host cap not applied before any attempt finished")
	}
	for range 2 {
		g.done("a", host, false, 2*time.Millisecond)
	}
	for i := range 10 {
		if ok, _ := g.admit("a", host); !ok {
			t.Fatalf("fast host and client: attempt %d of 10 refused", i+1)
		}
	}
	if ok, _ := g.admit("a", host); ok {
		t.Fatal("a fast host took more than every slot")
	}
	for range 10 {
		g.done("a", host, false, 5*time.Second) // the endpoint slowed down
	}
	for range 2 {
		g.admit("a", host)
	}
	if ok, _ := g.admit("a", host); ok {
		t.Fatal("host cap not applied again after attempts slowed down")
	}
}
