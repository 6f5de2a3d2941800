package e2e_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/testwait"
	"github.com/redcloud-core/redcloud/test/smsc"
)

// routeDemoNumberToSMSC adds the SMPP provider "carrier" for sc and routes
// the demo number to it, on a database no server runs on yet: a server
// started afterwards loads both at startup, so none of its sends can go to
// the sandbox provider before the route applies. db is the --db value
// (a SQLite path or a PostgreSQL DSN); a first server is started and
// stopped with args to create and seed it.
func routeDemoNumberToSMSC(t *testing.T, sc *smsc.SMSC, db string, args ...string) *adminRunner {
	t.Helper()
	if err := start(t, args...).stop(); err != nil {
		t.Fatalf("stop the server that created the database: %v", err)
	}
	admin := &adminRunner{t: t, db: db}
	admin.run("provider", "add", "carrier", "--url", sc.URL())
	admin.run("number", "route", "num_abc123", "carrier")
	return admin
}

// waitBound waits until every running server holds its bind to the carrier.
func waitBound(t *testing.T, admin *adminRunner, servers int) {
	t.Helper()
	want := slices.Repeat([]string{"bound"}, servers)
	var got []string
	testwait.EventuallyDescribe(t, 20*time.Second, func() bool {
		got = admin.bindStates()["carrier"]
		return slices.Equal(got, want)
	}, func() string { return fmt.Sprintf("carrier binds %v, want %v", got, want) })
}

// shapedSubmits is what the SMSC received for messages sent to one
// destination each: dest(i) is message i's destination as the SMSC sees it.
type shapedSubmits struct {
	all   []smsc.Submit // in arrival order
	first []smsc.Submit // each message's first arrival, in arrival order
	index []int         // first[k] is message index[k]
	dups  int           // submits beyond each message's first
}

func readShapedSubmits(subs []smsc.Submit, n int, dest func(i int) string) (shapedSubmits, error) {
	byDest := map[string]int{}
	for i := 0; i < n; i++ {
		byDest[dest(i)] = i
	}
	var r shapedSubmits
	seen := map[int]bool{}
	for _, s := range subs {
		i, ok := byDest[s.DestAddr]
		if !ok {
			return r, fmt.Errorf("submit #%d to %s, not one of the test's destinations", s.N, s.DestAddr)
		}
		r.all = append(r.all, s)
		if seen[i] {
			r.dups++
			continue
		}
		seen[i] = true
		r.first = append(r.first, s)
		r.index = append(r.index, i)
	}
	return r, nil
}

// timeline prints submits as "i@+0.000s" relative to the first, for
// failure messages and logs.
func timeline(subs []smsc.Submit, index func(smsc.Submit) string) string {
	if len(subs) == 0 {
		return "(none)"
	}
	var b strings.Builder
	for k, s := range subs {
		if k > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s@+%.3fs", index(s), s.Time.Sub(subs[0].Time).Seconds())
	}
	return b.String()
}

// minSpan returns the shortest time covered by any k consecutive submits
// (k ≥ 2) and where that window starts; with fewer than k submits, 0 and -1.
func minSpan(subs []smsc.Submit, k int) (time.Duration, int) {
	best, at := time.Duration(0), -1
	for i := 0; i+k-1 < len(subs); i++ {
		d := subs[i+k-1].Time.Sub(subs[i].Time)
		if at < 0 || d < best {
			best, at = d, i
		}
	}
	return best, at
}
