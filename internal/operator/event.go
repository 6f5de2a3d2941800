package operator

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// MaxDeliveryLimit is the most deliveries ListDeliveries returns at once.
const MaxDeliveryLimit = 10000

// DeliveryFilter selects webhook deliveries.
type DeliveryFilter struct {
	// State is a delivery state, in any case; empty means every state.
	State string
	// Limit is how many to list, 1 to MaxDeliveryLimit (required).
	Limit int
}

// Validate reports what is wrong with the filter, without the database.
func (f DeliveryFilter) Validate() error {
	_, err := f.state()
	return err
}

// state validates the filter and returns the state upper-cased.
func (f DeliveryFilter) state() (string, error) {
	st := strings.ToUpper(strings.TrimSpace(f.State))
	if st != "" && !platform.ValidDeliveryState(st) {
		return "", invalid("state", "state %q: a delivery state is %s", f.State, orList(platform.DeliveryStates))
	}
	if f.Limit < 1 || f.Limit > MaxDeliveryLimit {
		return "", invalid("limit", "limit must be 1-%d", MaxDeliveryLimit)
	}
	return st, nil
}

// orList renders "A, B, C or D".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// ListDeliveries lists webhook deliveries, newest first.
func (o *Operator) ListDeliveries(ctx context.Context, f DeliveryFilter) ([]store.DeliveryDetail, error) {
	st, err := f.state()
	if err != nil {
		return nil, err
	}
	return o.db.ListDeliveries(ctx, st, f.Limit)
}

// GetEvent returns an event, with its fixed webhook body, its deliveries
// and every attempt of each.
func (o *Operator) GetEvent(ctx context.Context, id string) (platform.Event, []store.DeliveryDetail, error) {
	e, ds, err := o.db.GetEvent(ctx, id)
	return e, ds, missing(err, "event %s not found", id)
}

// ParseSince reads the start of a replay window: an RFC 3339 time, or a
// duration before now such as 24h.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, invalid("failedSince", "failedSince %q: give an RFC 3339 time (2026-11-26T00:00:00Z) or a duration ago (24h)", s)
}

// ReplayEvents creates a new delivery, due at once, for each event, to the
// URL that routing gives now (number override, else the API client's URL).
// The body and eventId are the event's own; a running dispatcher sends it.
// An unknown event is NOT_FOUND, and then nothing is replayed.
func (o *Operator) ReplayEvents(ctx context.Context, ids []string) ([]platform.Delivery, error) {
	ds, err := o.db.ReplayEvents(ctx, ids, o.now())
	if err != nil {
		return nil, missing(err, "event not found")
	}
	if len(ds) == 0 {
		return ds, nil
	}
	target := ids[0]
	if len(ids) > 1 {
		target = fmt.Sprintf("%d events", len(ids))
	}
	replayed := make([]map[string]string, len(ds))
	for i, d := range ds {
		replayed[i] = map[string]string{"eventId": d.EventID, "deliveryId": d.ID, "url": d.URL, "state": d.State}
	}
	return ds, o.record(ctx, ActionEventReplay, target, nil, map[string]any{"deliveries": replayed})
}

// ReplayFailedSince replays every event whose delivery FAILED at or after
// since and that has not been delivered (or queued again) since.
func (o *Operator) ReplayFailedSince(ctx context.Context, since time.Time) ([]platform.Delivery, error) {
	return o.ReplayFailed(ctx, FailedFilter{Since: since})
}

// FailedFilter selects the failed deliveries ReplayFailed replays.
type FailedFilter = store.FailedFilter

// ReplayFailed replays every event whose delivery matching f FAILED and
// that has not been delivered (or queued again) since: ReplayFailedSince
// for one API client's URL (the console's endpoint health).
func (o *Operator) ReplayFailed(ctx context.Context, f FailedFilter) ([]platform.Delivery, error) {
	ids, err := o.db.FailedEvents(ctx, f)
	if err != nil {
		return nil, err
	}
	return o.ReplayEvents(ctx, ids)
}
