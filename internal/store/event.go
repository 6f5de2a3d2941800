package store

import (
	"context"
	"fmt"

	"github.com/redcloud-core/redcloud/internal/platform"
)

func insertEvents(ctx context.Context, x q, events []platform.Event, deliveries []platform.Delivery) error {
	for _, e := range events {
		if _, err := x.exec(ctx, `INSERT INTO events (id, message_id, api_client_id, type, sequence, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ID, e.MessageID, e.APIClientID, e.Type, e.Sequence, e.Body, ms(e.CreatedAt)); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
	}
	for _, d := range deliveries {
		var next any
		if d.NextAttemptAt != nil {
			next = ms(*d.NextAttemptAt)
		}
		if _, err := x.exec(ctx, `INSERT INTO deliveries (id, event_id, api_client_id, url, state, attempts,
			next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`,
			d.ID, d.EventID, d.APIClientID, d.URL, d.State, next, ms(d.CreatedAt), ms(d.UpdatedAt)); err != nil {
			return fmt.Errorf("insert delivery: %w", err)
		}
	}
	return nil
}
