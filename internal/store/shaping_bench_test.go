package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// BenchmarkClaimShaped measures one claim of 50 due messages of 10 numbers,
// with rates unlimited (shaping skipped: the path every claim took before
// shaping existed) and with every number and its campaign limited, at rates
// high enough that nothing waits (every bucket read, taken and saved, and
// each number's order checked):
//
//	go test -run '^$' -bench ClaimShaped -benchtime 200x ./internal/store/
func BenchmarkClaimShaped(b *testing.B) {
	for _, d := range testDatabases {
		for _, limited := range []bool{false, true} {
			name := d.name + "/unlimited"
			if limited {
				name = d.name + "/limited"
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				db, err := store.Open(ctx, d.dsn(b))
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				c, numbers := benchShapingSetup(b, db, limited)
				sh := store.Shaping{}
				now := time.Now()
				round := 0
				for b.Loop() {
					b.StopTimer()
					for i, n := range numbers {
						benchAccept(b, db, c, n, fmt.Sprintf("k%d-%d", round, i), now, 5)
					}
					round++
					b.StartTimer()
					now = now.Add(time.Second)
					msgs, deferred, err := db.ClaimShaped(ctx, "bench", now, now.Add(time.Minute), 50, sh)
					if err != nil {
						b.Fatal(err)
					}
					if len(msgs) != 50 || len(deferred) != 0 {
						b.Fatalf("claimed %d, deferred %d; want 50 and 0", len(msgs), len(deferred))
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/claim")
			})
		}
	}
}

func benchShapingSetup(b *testing.B, db *store.DB, limited bool) (platform.APIClient, []platform.Number) {
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(db.CreateAccount(ctx, platform.Account{ID: "acct", Name: "A", Status: redcloud.StatusActive, CreatedAt: t0}))
	c := platform.APIClient{ID: "rc_a", AccountID: "acct", Name: "C", Status: redcloud.StatusActive,
		SecretHash: platform.HashSecret("s"), Capabilities: platform.AllCapabilities, WebhookSecret: "whsec", CreatedAt: t0}
	must(db.CreateAPIClient(ctx, c))
	c.AccountStatus = redcloud.StatusActive
	var numbers []platform.Number
	for i := range 10 {
		n := mkNumber(fmt.Sprintf("num_%d", i), fmt.Sprintf("+1555123%04d", i), c.ID)
		if limited {
			n.MPS = ptr(1e6)
		}
		must(db.InsertNumber(ctx, n))
		numbers = append(numbers, n)
	}
	if limited {
		must(db.SetCampaign(ctx, platform.Campaign{ID: "A1B2C3", SMSTPM: 6e7, MMSTPM: 6e7, DailyCap: 1e9}, t0))
	}
	return c, numbers
}

// benchAccept accepts one send of k recipients from n.
func benchAccept(b *testing.B, db *store.DB, c platform.APIClient, n platform.Number, key string, now time.Time, k int) {
	to := make([]string, k)
	for i := range to {
		to[i] = fmt.Sprintf("+1555987%04d", i)
	}
	send := platform.SendInput{SendFrom: n.ID, To: to, MessageType: "SMS", Text: "hello"}
	ok, bad := platform.CheckRecipients(send.To)
	a := platform.NewAcceptance(platform.AcceptInput{Client: c, Number: n, Send: send, Key: key, Recipients: ok, Errors: bad,
		Now: now, KeyTTL: time.Hour, Validity: 4 * time.Hour})
	if _, _, err := db.Accept(context.Background(), a); err != nil {
		b.Fatal(err)
	}
}
