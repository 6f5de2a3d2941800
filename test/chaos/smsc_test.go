package chaos_test

// The SMSC run: the server sends every message over SMPP to the SMSC
// simulator (test/smsc) while the simulator is killed and restarted, drops
// every link, leaves submits unanswered and closes their links, and
// throttles bursts. A killed simulator forgets what it owed, a carrier's
// SMSC does not: before each kill the run freezes it, reads what it took
// and which receipts it still owed, and after the restart (with new ids,
// as a real SMSC never hands out an id twice) gives those receipts back.
// Then the suite's invariants (check_test.go), plus: every message reached
// the SMSC, and the SMSC took a part more than once only where the server
// resent it without an answer — possible_duplicates on /metrics.

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/testwait"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// smscArgs: the suite's short leases and schedules; the provider schedule
// rides out a simulator that is down for a few seconds (a send waits for a
// bind for half the lease, then is retried).
func smscArgs(dsn string) []string {
	return []string{"--db", dsn, "--lease", "2s", "--poll-interval", "100ms",
		"--provider-retry-schedule", "200ms,300ms,500ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s",
		"--webhook-retry-schedule", "100ms,250ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s"}
}

// smscLedger keeps what every run of the simulator took, across kills.
type smscLedger struct {
	taken                             map[string]int // destination/text/part → submits taken (accepted, or swallowed: the SMSC may have it)
	submits, refused, swallowed, owed int
	kills, drops, swallows, throttles int
	maxID                             int64
}

func (l *smscLedger) add(subs []smsc.Submit) {
	for _, s := range subs {
		l.submits++
		l.maxID = max(l.maxID, s.IDNumber)
		if s.Status != 0 && !s.Swallowed {
			l.refused++ // throttled: not taken
			continue
		}
		if s.Swallowed {
			l.swallowed++
		}
		part := 1
		if s.Concat != nil {
			part = s.Concat.Seq
		}
		l.taken[fmt.Sprintf("%s|%s|%d", s.DestAddr, s.Text, part)]++
	}
}

// owedReceipts are the receipts a run of the simulator owed when it was
// frozen: those not acknowledged, and those of accepted submits not yet
// queued (their delay had not passed).
func owedReceipts(subs []smsc.Submit, dels []smsc.Deliver) []smsc.OwedReceipt {
	var owed []smsc.OwedReceipt
	queued := map[string]bool{}
	for _, d := range dels {
		queued[d.MessageID] = true
		if d.State != "acked" {
			owed = append(owed, smsc.OwedReceipt{MessageID: d.MessageID, From: d.SourceAddr, To: d.DestAddr,
				Stat: d.Stat + ":" + d.Err, Text: d.Text})
		}
	}
	for _, s := range subs {
		if s.MessageID != "" && s.Receipt != "" && !queued[s.MessageID] {
			owed = append(owed, smsc.OwedReceipt{MessageID: s.MessageID, From: s.DestAddr, To: s.SourceAddr,
				Stat: s.Receipt, Text: s.Text, SubmitTime: s.Time.UTC().Format(time.RFC3339Nano)})
		}
	}
	return owed
}

// crash kills the simulator as a carrier's SMSC would crash, keeping what
// it owed: frozen first (nothing more is read or written), its records and
// owed receipts read, then SIGKILL; down later it restarts on the same port
// with ids after the last, and the owed receipts are given back.
func crash(sc *smsc.SMSC, l *smscLedger, down time.Duration) {
	sc.Freeze()
	subs := sc.Submits()
	owed := owedReceipts(subs, sc.Delivers("receipt"))
	l.add(subs)
	sc.Kill()
	time.Sleep(down)
	sc.Restart(smsc.WithFlags("--id-start", strconv.FormatInt(l.maxID+1000, 10)))
	for _, r := range owed {
		sc.SendReceipt(r)
	}
	l.owed += len(owed)
	l.kills++
}

// metricValue reads one sample of /metrics, e.g.
// redcloud_smpp_events_total{event="submits",provider="carrier"}.
func metricValue(t *testing.T, base, sample string) int {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int(f)
		}
	}
	return 0
}

func smppEvents(t *testing.T, base, event string) int {
	return metricValue(t, base, fmt.Sprintf(`redcloud_smpp_events_total{event="%s",provider="carrier"}`, event))
}

// TestChaosSMSC: see the top of this file.
func TestChaosSMSC(t *testing.T) {
	p := chaosProfile(t)
	began := time.Now()
	log := newServerLog()
	dsn := filepath.Join(t.TempDir(), "redcloud.db")
	args := smscArgs(dsn)
	// The magic recipients end as the sandbox would end them: REJECTD is
	// CARRIER_REJECTED, no receipt leaves the message SENT.
	sc := smsc.Start(t, smsc.WithReceiptDelay(100*time.Millisecond),
		smsc.WithFlags("--receipt", strings.TrimPrefix(carrierRejected, "+")+"=REJECTD", "--receipt", strings.TrimPrefix(noReceipt, "+")+"=none"))
	ledger := &smscLedger{taken: map[string]int{}}

	srv, err := startServer(0, log, "127.0.0.1:0", args...)
	if err != nil {
		t.Fatalf("start: %v\n%s", err, log.Tail(50))
	}
	admin := func(a ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, binary, append(append([]string{"admin"}, a...), "--db", dsn)...).CombinedOutput(); err != nil {
			t.Fatalf("admin %v: %v\n%s", a, err, out)
		}
	}
	admin("provider", "add", "carrier", "--url", sc.URL())
	admin("number", "route", demoNumber, "carrier")
	// Restarted, the server reads the providers and routes before it
	// sends anything: no message of the run goes through the sandbox.
	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done
	srv, err = startServer(0, log, srv.addr, args...)
	if err != nil {
		t.Fatalf("restart: %v\n%s", err, log.Tail(50))
	}
	t.Cleanup(func() {
		if !srv.exited() {
			srv.kill()
		}
	})
	testwait.Eventually(t, 30*time.Second, func() bool { return smppEvents(t, srv.base, "binds") >= 1 }, "the carrier bound")

	rc := newReceiver()
	rs := httptest.NewServer(rc)
	t.Cleanup(rs.Close)
	rec := newRecorder()
	hc := &http.Client{Transport: rec, Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	client, err := redcloud.NewClient(redcloud.Config{BaseURL: srv.base, ClientID: demoID, ClientSecret: demoSecret, HTTPClient: hc,
		Retry: redcloud.RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	rc.setSecret(setWebhooks(t, client, srv.base, rs.URL+"/hooks"))

	loadFrom := time.Now()
	load, stopLoad := context.WithTimeout(context.Background(), p.load)
	defer stopLoad()
	finish, stopFinish := context.WithCancel(context.Background())
	defer stopFinish()
	d := newDriver("smsc", []*redcloud.Client{client}, p.pause)
	var drivers sync.WaitGroup
	for w := 0; w < p.workers; w++ {
		drivers.Add(1)
		go func() {
			defer drivers.Done()
			d.work(load, finish, w)
		}()
	}
	t.Cleanup(func() { stopLoad(); stopFinish(); drivers.Wait() })

	// The faults, in turn, every 1.5–3 s: a crash (down 0.3–1.5 s), every
	// link dropped, two submits left unanswered and their links closed, a
	// burst of 30 throttled submits.
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	for i := 0; ; i++ {
		sleepCtx(load, between(r, [2]time.Duration{1500 * time.Millisecond, 3 * time.Second}))
		if load.Err() != nil {
			break
		}
		switch i % 4 {
		case 0:
			crash(sc, ledger, between(r, [2]time.Duration{300 * time.Millisecond, 1500 * time.Millisecond}))
		case 1:
			sc.Drop()
			ledger.drops++
		case 2:
			sc.Swallow(2, 300*time.Millisecond)
			ledger.swallows++
		case 3:
			sc.Throttle(30, smsc.StatusThrottled)
			ledger.throttles++
		}
	}
	loaded := time.Since(loadFrom)
	defer time.AfterFunc(p.settle, stopFinish).Stop()
	drivers.Wait()
	if srv.exited() {
		t.Errorf("the server exited: %v\n%s", srv.err, log.Tail(50))
	}

	db := openDB(t, dsn)
	settleFrom := time.Now()
	settled := waitSettled(t, db, p.settle)
	settledIn := time.Since(settleFrom)
	var f figures
	c := check(t, db, d, nil, rc, rec, &f) // no keyword traffic in the SMSC run
	if !settled {
		t.Logf("server log tail:\n%s", log.Tail(40))
	}

	// Every message reached the SMSC; a part taken twice only where the
	// server resent it without an answer.
	ledger.add(sc.Submits())
	rows, err := db.Query(`SELECT id, to_e164, text FROM messages WHERE direction = 'outbound'`)
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for rows.Next() {
		var id, to, text string
		if err := rows.Scan(&id, &to, &text); err != nil {
			t.Fatal(err)
		}
		if ledger.taken[fmt.Sprintf("%s|%s|1", strings.TrimPrefix(to, "+"), text)] == 0 {
			if missing++; missing <= 5 {
				t.Errorf("message %s to %s never reached the SMSC", id, to)
			}
		}
	}
	rows.Close()
	dups := 0
	for _, n := range ledger.taken {
		dups += n - 1
	}
	possible := smppEvents(t, srv.base, "possible_duplicates")
	unanswered := smppEvents(t, srv.base, "submit_unanswered")
	if dups > possible {
		t.Errorf("the SMSC took %d parts more than once, the server counted %d possible duplicates", dups, possible)
	}
	if missing > 0 {
		t.Errorf("%d messages never reached the SMSC", missing)
	}
	for _, u := range d.unexpected {
		t.Errorf("unexpected: %s", u)
	}
	t.Logf("chaos smsc, %s profile, %v of load, settled in %v, %v in all: operations %d, sends (HTTP attempts) %d, messages %d, events %d, "+
		"deliveries received %d (%d redelivered), duplicates after dedup %d, lost %d",
		p.name, loaded.Round(time.Second), settledIn.Round(100*time.Millisecond), time.Since(began).Round(time.Second), len(d.ops), c.sends, f.messages, f.events,
		f.deliveries, f.redone, f.duplicated, f.lost)
	t.Logf("smsc faults: crashes %d (receipts owed and given back %d), link drops %d, swallows %d (submits left unanswered %d), "+
		"throttle bursts %d (server: submits throttled %d); submits %d (refused %d), parts taken %d, taken more than once %d; server: submits %d, unanswered %d, "+
		"possible_duplicates %d, link drops %d, binds %d; end states %v; server ERROR lines: %s",
		ledger.kills, ledger.owed, ledger.drops, ledger.swallows, ledger.swallowed, ledger.throttles, smppEvents(t, srv.base, "submit_throttled"), ledger.submits, ledger.refused,
		len(ledger.taken), dups, smppEvents(t, srv.base, "submits"), unanswered, possible, smppEvents(t, srv.base, "link_drops"),
		smppEvents(t, srv.base, "binds"), f.endStates, log.Errors())
}
