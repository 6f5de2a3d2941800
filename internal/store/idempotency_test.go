package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/store"
)

func TestGetIdempotency(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, cb, na, _ := twoClients(t, db)
		a := acceptance(t, ca, na, "k/1 é", t0, time.Hour, sendSMS)
		_, _, err := db.Accept(ctx, a)
		must(t, err)
		tests := []struct {
			name, client, key string
			now               time.Time
			found             bool
		}{
			{"live", ca.ID, a.Record.Key, t0, true},
			{"a millisecond before expiry", ca.ID, a.Record.Key, t0.Add(time.Hour - time.Millisecond), true},
			{"at expiry", ca.ID, a.Record.Key, t0.Add(time.Hour), false},
			{"after expiry", ca.ID, a.Record.Key, t0.Add(25 * time.Hour), false},
			{"unknown key", ca.ID, "k2", t0, false},
			{"key differs in case", ca.ID, "K/1 é", t0, false},
			{"another client", cb.ID, a.Record.Key, t0, false},
		}
		for _, tt := range tests {
			got, err := db.GetIdempotency(ctx, tt.client, tt.key, tt.now)
			if tt.found {
				if err != nil || !reflect.DeepEqual(got, a.Record) {
					t.Errorf("%s: GetIdempotency = %+v, %v", tt.name, got, err)
				}
				continue
			}
			if !errorsIsNotFound(err) {
				t.Errorf("%s: err = %v, want ErrNotFound", tt.name, err)
			}
		}
	})
}

func TestPruneIdempotency(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		for key, ttl := range map[string]time.Duration{"short": time.Hour, "short2": 30 * time.Minute, "long": 2 * time.Hour} {
			_, _, err := db.Accept(ctx, acceptance(t, ca, na, key, t0, ttl, sendSMS))
			must(t, err)
		}
		for _, step := range []struct {
			at   time.Time
			want int64
		}{{t0.Add(30*time.Minute - time.Millisecond), 0}, {t0.Add(time.Hour), 2}, {t0.Add(time.Hour), 0}} {
			n, err := db.PruneIdempotency(ctx, step.at)
			must(t, err)
			if n != step.want {
				t.Errorf("PruneIdempotency(%v) = %d, want %d", step.at.Sub(t0), n, step.want)
			}
		}
		if _, err := db.GetIdempotency(ctx, ca.ID, "long", t0.Add(time.Hour)); err != nil {
			t.Errorf("the live record was pruned: %v", err)
		}
		if n := countRows(t, db, "idempotency_keys"); n != 1 {
			t.Errorf("%d records left, want 1", n)
		}
	})
}
