package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
)

// Two stores on one PostgreSQL database stand for two server processes.
// Both accept the same keys at once, in opposite orders: exactly one
// acceptance per key, no deadlock, no error. 12 workers each: enough to
// race, while the two pools and the parallel tests beside them stay well
// under PostgreSQL's default 100 connections (32 each once exhausted them
// in CI).
func TestPostgresTwoProcessesSameKeys(t *testing.T) {
	t.Parallel()
	dsn := storetest.Postgres(t)
	a, b := openSQLiteAt(t, dsn), openSQLiteAt(t, dsn)
	c, _, na, _ := twoClients(t, a)
	const keys, workers = 600, 12
	created := make([]int, keys)
	var mu sync.Mutex
	var wg sync.WaitGroup
	run := func(db *store.DB, reverse bool, worker int) {
		defer wg.Done()
		for i := 0; i < keys; i++ {
			k := i
			if reverse {
				k = keys - 1 - i
			}
			if k%workers != worker {
				continue
			}
			body := fmt.Sprintf(`{"sendFrom":"num_a","to":["+1555000%04d"],"messageType":"SMS","text":"t"}`, k)
			acc := acceptance(t, c, na, fmt.Sprintf("key-%d", k), t0, time.Hour, body)
			_, ok, err := db.Accept(context.Background(), acc)
			if err != nil {
				t.Errorf("key %d: %v", k, err)
				return
			}
			if ok {
				mu.Lock()
				created[k]++
				mu.Unlock()
			}
		}
	}
	for w := 0; w < workers; w++ {
		wg.Add(2)
		go run(a, false, w)
		go run(b, true, w)
	}
	wg.Wait()
	for k, n := range created {
		if n != 1 {
			t.Errorf("key %d: %d acceptances", k, n)
		}
	}
	if got := countRows(t, a, "messages"); got != keys {
		t.Errorf("%d messages, want %d", got, keys)
	}
}
