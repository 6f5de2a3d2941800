package e2e_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/store/storetest"
	"github.com/redcloud-core/redcloud/internal/testwait"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// The shaping tests measure time at the SMSC, so they do not run in
// parallel with the rest of the package (as the other SMPP kill tests): a
// loaded machine delays one submit more than the next, which reads as two
// sends closer than the rate. The tolerances below absorb the usual delay.

// TestShapingKillKeepsOrderAndRate queues 8 one-segment messages on a
// 1 MPS number sent over SMPP, kills the server with SIGKILL right after
// the SMSC took the third, restarts it on the same database, and checks at
// the SMSC: every message arrived, in acceptance order, at most one per
// second — the bucket's state is in the database, so the restart does not
// reset it — and a message arrived twice only where the server counted a
// possible duplicate (README, SMPP: a part whose outcome a killed process
// never wrote is resent after its lease). The SMSC answers at once, so the
// kill usually finds the third submit answered, its outcome perhaps not
// yet written.
func TestShapingKillKeepsOrderAndRate(t *testing.T) {
	shapingKill(t, false)
}

// TestShapingKillInFlightKeepsOrderAndRate is the same with the third
// submit left unanswered at the kill: it is resent after the restart,
// counted as a possible duplicate, and the messages behind it wait for it.
func TestShapingKillInFlightKeepsOrderAndRate(t *testing.T) {
	shapingKill(t, true)
}

func shapingKill(t *testing.T, unanswered bool) {
	sc := smsc.Start(t, smsc.WithReceiptDelay(100*time.Millisecond))
	dbPath := filepath.Join(t.TempDir(), "redcloud.db")
	args := []string{"--db", dbPath, "--default-number-mps", "1", "--sandbox-delay", "0s", "--lease", "2500ms",
		"--poll-interval", "50ms", "--provider-retry-schedule", "100ms,200ms,500ms,1s,2s,5s"}
	admin := routeDemoNumberToSMSC(t, sc, dbPath, args...)
	s := start(t, args...)
	waitBound(t, admin, 1)
	tok := s.token(demoID, demoSecret)

	const n = 8
	dest := func(i int) string { return "1555040" + fmt.Sprintf("%04d", i) }
	text := func(i int) string { return "shaped " + strconv.Itoa(i) }
	key := func(i int) string { return "shaping-kill-" + strconv.Itoa(i) }
	ids := make([]string, n)
	for i := range n {
		ids[i] = sendOne(t, s, tok, "+"+dest(i), text(i), key(i)).MessageID
	}
	accepted := time.Now()

	if unanswered {
		// The third submit comes a second after the second: time enough
		// to hold its answer back.
		testwait.Eventually(t, 15*time.Second, func() bool { return len(sc.Submits()) >= 2 }, "the second submit at the SMSC")
		sc.SetRespDelay(time.Minute)
	}
	var atKill []smsc.Submit
	testwait.Eventually(t, 15*time.Second, func() bool {
		atKill = sc.Submits()
		return len(atKill) >= 3
	}, "the third submit at the SMSC")
	s.kill()
	t.Logf("killed %v after the acceptances, %d submits at the SMSC", time.Since(accepted).Round(time.Millisecond), len(atKill))
	if unanswered {
		sc.SetRespDelay(0)
	}

	s = start(t, args...)
	tok = s.token(demoID, demoSecret)
	// The keys replayed after the restart name the same messages and queue
	// nothing new.
	for i := range n {
		if got := sendOne(t, s, tok, "+"+dest(i), text(i), key(i)).MessageID; got != ids[i] {
			t.Errorf("message %d: the replay after the restart names %s, the acceptance %s", i, got, ids[i])
		}
	}

	db := openDB(t, dbPath)
	delivered := func() (n int) {
		db.QueryRow(`SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status = 'DELIVERED'`).Scan(&n)
		return n
	}
	testwait.EventuallyDescribe(t, 30*time.Second, func() bool { return delivered() == n },
		func() string {
			return fmt.Sprintf("%d of %d messages DELIVERED; submits %s", delivered(), n, timeline(sc.Submits(), func(s smsc.Submit) string { return s.DestAddr }))
		})

	r, err := readShapedSubmits(sc.Submits(), n, dest)
	if err != nil {
		t.Fatal(err)
	}
	idx := func(s smsc.Submit) string { return s.DestAddr[len(s.DestAddr)-1:] }
	t.Logf("submits (message@time): %s", timeline(r.all, idx))
	if len(r.first) != n {
		t.Fatalf("%d of %d messages reached the SMSC", len(r.first), n)
	}
	// Acceptance order, resends included: a message resent after the
	// restart still goes before the ones behind it.
	for k := 1; k < len(r.all); k++ {
		if r.all[k].DestAddr < r.all[k-1].DestAddr {
			t.Fatalf("the SMSC took the messages out of acceptance order: %s", timeline(r.all, idx))
		}
	}
	for k, s := range r.first {
		if s.Text != text(k) || s.SourceAddr != "15551234567" {
			t.Errorf("message %d: text %q from %s", k, s.Text, s.SourceAddr)
		}
	}
	// 1 MPS: consecutive submits at least a second apart, less the
	// difference in how long two submits took from claim to SMSC — resends
	// included: a message reclaimed after the kill takes its segments again
	// (store/shaping.go), so the one after it still waits its interval.
	const tolerance = 200 * time.Millisecond
	if gap, at := minSpan(r.all, 2); gap < time.Second-tolerance {
		t.Errorf("submits %d and %d reached the SMSC %v apart, under the 1 MPS interval (tolerance %v): %s", at, at+1, gap, tolerance, timeline(r.all, idx))
	}
	possible := smppCounter(t, s, "carrier", "possible_duplicates")
	t.Logf("%d duplicate submits, %d possible duplicates counted after the restart", r.dups, possible)
	if r.dups > possible {
		t.Errorf("the SMSC took %d duplicate submits, the server counted %d possible duplicates", r.dups, possible)
	}
	// Only the message the kill interrupted may be resent.
	inFlight := atKill[len(atKill)-1].DestAddr
	for _, s := range r.all[len(atKill):] {
		if s.DestAddr != inFlight && slices.ContainsFunc(atKill, func(k smsc.Submit) bool { return k.DestAddr == s.DestAddr }) {
			t.Errorf("the message to %s, taken before the kill and not the one in flight, was submitted again after the restart", s.DestAddr)
		}
	}
	if unanswered && (r.dups != 1 || possible != 1) {
		t.Errorf("the unanswered submit: %d duplicate submits and %d possible duplicates counted, want it resent once and counted", r.dups, possible)
	}
}

// TestShapingTwoProcessesPostgres runs two server processes on one
// PostgreSQL database with a 2 MPS number routed to one SMSC, sends 12
// messages through both alternately, stops the busier one halfway, and
// checks at the SMSC that the two together kept the rate (the buckets are
// rows both lock), the acceptance order, and that each message went
// exactly once.
func TestShapingTwoProcessesPostgres(t *testing.T) {
	dsn := storetest.Postgres(t)
	sc := smsc.Start(t, smsc.WithReceiptDelay(100*time.Millisecond))
	// Small pools: the default 48 connections each is more than a test
	// cluster should give two processes.
	db := storetest.Small(dsn, 12)
	args := []string{"--db", db, "--default-number-mps", "2", "--sandbox-delay", "0s", "--lease", "2s",
		"--poll-interval", "50ms", "--provider-retry-schedule", "100ms,200ms,500ms,1s,2s,5s"}
	admin := routeDemoNumberToSMSC(t, sc, db, args...)
	procs := []*server{start(t, args...), start(t, args...)}
	waitBound(t, admin, 2)
	toks := []string{procs[0].token(demoID, demoSecret), procs[1].token(demoID, demoSecret)}

	const n = 12
	dest := func(i int) string { return "1555041" + fmt.Sprintf("%04d", i) }
	text := func(i int) string { return "two processes " + strconv.Itoa(i) }
	for i := range n {
		sendOne(t, procs[i%2], toks[i%2], "+"+dest(i), text(i), "shaping-pg-"+strconv.Itoa(i))
	}

	// Left alone, the process that submitted last usually claims the next
	// slot first (it asks again the moment its submit is written), so the
	// other may never get one. Halfway, the busier process stops
	// gracefully and the other must take over at the rate: a bucket of its
	// own would let it submit at once after the last one.
	testwait.Eventually(t, 15*time.Second, func() bool { return len(sc.Submits()) >= n/2 }, "half the submits at the SMSC")
	busier := procs[0]
	if smppCounter(t, procs[1], "carrier", "submits") > smppCounter(t, procs[0], "carrier", "submits") {
		busier = procs[1]
	}
	if err := busier.stop(); err != nil {
		t.Fatalf("stopping a server: %v", err)
	}

	pg, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	delivered := func() (n int) {
		pg.QueryRow(`SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status = 'DELIVERED'`).Scan(&n)
		return n
	}
	testwait.EventuallyDescribe(t, 30*time.Second, func() bool { return delivered() == n },
		func() string {
			return fmt.Sprintf("%d of %d messages DELIVERED; submits %s", delivered(), n, timeline(sc.Submits(), func(s smsc.Submit) string { return s.DestAddr }))
		})

	r, err := readShapedSubmits(sc.Submits(), n, dest)
	if err != nil {
		t.Fatal(err)
	}
	sessionOf := func(s smsc.Submit) string { return fmt.Sprintf("%s/s%d", s.DestAddr[len(s.DestAddr)-2:], s.Session) }
	t.Logf("submits (message/SMPP session@time): %s", timeline(r.all, sessionOf))
	if len(r.first) != n || r.dups != 0 {
		t.Fatalf("%d of %d messages reached the SMSC, %d twice or more", len(r.first), n, r.dups)
	}
	for k, i := range r.index {
		if i != k {
			t.Fatalf("the SMSC took the messages in the order %v, want acceptance order", r.index)
		}
	}
	sessions := map[int]int{}
	for _, s := range r.all {
		sessions[s.Session]++
	}
	t.Logf("submits per SMPP session: %v", sessions)
	if len(sessions) != 2 {
		t.Errorf("the submits came on %d SMPP sessions, want one per process", len(sessions))
	}
	// 2 MPS: never 3 submits inside one second; any 3 consecutive ones span
	// at least a second, less the tolerance for claim-to-SMSC delays.
	const tolerance = 100 * time.Millisecond
	if span, at := minSpan(r.all, 3); span < time.Second-tolerance {
		t.Errorf("messages %d to %d reached the SMSC within %v: over 2 MPS (tolerance %v)", at, at+2, span, tolerance)
	}
}
