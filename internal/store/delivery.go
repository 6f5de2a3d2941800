package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// DeliveryJob is a claimed delivery with what sending it needs.
type DeliveryJob struct {
	platform.Delivery
	EventType string
	Body      []byte
	Secret    string // the API client's current webhook signing secret
}

// HasDueDeliveries reports, with a read, whether ClaimDeliveries would
// find anything: idle polls then take no write lock (ORDER BY: see
// HasDueMessages).
func (db *DB) HasDueDeliveries(ctx context.Context, now time.Time) (bool, error) {
	return db.exists(ctx, `SELECT 1 FROM deliveries WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?
		AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT 1`, ms(now), ms(now))
}

// ClaimDeliveries leases up to limit PENDING deliveries that are due. A
// leased delivery is next due when its lease runs out (its worker died), so
// that is its next_attempt_at: the rows in flight leave the front of the
// due index, and a poll or claim no longer steps over every one of them
// (1–2 ms a poll on PostgreSQL with a few hundred in flight).
func (db *DB) ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]DeliveryJob, error) {
	var out []DeliveryJob
	err := db.grouped(ctx, func(x q) error {
		out = nil
		rows, err := x.query(ctx, `UPDATE deliveries SET lease_owner = ?, lease_until = ?, next_attempt_at = ?
			WHERE id IN (SELECT id FROM deliveries
				WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
				ORDER BY next_attempt_at LIMIT ?`+db.dialect.skipLocked+`)
			RETURNING id, event_id, api_client_id, url, state, attempts`, owner, ms(leaseUntil), ms(leaseUntil), ms(now), ms(now), limit)
		if err != nil {
			return fmt.Errorf("claim deliveries: %w", err)
		}
		for rows.Next() {
			var j DeliveryJob
			if err := rows.Scan(&j.ID, &j.EventID, &j.APIClientID, &j.URL, &j.State, &j.Attempts); err != nil {
				rows.Close()
				return fmt.Errorf("claim deliveries: %w", err)
			}
			out = append(out, j)
		}
		rows.Close()
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// After the claim has committed: the bodies never change, and a
	// secret read now is as fresh as one read inside. SQLite's one writer
	// then spends no time on these reads. Should they fail, the rows wait
	// for their lease, as after a crash.
	if err := fillJobs(ctx, db.r(), out); err != nil {
		return nil, err
	}
	return out, nil
}

// fillJobs reads the claimed deliveries' event bodies and signing secrets,
// in one query each rather than one per delivery (a round trip each on
// PostgreSQL).
func fillJobs(ctx context.Context, x q, jobs []DeliveryJob) error {
	if len(jobs) == 0 {
		return nil
	}
	type event struct {
		typ  string
		body []byte
	}
	events, secrets := map[string]event{}, map[string]string{}
	var eventIDs, clientIDs []any
	for _, j := range jobs {
		if _, ok := events[j.EventID]; !ok {
			events[j.EventID] = event{}
			eventIDs = append(eventIDs, j.EventID)
		}
		if _, ok := secrets[j.APIClientID]; !ok {
			secrets[j.APIClientID] = ""
			clientIDs = append(clientIDs, j.APIClientID)
		}
	}
	rows, err := x.query(ctx, `SELECT id, type, body FROM events WHERE id IN `+inList(len(eventIDs)), eventIDs...)
	if err != nil {
		return fmt.Errorf("claim deliveries: events: %w", err)
	}
	for rows.Next() {
		var id string
		var e event
		if err := rows.Scan(&id, &e.typ, &e.body); err != nil {
			rows.Close()
			return fmt.Errorf("claim deliveries: events: %w", err)
		}
		events[id] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("claim deliveries: events: %w", err)
	}
	rows, err = x.query(ctx, `SELECT id, webhook_secret FROM api_clients WHERE id IN `+inList(len(clientIDs)), clientIDs...)
	if err != nil {
		return fmt.Errorf("claim deliveries: secrets: %w", err)
	}
	for rows.Next() {
		var id, secret string
		if err := rows.Scan(&id, &secret); err != nil {
			rows.Close()
			return fmt.Errorf("claim deliveries: secrets: %w", err)
		}
		secrets[id] = secret
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("claim deliveries: secrets: %w", err)
	}
	for i := range jobs {
		j := &jobs[i]
		e := events[j.EventID]
		if e.typ == "" {
			return fmt.Errorf("claim deliveries: event %s: %w", j.EventID, sql.ErrNoRows)
		}
		j.EventType, j.Body, j.Secret = e.typ, e.body, secrets[j.APIClientID]
	}
	return nil
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	DeliveryID string
	LeaseOwner string
	Number     int // 1-based attempt number
	At         time.Time
	StatusCode int // 0 when no response
	Error      string
	Latency    time.Duration
	// State is the delivery's state after the attempt; NextAttemptAt is set
	// when it stays PENDING.
	State         string
	NextAttemptAt *time.Time
}

// RecordAttempts records attempts and the deliveries' new states in one
// transaction. An attempt whose lease was lost (another worker took the
// row) is still recorded, but does not change the delivery.
func (db *DB) RecordAttempts(ctx context.Context, as []Attempt) error {
	if db.dialect.name == "postgres" && len(as) == 1 {
		return db.recordAttemptPostgres(ctx, as[0])
	}
	return db.grouped(ctx, func(x q) error {
		for _, a := range as {
			var status any
			if a.StatusCode != 0 {
				status = a.StatusCode
			}
			if _, err := x.exec(ctx, `INSERT INTO delivery_attempts (id, delivery_id, attempt, at, status_code, error, latency_ms)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, platform.NewID("att_"), a.DeliveryID, a.Number, ms(a.At), status, a.Error, a.Latency.Milliseconds()); err != nil {
				return fmt.Errorf("record attempt: %w", err)
			}
			var next any
			if a.NextAttemptAt != nil {
				next = ms(*a.NextAttemptAt)
			}
			if _, err := x.exec(ctx, `UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?,
				last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?`,
				a.State, a.Number, next, status, a.Error, ms(a.At), a.DeliveryID, a.LeaseOwner); err != nil {
				return fmt.Errorf("record attempt: %w", err)
			}
		}
		return nil
	})
}

// DeliveryAttempt is a recorded attempt.
type DeliveryAttempt struct {
	Number     int
	At         time.Time
	StatusCode int
	Error      string
	Latency    time.Duration
}

// DeliveryDetail is a delivery with its attempts.
type DeliveryDetail struct {
	platform.Delivery
	EventType string
	Attempts  []DeliveryAttempt
}

const deliveryColumns = `d.id, d.event_id, d.api_client_id, d.url, d.state, d.attempts, d.next_attempt_at,
	COALESCE(d.last_status, 0), d.last_error, d.created_at, d.updated_at, e.type`

func scanDelivery(row interface{ Scan(...any) error }) (DeliveryDetail, error) {
	var d DeliveryDetail
	var next sql.NullInt64
	var created, updated int64
	err := row.Scan(&d.ID, &d.EventID, &d.APIClientID, &d.URL, &d.State, &d.Delivery.Attempts, &next,
		&d.LastStatus, &d.LastError, &created, &updated, &d.EventType)
	if next.Valid {
		t := fromMS(next.Int64)
		d.NextAttemptAt = &t
	}
	d.CreatedAt, d.UpdatedAt = fromMS(created), fromMS(updated)
	return d, err
}

// ListDeliveries lists deliveries in a state (all states when empty),
// newest first.
func (db *DB) ListDeliveries(ctx context.Context, state string, limit int) ([]DeliveryDetail, error) {
	query := `SELECT ` + deliveryColumns + ` FROM deliveries d JOIN events e ON e.id = d.event_id`
	args := []any{}
	if state != "" {
		query += ` WHERE d.state = ?`
		args = append(args, state)
	}
	rows, err := db.r().query(ctx, query+` ORDER BY d.updated_at DESC, d.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []DeliveryDetail
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// GetEvent returns an event with its deliveries and their attempts.
func (db *DB) GetEvent(ctx context.Context, id string) (platform.Event, []DeliveryDetail, error) {
	var e platform.Event
	var created int64
	err := db.r().row(ctx, `SELECT id, message_id, api_client_id, type, sequence, body, created_at FROM events WHERE id = ?`, id).
		Scan(&e.ID, &e.MessageID, &e.APIClientID, &e.Type, &e.Sequence, &e.Body, &created)
	if err != nil {
		return e, nil, notFound(err, "get event "+id)
	}
	e.CreatedAt = fromMS(created)
	rows, err := db.r().query(ctx, `SELECT `+deliveryColumns+` FROM deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.event_id = ? ORDER BY d.created_at, d.id`, id)
	if err != nil {
		return e, nil, fmt.Errorf("get event deliveries: %w", err)
	}
	var ds []DeliveryDetail
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return e, nil, fmt.Errorf("get event deliveries: %w", err)
		}
		ds = append(ds, d)
	}
	rows.Close()
	for i := range ds {
		as, err := db.attempts(ctx, ds[i].ID)
		if err != nil {
			return e, nil, err
		}
		ds[i].Attempts = as
	}
	return e, ds, nil
}

func (db *DB) attempts(ctx context.Context, deliveryID string) ([]DeliveryAttempt, error) {
	rows, err := db.r().query(ctx, `SELECT attempt, at, COALESCE(status_code, 0), error, latency_ms
		FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt, at, id`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	var out []DeliveryAttempt
	for rows.Next() {
		var a DeliveryAttempt
		var at, latency int64
		if err := rows.Scan(&a.Number, &at, &a.StatusCode, &a.Error, &latency); err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		a.At, a.Latency = fromMS(at), time.Duration(latency)*time.Millisecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// ReplayEvents creates a new delivery, due now, for each event to its
// current URL (routed again by platform.Route, as a new event would be) and
// returns the new deliveries. Events with no URL now get NO_ENDPOINT.
func (db *DB) ReplayEvents(ctx context.Context, eventIDs []string, now time.Time) ([]platform.Delivery, error) {
	var out []platform.Delivery
	err := db.tx(ctx, func(x q) error {
		for _, id := range eventIDs {
			var e platform.Event
			var owner, inbound, delivery, inboundOverride, deliveryOverride sql.NullString
			err := x.row(ctx, `SELECT e.id, e.api_client_id, e.type, n.api_client_id,
				c.inbound_url, c.delivery_url, n.webhook_inbound_override, n.webhook_delivery_override
				FROM events e JOIN messages m ON m.id = e.message_id JOIN api_clients c ON c.id = e.api_client_id
				LEFT JOIN numbers n ON n.id = m.number_id
				WHERE e.id = ?`, id).Scan(&e.ID, &e.APIClientID, &e.Type, &owner,
				&inbound, &delivery, &inboundOverride, &deliveryOverride)
			if err != nil {
				return notFound(err, "replay event "+id)
			}
			route := platform.Route{MessageClientID: e.APIClientID, NumberOwnerID: owner.String,
				InboundURL: nullStr(inbound), DeliveryURL: nullStr(delivery),
				InboundOverride: nullStr(inboundOverride), DeliveryOverride: nullStr(deliveryOverride)}
			d := platform.NewDelivery(e, route.URL(e.Type), now)
			if err := insertEvents(ctx, x, nil, []platform.Delivery{d}); err != nil {
				return err
			}
			out = append(out, d)
		}
		return notifyWork(ctx, x)
	})
	return out, err
}

// FailedEventsSince lists the events with a FAILED delivery updated at or
// after since (and no later DELIVERED delivery), for bulk replay.
func (db *DB) FailedEventsSince(ctx context.Context, since time.Time) ([]string, error) {
	return db.FailedEvents(ctx, FailedFilter{Since: since})
}

// FailedFilter selects the events FailedEvents lists.
type FailedFilter struct {
	// Since: a FAILED delivery updated at or after it (required).
	Since time.Time
	// APIClientID and URL, when set, restrict the list to the FAILED
	// deliveries of one API client, to one URL.
	APIClientID, URL string
}

// FailedEvents lists the events with a FAILED delivery matching f that
// have no DELIVERED or PENDING delivery, for bulk replay.
func (db *DB) FailedEvents(ctx context.Context, f FailedFilter) ([]string, error) {
	query, args := `SELECT DISTINCT d.event_id FROM deliveries d
		WHERE d.state = 'FAILED' AND d.updated_at >= ?`, []any{ms(f.Since)}
	if f.APIClientID != "" {
		query, args = query+` AND d.api_client_id = ?`, append(args, f.APIClientID)
	}
	if f.URL != "" {
		query, args = query+` AND d.url = ?`, append(args, f.URL)
	}
	rows, err := db.r().query(ctx, query+`
		AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.event_id = d.event_id AND o.state IN ('DELIVERED', 'PENDING'))
		ORDER BY d.event_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("failed events: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("failed events: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
