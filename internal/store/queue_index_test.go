package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/store"
)

// TestQueueDepthUsesIndex: the /metrics queue gauges count QUEUED messages
// through an index, not a scan of every message.
func TestQueueDepthUsesIndex(t *testing.T) {
	t.Parallel()
	db := openTest(t)
	_, read := store.Handles(db)
	rows, err := read.QueryContext(context.Background(), `EXPLAIN QUERY PLAN SELECT COUNT(*) FROM messages WHERE status = 'QUEUED'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "messages_queued") {
		t.Errorf("query plan %q does not use the messages_queued index", p)
	}
}
