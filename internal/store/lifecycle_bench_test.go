package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// BenchmarkLifecycleWrites is the store's share of a message's way through
// the pipeline, from 64 concurrent writers as the server has them: the
// acceptance, then the SENT and DELIVERED transitions with their events
// and webhook deliveries. On SQLite these share group-commit transactions
// on the one writer, whose time per message bounds the end-to-end rate:
//
//	go test -run '^$' -bench LifecycleWrites -benchtime 5000x -count 5 ./internal/store/
func BenchmarkLifecycleWrites(b *testing.B) {
	for _, d := range testDatabases {
		b.Run(d.name, func(b *testing.B) {
			var c opCounter
			db := c.open(b, d.dsn(b))
			cl, numbers := hookedClient(b, db)
			var seq atomic.Int64
			b.SetParallelism(32) // × GOMAXPROCS (2 here): the server's 64 connections
			cpu0 := processCPU(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					env := &opEnv{b: b, db: db, c: cl, n: numbers[0], now: time.Now().UTC().Truncate(time.Millisecond)}
					a := env.acceptance(fmt.Sprintf("l%d", seq.Add(1)), 1)
					if _, _, err := db.Accept(ctx, a); err != nil {
						b.Fatal(err)
					}
					sent := env.transition(platform.Sent(a.Messages[0], "ref-"+a.Messages[0].ID, env.now))
					sent.LeaseOwner = ""
					delivered := env.transition(platform.Delivered(sent.Message, env.now))
					delivered.LeaseOwner = ""
					for _, t := range []store.Transition{sent, delivered} {
						ok, err := db.ApplyTransitions(ctx, []store.Transition{t})
						if err != nil || !ok[0] {
							b.Fatalf("transition %s: applied %v, %v", t.Message.Status, ok, err)
						}
					}
				}
			})
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/message")
			b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/message")
			b.ReportMetric(float64(c.stmts.Load())/float64(b.N), "statements/message")
		})
	}
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
