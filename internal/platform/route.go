package platform

import "github.com/redcloud-core/redcloud/webhook"

// Route holds everything that decides which URL an event is delivered to
// (CONTRACT §8.1), each fact stated explicitly so that every caller (new
// events, replays) hands over the same facts and URL picks the same way.
type Route struct {
	// MessageClientID is the API client the event's message belongs to.
	MessageClientID string
	// NumberOwnerID is the API client that owns the message's number now;
	// "" when the number is unassigned or unknown.
	NumberOwnerID string
	// DeliveryURL and InboundURL are the message client's URLs.
	DeliveryURL, InboundURL *string
	// DeliveryOverride and InboundOverride are the number's overrides.
	DeliveryOverride, InboundOverride *string
}

// RouteOf returns the route facts of a message of API client c on number n.
func RouteOf(c APIClient, n Number) Route {
	return Route{
		MessageClientID: c.ID, NumberOwnerID: n.APIClientID,
		DeliveryURL: c.DeliveryURL, InboundURL: c.InboundURL,
		DeliveryOverride: n.WebhookDeliveryOverride, InboundOverride: n.WebhookInboundOverride,
	}
}

// URL returns the URL an event of type eventType goes to, "" when there is
// none (the delivery is then NO_ENDPOINT). message.inbound goes to the
// number's inbound override, else the client's inbound URL; every
// lifecycle event to the number's delivery override, else the client's
// delivery URL. A number's overrides belong to its owner: they apply only
// to events of messages of the client that owns the number now, so the
// events of a number's former owner never reach its new owner's URLs.
func (r Route) URL(eventType string) string {
	override, url := r.DeliveryOverride, r.DeliveryURL
	if eventType == webhook.TypeInbound {
		override, url = r.InboundOverride, r.InboundURL
	}
	if override != nil && r.NumberOwnerID != "" && r.NumberOwnerID == r.MessageClientID {
		return *override
	}
	if url != nil {
		return *url
	}
	return ""
}

// LifecycleURL is the URL a lifecycle event of a message of client c on
// number n goes to: RouteOf(c, n).URL for a lifecycle event.
func LifecycleURL(c APIClient, n Number) string { return RouteOf(c, n).URL(webhook.TypeQueued) }
