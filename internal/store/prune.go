package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// PruneMessages deletes, in batches, messages last changed before `before`
// that have no work left (not QUEUED, no PENDING delivery), with their
// events, deliveries and attempts. It returns how many messages it deleted.
// Each batch is chosen and deleted in one transaction, and the messages are
// deleted first under the same condition, so a replay that commits meanwhile
// keeps its message.
func (db *DB) PruneMessages(ctx context.Context, before time.Time, batch int) (int, error) {
	total := 0
	for {
		n := 0
		err := db.tx(ctx, func(x q) error {
			rows, err := x.query(ctx, `DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m
				WHERE m.updated_at < ? AND m.status <> 'QUEUED' AND NOT EXISTS (SELECT 1 FROM events e
					JOIN deliveries d ON d.event_id = e.id WHERE e.message_id = m.id AND d.state = 'PENDING') LIMIT ?)
				AND NOT EXISTS (SELECT 1 FROM events e JOIN deliveries d ON d.event_id = e.id
					WHERE e.message_id = messages.id AND d.state = 'PENDING')
				RETURNING id`, ms(before), batch)
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			var ids []any
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return fmt.Errorf("prune: %w", err)
				}
				ids = append(ids, id)
			}
			rows.Close()
			if n = len(ids); n == 0 {
				return rows.Err()
			}
			in := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
			for _, stmt := range []string{
				`DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.message_id IN ` + in + `)`,
				`DELETE FROM deliveries WHERE event_id IN (SELECT id FROM events WHERE message_id IN ` + in + `)`,
				`DELETE FROM events WHERE message_id IN ` + in,
			} {
				if _, err := x.exec(ctx, stmt, ids...); err != nil {
					return fmt.Errorf("prune: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}
