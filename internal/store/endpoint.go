package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// EndpointHealth is how webhook deliveries to one API client's URL fare:
// deliveries DELIVERED and FAILED since a time, PENDING now, and the last
// error seen since that time.
type EndpointHealth struct {
	APIClientID string
	URL         string
	Delivered   int
	Failed      int
	Pending     int
	LastError   string
	LastStatus  int // 0: no HTTP answer
	LastErrorAt time.Time
}

// maxErrorRows bounds the rows read to find each endpoint's last error.
const maxErrorRows = 5000

// EndpointHealth returns the health of every endpoint that had a delivery
// finish since `since` or has one pending, ordered by API client and URL.
func (db *DB) EndpointHealth(ctx context.Context, since time.Time) ([]EndpointHealth, error) {
	type key struct{ client, url string }
	byKey := map[key]*EndpointHealth{}
	get := func(k key) *EndpointHealth {
		h := byKey[k]
		if h == nil {
			h = &EndpointHealth{APIClientID: k.client, URL: k.url}
			byKey[k] = h
		}
		return h
	}
	// The state IN list lets deliveries_state (state, updated_at) serve the
	// window.
	rows, err := db.r().query(ctx, `SELECT api_client_id, url, state, COUNT(*) FROM deliveries
		WHERE (state IN ('DELIVERED', 'FAILED') AND updated_at >= ?) OR state = 'PENDING'
		GROUP BY api_client_id, url, state`, ms(since))
	if err != nil {
		return nil, fmt.Errorf("endpoint health: %w", err)
	}
	for rows.Next() {
		var k key
		var state string
		var n int
		if err := rows.Scan(&k.client, &k.url, &state, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("endpoint health: %w", err)
		}
		h := get(k)
		switch state {
		case "DELIVERED":
			h.Delivered = n
		case "FAILED":
			h.Failed = n
		case "PENDING":
			h.Pending = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("endpoint health: %w", err)
	}
	rows, err = db.r().query(ctx, `SELECT api_client_id, url, last_error, COALESCE(last_status, 0), updated_at FROM deliveries
		WHERE state IN ('PENDING', 'FAILED') AND updated_at >= ? AND attempts > 0
		ORDER BY updated_at DESC LIMIT ?`, ms(since), maxErrorRows)
	if err != nil {
		return nil, fmt.Errorf("endpoint errors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var msg string
		var status int
		var at int64
		if err := rows.Scan(&k.client, &k.url, &msg, &status, &at); err != nil {
			return nil, fmt.Errorf("endpoint errors: %w", err)
		}
		if h := get(k); h.LastErrorAt.IsZero() {
			h.LastError, h.LastStatus, h.LastErrorAt = msg, status, fromMS(at)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("endpoint errors: %w", err)
	}
	out := make([]EndpointHealth, 0, len(byKey))
	for _, h := range byKey {
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b EndpointHealth) int {
		return cmp.Or(cmp.Compare(a.APIClientID, b.APIClientID), cmp.Compare(a.URL, b.URL))
	})
	return out, nil
}
