package operator

import (
	"context"
	"net/url"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/webhook"
)

// MessagePage is a page of the message list and the cursor of the next
// ("" when none follows).
type MessagePage struct {
	Messages   []platform.Message
	NextCursor string
}

// ListMessages lists messages newest first, as GET /api/core/messages does
// and with its rules: values holds that route's query parameters (status,
// to, numberId, externalReference, createdAfter, createdBefore, waiting,
// limit, cursor). clientID restricts the list to one API client; empty lists
// every client's messages.
func (o *Operator) ListMessages(ctx context.Context, clientID string, values url.Values) (MessagePage, error) {
	if clientID != "" && !platform.ValidClientID(clientID) {
		return MessagePage{}, invalid("apiClientId", "apiClientId %q is not an API client id", clientID)
	}
	q, perr := platform.DecodeMessageQuery(values, clientID)
	if perr != nil {
		return MessagePage{}, perr
	}
	page, more, err := o.db.ListMessages(ctx, clientID, q)
	if err != nil {
		return MessagePage{}, err
	}
	out := MessagePage{Messages: page}
	if more {
		out.NextCursor = q.NextCursor(clientID, page[len(page)-1])
	}
	return out, nil
}

// EventDetail is an event of a message with its webhook deliveries and
// every attempt of each.
type EventDetail struct {
	platform.Event
	Deliveries []store.DeliveryDetail
}

// MessageDetail is a message, whoever owns it, with its lifecycle events.
type MessageDetail struct {
	Message platform.Message
	Events  []EventDetail
}

// GetMessage returns a message with its events, their deliveries and
// attempts.
func (o *Operator) GetMessage(ctx context.Context, id string) (MessageDetail, error) {
	m, err := o.db.GetMessageByID(ctx, id)
	if err != nil {
		return MessageDetail{}, missing(err, "message %s not found", id)
	}
	m, events, err := o.db.GetMessage(ctx, m.APIClientID, id)
	if err != nil {
		return MessageDetail{}, missing(err, "message %s not found", id)
	}
	out := MessageDetail{Message: m}
	for _, e := range events {
		_, ds, err := o.db.GetEvent(ctx, e.ID)
		if err != nil {
			return MessageDetail{}, missing(err, "event %s not found", e.ID)
		}
		out.Events = append(out.Events, EventDetail{Event: e, Deliveries: ds})
	}
	return out, nil
}

// Overview is the platform at a glance: the last hour's lifecycle events
// by minute, the work waiting, and the webhook endpoints' health.
type Overview struct {
	// Buckets count message.queued (accepted), message.sent,
	// message.delivery (delivered) and message.failed events per minute,
	// oldest first.
	Buckets []store.EventBucket
	// QueuedMessages and PendingDeliveries are the work waiting now.
	QueuedMessages, PendingDeliveries int
	// Endpoints is the health of every webhook endpoint over the hour.
	Endpoints []store.EndpointHealth
}

// OverviewTypes are the event types Overview counts, in chart order.
var OverviewTypes = []string{webhook.TypeQueued, webhook.TypeSent, webhook.TypeDelivery, webhook.TypeFailed}

// GetOverview returns the overview of the hour up to now.
func (o *Operator) GetOverview(ctx context.Context) (Overview, error) {
	now := o.now()
	// Whole minutes: the buckets line up with the clock.
	to := now.Truncate(time.Minute).Add(time.Minute)
	from := to.Add(-time.Hour)
	var out Overview
	var err error
	if out.Buckets, err = o.db.CountEvents(ctx, from, to, time.Minute, OverviewTypes); err != nil {
		return out, err
	}
	if out.QueuedMessages, out.PendingDeliveries, err = o.db.QueueDepth(ctx); err != nil {
		return out, err
	}
	out.Endpoints, err = o.EndpointHealth(ctx, now.Add(-time.Hour))
	return out, err
}

// EndpointHealth returns the health of every webhook endpoint (API client
// and URL) since `since`: deliveries delivered, failed and pending, and the
// last error.
func (o *Operator) EndpointHealth(ctx context.Context, since time.Time) ([]store.EndpointHealth, error) {
	return o.db.EndpointHealth(ctx, since)
}
