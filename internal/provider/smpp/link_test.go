package smpp_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// TestBindCredentials: a refused password or system id leaves the bind
// failed with the SMSC's status, waits the longest backoff (no hot loop),
// never shows the password, and binds once the credentials are right.
func TestBindCredentials(t *testing.T) {
	t.Parallel()
	const password = "pw-9f3k"
	for _, tc := range []struct {
		name, systemID, status string
	}{
		{"wrong password", smsc.DefaultSystemID, "ESME_RINVPASWD"},
		{"unknown system id", "nobody", "ESME_RBINDFAIL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *smpp.Config) {
				c.SystemID, c.Password = tc.systemID, password
				c.RebindMax = 3 * time.Second
			})
			eventually(t, 5*time.Second, func() bool { return e.states.count(smpp.BindFailed) > 0 },
				func() string { return fmt.Sprintf("states %+v", e.states.list()) })
			var failed smpp.BindState
			for _, s := range e.states.list() {
				if s.State == smpp.BindFailed {
					failed = s
				}
			}
			if !strings.Contains(failed.LastError, tc.status) || failed.Provider != provName || failed.Bind != 0 || failed.Since.IsZero() {
				t.Errorf("failed state %+v, want %s", failed, tc.status)
			}
			time.Sleep(1200 * time.Millisecond)
			if n := len(e.smsc.Binds()); n != 1 {
				t.Errorf("%d bind attempts within 1.2 s of a credential refusal, want 1 (no hot loop)", n)
			}
			if _, err := e.send(msg("+15551260001", "hi"), 200*time.Millisecond); err == nil {
				t.Error("sent without a bind")
			}
			e.smsc.SetCredentials(tc.systemID, password)
			e.waitBound(1)
			e.mustSend(msg("+15551260001", "hi"))
			for _, text := range []string{e.log.String(), fmt.Sprint(e.states.list()), e.cfg.String(), fmt.Sprintf("%v", e.cfg)} {
				if strings.Contains(text, password) {
					t.Fatalf("the password appears in %q", text)
				}
			}
			if e.counter(smpp.CounterBindFailures) < 1 || e.counter(smpp.CounterBinds) != 1 {
				t.Errorf("bind failures %d, binds %d", e.counter(smpp.CounterBindFailures), e.counter(smpp.CounterBinds))
			}
		})
	}
}

// TestDropMidLoad: the SMSC drops every link with submits unanswered: each
// send fails transiently, the bind comes back, and the retries resend,
// counted as possible duplicates.
func TestDropMidLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	e.smsc.SetRespDelay(time.Second)
	const n = 8
	ms := make([]provider.Message, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range ms {
		ms[i] = msg(fmt.Sprintf("+1555127%04d", i), "load")
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.send(ms[i], 10*time.Second)
		}()
	}
	e.smsc.WaitSubmits(n, 5*time.Second)
	if dropped := e.smsc.Drop(); dropped != 1 {
		t.Errorf("dropped %d links, want 1", dropped)
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Fatalf("send %d succeeded across the drop", i)
		}
		if _, perm := provider.IsPermanent(err); perm {
			t.Fatalf("send %d: permanent %v", i, err)
		}
	}
	e.smsc.SetRespDelay(0)
	eventually(t, 10*time.Second, func() bool { return e.counter(smpp.CounterBinds) >= 2 },
		func() string { return "no rebind" })
	for i := range ms {
		ms[i].Attempt = 2
		e.mustSend(ms[i])
	}
	if got := e.counter(smpp.CounterPossibleDuplicates); got != n {
		t.Errorf("possible duplicates %d, want %d", got, n)
	}
	if got := e.counter(smpp.CounterSubmitUnanswered); got != n {
		t.Errorf("unanswered %d, want %d", got, n)
	}
	if e.counter(smpp.CounterLinkDrops) < 1 || e.states.count(smpp.BindConnecting) < 2 {
		t.Errorf("link drops %d, states %+v", e.counter(smpp.CounterLinkDrops), e.states.list())
	}
	for _, m := range ms {
		if r := e.waitReceipt(m.ID); !r.Delivered {
			t.Errorf("receipt %+v", r)
		}
	}
}

// TestUnknownOutcome: a submit whose answer does not come is not written
// again while the link is up (a retry waits for it); once the link drops,
// the retry resends it and counts a possible duplicate.
func TestUnknownOutcome(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	e.smsc.Swallow(1, 1500*time.Millisecond)
	m := msg("+15551280001", "once")
	if _, err := e.send(m, 300*time.Millisecond); err == nil {
		t.Fatal("a swallowed submit succeeded")
	}
	m.Attempt = 2
	if _, err := e.send(m, 300*time.Millisecond); err == nil {
		t.Fatal("the retry succeeded while the answer was still missing")
	}
	if n := len(e.smsc.SubmitsTo("15551280001")); n != 1 {
		t.Fatalf("%d submits while the link was up, want 1 (no resend)", n)
	}
	eventually(t, 10*time.Second, func() bool { return e.counter(smpp.CounterLinkDrops) >= 1 }, func() string { return "link not dropped" })
	m.Attempt = 3
	e.mustSend(m)
	if n := len(e.smsc.SubmitsTo("15551280001")); n != 2 {
		t.Errorf("%d submits after the drop, want 2 (one resend)", n)
	}
	if got := e.counter(smpp.CounterPossibleDuplicates); got != 1 {
		t.Errorf("possible duplicates %d, want 1", got)
	}
}

// TestLateAnswerRecorded: an answer that comes after Send gave up is still
// recorded; the retry then submits nothing.
func TestLateAnswerRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	e.smsc.SetRespDelay(800 * time.Millisecond)
	m := msg("+15551280010", "late")
	if _, err := e.send(m, 200*time.Millisecond); err == nil {
		t.Fatal("send succeeded before the answer")
	}
	eventually(t, 5*time.Second, func() bool {
		ps, _ := e.db.SMPPParts(context.Background(), m.ID)
		return len(ps) == 1
	}, func() string { return "the late answer's id was not recorded" })
	m.Attempt = 2
	ref := e.mustSend(m)
	subs := e.smsc.SubmitsTo("15551280010")
	if len(subs) != 1 || ref != subs[0].MessageID {
		t.Errorf("%d submits, ref %q; want 1 and its id", len(subs), ref)
	}
	if e.counter(smpp.CounterPossibleDuplicates) != 0 {
		t.Error("possible duplicate counted without a resend")
	}
}

// TestFreeze: an SMSC that stops reading and answering is noticed by the
// read timeout (3× enquire_link); the bind reconnects once it answers again.
func TestFreeze(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smpp.Config) {
		c.EnquireLink = 300 * time.Millisecond
		c.BindTimeout = time.Second
	})
	e.waitBound(1)
	// The read timeout runs from the last PDU read, at most one
	// enquire_link interval (300 ms) before the freeze: the drop comes at
	// least 900 − 300 ms after it, however long the Freeze call itself took.
	start := time.Now()
	e.smsc.Freeze()
	eventually(t, 5*time.Second, func() bool { return e.counter(smpp.CounterLinkDrops) >= 1 },
		func() string { return "frozen link not noticed" })
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("link dropped %s after the freeze, before the read timeout (900 ms after the last read)", d)
	}
	var last string
	for _, s := range e.states.list() {
		last = s.LastError
	}
	if !strings.Contains(last, "nothing read") && !strings.Contains(last, "bind") {
		t.Errorf("last error %q", last)
	}
	e.smsc.Unfreeze()
	eventually(t, 10*time.Second, func() bool { return e.counter(smpp.CounterBinds) >= 2 }, func() string { return "no rebind after unfreeze" })
	e.mustSend(msg("+15551280020", "thawed"))
}

// TestEnquireLink: the provider probes an idle link and answers the
// SMSC's probes.
func TestEnquireLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smpp.Config) { c.EnquireLink = 200 * time.Millisecond })
	e.waitBound(1)
	eventually(t, 5*time.Second, func() bool { return e.smsc.Stats().EnquireLinks >= 3 },
		func() string { return fmt.Sprintf("%d enquire_links from the provider", e.smsc.Stats().EnquireLinks) })
	r := e.smsc.Enquire(2 * time.Second)
	if r.Sent != 1 || r.Answered != 1 {
		t.Errorf("SMSC enquire_link: sent %d answered %d", r.Sent, r.Answered)
	}
	if e.counter(smpp.CounterLinkDrops) != 0 {
		t.Error("an idle, probed link dropped")
	}
}

// TestGracefulUnbind: Stop waits for the answers to submits in flight,
// then unbinds; the SMSC's own unbind is answered and the bind comes back.
func TestGracefulUnbind(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.waitBound(1)
	if n := e.smsc.Unbind(); n != 1 {
		t.Fatalf("SMSC unbound %d links", n)
	}
	eventually(t, 5*time.Second, func() bool { return e.counter(smpp.CounterBinds) >= 2 }, func() string { return "no rebind after the SMSC's unbind" })
	e.waitBound(1)

	e.smsc.SetRespDelay(500 * time.Millisecond)
	m := msg("+15551280030", "in flight")
	done := make(chan error, 1)
	go func() {
		_, err := e.send(m, 5*time.Second)
		done <- err
	}()
	e.smsc.WaitSubmits(1, 5*time.Second)
	e.prov.Stop()
	if err := <-done; err != nil {
		t.Errorf("the send in flight at Stop: %v, want its answer", err)
	}
	if st := e.smsc.Stats(); st.Unbinds != 1 {
		t.Errorf("unbinds from the provider %d, want 1", st.Unbinds)
	}
	if ps, _ := e.db.SMPPParts(context.Background(), m.ID); len(ps) != 1 {
		t.Errorf("part of the send in flight not recorded: %+v", ps)
	}
	if _, err := e.send(msg("+15551280030", "after"), time.Second); err == nil {
		t.Error("sent after Stop")
	}
}

// TestBindsWindowAndRate: several binds share the load; the window bounds
// the submits in flight per bind; MPS paces submits.
func TestBindsWindowAndRate(t *testing.T) {
	t.Parallel()
	t.Run("binds", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *smpp.Config) { c.Binds = 3 })
		e.waitBound(3)
		if st := e.smsc.Stats(); st.Bound.Transceiver != 3 {
			t.Errorf("%d transceivers bound, want 3", st.Bound.Transceiver)
		}
		for i := 0; i < 6; i++ {
			e.mustSend(msg("+15551290001", "spread"))
		}
		sessions := map[int]bool{}
		for _, s := range e.smsc.SubmitsTo("15551290001") {
			sessions[s.Session] = true
		}
		if len(sessions) != 3 {
			t.Errorf("submits on %d binds, want 3 (round robin)", len(sessions))
		}
	})
	t.Run("window", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *smpp.Config) { c.Window = 2 })
		e.waitBound(1)
		e.smsc.SetRespDelay(400 * time.Millisecond)
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.mustSend(msg("+15551290002", "windowed"))
			}()
		}
		time.Sleep(250 * time.Millisecond)
		if n := len(e.smsc.SubmitsTo("15551290002")); n != 2 {
			t.Errorf("%d submits in flight, want the window's 2", n)
		}
		wg.Wait()
		if n := len(e.smsc.SubmitsTo("15551290002")); n != 4 {
			t.Errorf("%d submits, want 4", n)
		}
	})
	t.Run("mps", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *smpp.Config) { c.MPS = 20 })
		e.waitBound(1)
		start := time.Now()
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.mustSend(msg("+15551290003", "paced"))
			}()
		}
		wg.Wait()
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Errorf("10 submits at 20/s took %s, want at least 450 ms", d)
		}
	})
}

// TestRebindBackoff: after a link that worked (the SMSC answered on it)
// drops, the next bind comes at once however often that happened; links
// dropped before any answer back off further each time.
func TestRebindBackoff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *smpp.Config) {
		c.RebindMin, c.RebindMax, c.EnquireLink = 100*time.Millisecond, 10*time.Second, time.Minute
	})
	e.waitBound(1)
	// rebind drops the link and returns how long the bind took to come back.
	// It waits for the next successful bind, not for a bound state: the
	// drop is counted before the bind's state leaves "bound", so a state
	// read just after it can still be the old link's (CI saw a 4 ms rebind).
	rebind := func() time.Duration {
		t.Helper()
		drops, binds := e.counter(smpp.CounterLinkDrops), e.counter(smpp.CounterBinds)
		start := time.Now()
		e.smsc.Drop()
		eventually(t, 10*time.Second, func() bool { return e.counter(smpp.CounterLinkDrops) > drops }, func() string { return "drop not seen" })
		eventually(t, 10*time.Second, func() bool { return e.counter(smpp.CounterBinds) > binds }, func() string { return "no bind after the drop" })
		e.waitBound(1)
		return time.Since(start)
	}
	for i := 0; i < 6; i++ {
		e.mustSend(msg(fmt.Sprintf("+1555129%04d", i), "works"))
		// Without the reset the 6th wait is 1.6-3.2 s (100 ms doubling).
		if d := rebind(); d > 1200*time.Millisecond {
			t.Fatalf("rebind %d after a working link took %v, want the first step of the backoff", i+1, d)
		}
	}
	var last time.Duration
	for i := 0; i < 5; i++ {
		last = rebind() // nothing answered on these links
	}
	if last < 400*time.Millisecond { // the 5th wait: 800-1600 ms
		t.Errorf("the 5th rebind of links that never answered took %v: no backoff", last)
	}
}
