package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/store"
)

func TestAuthThrottle(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := []string{"client:x", "addr:1.2.3.4"}
		for i := 0; i < 3; i++ {
			if _, blocked, err := db.AuthBlocked(ctx, keys, 3, time.Minute, t0); err != nil || blocked {
				t.Fatalf("blocked after %d failures (%v)", i, err)
			}
			must(t, db.AuthFailed(ctx, keys, time.Minute, t0.Add(time.Duration(i)*time.Second)))
		}
		until, blocked, err := db.AuthBlocked(ctx, []string{"addr:1.2.3.4"}, 3, time.Minute, t0.Add(10*time.Second))
		must(t, err)
		if !blocked || !until.Equal(t0.Add(time.Minute)) {
			t.Fatalf("blocked %v until %v", blocked, until)
		}
		if _, blocked, _ := db.AuthBlocked(ctx, []string{"client:y"}, 3, time.Minute, t0); blocked {
			t.Fatal("another key blocked")
		}
		// A new window starts after the old one ends.
		if _, blocked, _ := db.AuthBlocked(ctx, keys, 3, time.Minute, t0.Add(61*time.Second)); blocked {
			t.Fatal("still blocked after the window")
		}
		must(t, db.AuthFailed(ctx, keys, time.Minute, t0.Add(61*time.Second)))
		if _, blocked, _ := db.AuthBlocked(ctx, keys, 3, time.Minute, t0.Add(62*time.Second)); blocked {
			t.Fatal("the count did not restart with the new window")
		}
	})
}
