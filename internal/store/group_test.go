package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Concurrent writes share transactions (group commit); a write that fails
// inside a shared transaction rolls back alone and the others commit.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, _, na, _ := twoClients(t, db)
		in := platform.InboundInput{From: "+15557654321", Text: "hi"}
		dup, de, dd := platform.NewInbound(c, na, in, t0)
		must(t, db.InsertInbound(ctx, dup, de, dd))

		const n = 60
		errs := make([]error, n)
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%5 == 0 { // a duplicate primary key: this write must fail alone
					errs[i] = db.InsertInbound(ctx, dup, de, dd)
					return
				}
				m, e, d := platform.NewInbound(c, na, platform.InboundInput{From: "+15557654321", Text: fmt.Sprint(i)}, t0)
				ids[i] = m.ID
				errs[i] = db.InsertInbound(ctx, m, e, d)
			}()
		}
		wg.Wait()
		for i := 0; i < n; i++ {
			if i%5 == 0 {
				if errs[i] == nil {
					t.Errorf("write %d: duplicate accepted", i)
				}
				continue
			}
			if errs[i] != nil {
				t.Errorf("write %d failed beside a failing one: %v", i, errs[i])
				continue
			}
			if _, events, err := db.GetMessage(ctx, c.ID, ids[i]); err != nil || len(events) != 1 {
				t.Errorf("write %d not stored: %v", i, err)
			}
		}
		if got := countRows(t, db, "messages"); got != 1+n-n/5 {
			t.Errorf("%d messages, want %d", got, 1+n-n/5)
		}
		if got := countRows(t, db, "events"); got != 1+n-n/5 {
			t.Errorf("%d events, want %d", got, 1+n-n/5)
		}
	})
}
