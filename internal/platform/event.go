package platform

import (
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/webhook"
)

// NewLifecycleEvent returns the event for message m's transition to its
// current status, with its webhook body fixed now (CONTRACT §8.3).
func NewLifecycleEvent(m Message, typ string, now time.Time) Event {
	ev := webhook.Event{
		EventID: NewID(PrefixEvent), Type: typ, CreatedAt: now.UTC().Truncate(time.Millisecond),
		APIClientID: m.APIClientID, Sequence: m.Sequence, MessageID: m.ID,
		ExternalReference: m.ExternalReference, NumberID: m.NumberID, From: m.From, To: m.To,
		MessageType: m.MessageType, Encoding: m.Encoding, Segments: m.Segments, Status: m.Status,
		ProviderMessageRef: m.ProviderRef, Terminal: Terminal(m.Status),
	}
	if typ == webhook.TypeFailed {
		ev.Failure = &webhook.Failure{Code: m.FailureCode, Message: m.FailureMessage, ProviderCode: m.FailureProviderCode}
	}
	return eventRow(ev)
}

// NewInboundEvent returns the message.inbound event of inbound message m.
// Its body names the keyword the whole text was, if any (CONTRACT §12).
func NewInboundEvent(m Message, now time.Time) Event {
	ev := webhook.Event{
		EventID: NewID(PrefixEvent), Type: webhook.TypeInbound, CreatedAt: now.UTC().Truncate(time.Millisecond),
		APIClientID: m.APIClientID, Sequence: m.Sequence, Terminal: true, MessageID: m.ID,
		NumberID: m.NumberID, From: m.From, To: m.To, MessageType: m.MessageType,
		Text: m.Text, MediaURLs: nonNilStrings(m.MediaURLs),
	}
	if k, ok := inboundKeyword(m); ok {
		ev.Keyword = &webhook.Keyword{Type: k.Type, Matched: k.Matched}
	}
	return eventRow(ev)
}

func eventRow(ev webhook.Event) Event {
	body, _ := ev.MarshalJSON() // strings, ints and bools only: cannot fail
	return Event{ID: ev.EventID, MessageID: ev.MessageID, APIClientID: ev.APIClientID,
		Type: ev.Type, Sequence: ev.Sequence, Body: body, CreatedAt: ev.CreatedAt}
}

// nullable is s, or nil (JSON null) when empty.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NewDelivery returns the delivery row of event e to url: PENDING and due
// now, or NO_ENDPOINT when there is no URL (stored, never sent unless
// replayed).
func NewDelivery(e Event, url string, now time.Time) Delivery {
	d := Delivery{ID: NewID("dlv_"), EventID: e.ID, APIClientID: e.APIClientID, URL: url,
		State: DeliveryNoEndpoint, CreatedAt: now, UpdatedAt: now}
	if url != "" {
		d.State = DeliveryPending
		d.NextAttemptAt = &now
	}
	return d
}

// Acceptance is everything a 202 promises, committed in one transaction:
// the idempotency record (holding the exact response bytes), the messages,
// their message.queued events and those events' deliveries.
type Acceptance struct {
	Record     IdempotencyRecord
	Messages   []Message
	Events     []Event
	Deliveries []Delivery
	// Path is the buckets the messages take from (throughput shaping):
	// the store places each at the end of their queues.
	Path []Bucket
}

// AcceptInput is what NewAcceptance needs.
type AcceptInput struct {
	Client     APIClient
	Number     Number
	Send       SendInput
	Key        string
	Recipients []Recipient
	Errors     []redcloud.RecipientError
	Now        time.Time
	KeyTTL     time.Duration // idempotency retention
	Validity   time.Duration // how long the pipeline may try before EXPIRED
}

// NewAcceptance builds the acceptance of a validated send: one QUEUED
// message per accepted recipient, due for the provider at once.
func NewAcceptance(in AcceptInput) Acceptance {
	now := in.Now.UTC().Truncate(time.Millisecond)
	resp := redcloud.SendResponse{Results: make([]redcloud.AcceptedRecipient, 0, len(in.Recipients)), Errors: in.Errors}
	if resp.Errors == nil {
		resp.Errors = []redcloud.RecipientError{}
	}
	a := Acceptance{}
	route := RouteOf(in.Client, in.Number)
	for _, r := range in.Recipients {
		m, e := Accepted(WithEncoding(Message{
			ID: NewID(PrefixMessage), APIClientID: in.Client.ID, NumberID: in.Number.ID, Direction: Outbound,
			From: in.Number.E164, To: r.To, MessageType: in.Send.MessageType, Text: in.Send.Text,
			MediaURLs: nonNilStrings(in.Send.MediaURLs), ExternalReference: in.Send.ExternalReference,
			IdempotencyKey: in.Key, NextAttemptAt: &now, ExpiresAt: now.Add(in.Validity), CreatedAt: now,
		}), now)
		a.Messages = append(a.Messages, m)
		a.Events = append(a.Events, e)
		a.Deliveries = append(a.Deliveries, NewDelivery(e, route.URL(e.Type), now))
		resp.Results = append(resp.Results, redcloud.AcceptedRecipient{To: r.To, MessageID: m.ID,
			Status: redcloud.MessageQueued, Encoding: nullable(m.Encoding), Segments: m.Segments})
	}
	body, _ := jsonMarshal(resp)
	canonical := in.Send.Canonical()
	a.Record = IdempotencyRecord{
		APIClientID: in.Client.ID, Key: in.Key, Fingerprint: Fingerprint(canonical), Payload: canonical,
		Status: 202, Response: body, CreatedAt: now, ExpiresAt: now.Add(in.KeyTTL),
	}
	return a
}
