package store

import (
	"context"
	"fmt"
	"time"
)

// EventBucket counts the events created in [Start, Start+step), by type.
type EventBucket struct {
	Start  time.Time
	Counts map[string]int
}

// CountEvents counts the events of the given types created in [from, to),
// in buckets of step (the last may be shorter), oldest first; every bucket
// is present, empty ones too. Index events_created serves it.
func (db *DB) CountEvents(ctx context.Context, from, to time.Time, step time.Duration, types []string) ([]EventBucket, error) {
	if step < time.Millisecond || !to.After(from) {
		return nil, fmt.Errorf("count events: empty range or step")
	}
	n := int((to.Sub(from) + step - 1) / step)
	out := make([]EventBucket, n)
	for i := range out {
		out[i] = EventBucket{Start: from.Add(time.Duration(i) * step), Counts: map[string]int{}}
	}
	want := map[string]bool{}
	for _, t := range types {
		want[t] = true
	}
	rows, err := db.r().query(ctx, `SELECT b, type, COUNT(*) FROM (SELECT (created_at - ?) / ? AS b, type FROM events
		WHERE created_at >= ? AND created_at < ?) x GROUP BY b, type`,
		ms(from), step.Milliseconds(), ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("count events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b int64
		var typ string
		var c int
		if err := rows.Scan(&b, &typ, &c); err != nil {
			return nil, fmt.Errorf("count events: %w", err)
		}
		if b >= 0 && b < int64(n) && want[typ] {
			out[b].Counts[typ] += c
		}
	}
	return out, rows.Err()
}
