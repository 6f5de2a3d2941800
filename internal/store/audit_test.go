package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/store"
)

// TestAudit: entries come back newest first, filtered, paged without a
// repeat or a gap, with their JSON as written.
func TestAudit(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 9 {
			actor := "cli:root"
			if i%3 == 0 {
				actor = "a@example.com"
			}
			// Pairs share a millisecond, so the id breaks the tie.
			must(t, db.InsertAudit(ctx, store.AuditEntry{
				ID: fmt.Sprintf("aud_%02d", i), At: t0.Add(time.Duration(i/2) * time.Second), Actor: actor,
				Action: "client.suspend", Target: fmt.Sprintf("rc_%d", i%2),
				Before: json.RawMessage(`{"status":"ACTIVE"}`), After: json.RawMessage(`{"status":"SUSPENDED"}`),
			}))
		}
		must(t, db.InsertAudit(ctx, store.AuditEntry{ID: "aud_99", At: t0.Add(time.Hour), Actor: "cli:root", Action: "mode.change", Target: "database"}))

		var got []string
		q := store.AuditQuery{Limit: 4}
		for {
			page, more, err := db.ListAudit(ctx, q)
			must(t, err)
			for _, e := range page {
				got = append(got, e.ID)
			}
			if !more {
				break
			}
			last := page[len(page)-1]
			q.Before = &last
		}
		want := []string{"aud_99", "aud_08", "aud_07", "aud_06", "aud_05", "aud_04", "aud_03", "aud_02", "aud_01", "aud_00"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("paged %v, want %v", got, want)
		}

		page, _, err := db.ListAudit(ctx, store.AuditQuery{Actor: "a@example.com", Target: "rc_0", Limit: 10})
		must(t, err)
		if len(page) != 2 || page[0].ID != "aud_06" || page[1].ID != "aud_00" {
			t.Errorf("filtered: %+v", page)
		}
		e := page[0]
		if string(e.Before) != `{"status":"ACTIVE"}` || string(e.After) != `{"status":"SUSPENDED"}` ||
			e.Action != "client.suspend" || !e.At.Equal(t0.Add(3*time.Second)) {
			t.Errorf("entry %+v", e)
		}
		page, _, err = db.ListAudit(ctx, store.AuditQuery{Action: "mode.change", Limit: 10})
		must(t, err)
		if len(page) != 1 || string(page[0].Before) != "{}" || string(page[0].After) != "{}" {
			t.Errorf("entry without states: %+v", page)
		}
	})
}
