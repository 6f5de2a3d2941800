package platform

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/redcloud-core/redcloud"
)

// InboundInput is a simulated inbound message (sandbox route, CONTRACT §10)
// or one a provider hands over (§9).
type InboundInput struct {
	NumberID  string   `json:"numberId"`
	To        string   `json:"to"`
	From      string   `json:"from"`
	Text      string   `json:"text"`
	MediaURLs []string `json:"mediaUrls"`
}

// DecodeInbound parses and validates the sandbox inbound body.
func DecodeInbound(body []byte) (InboundInput, *Error) {
	var in InboundInput
	if err := decodeStrict(body, &in); err != nil {
		return in, err
	}
	switch {
	case (in.NumberID == "") == (in.To == ""):
		return in, Invalid("numberId", "exactly one of numberId and to is required")
	case in.To != "" && !ValidE164(in.To):
		return in, Invalid("to", "to must be an E.164 phone number")
	case !ValidE164(in.From):
		return in, Invalid("from", "from must be an E.164 phone number")
	case in.Text == "" && len(in.MediaURLs) == 0:
		return in, Invalid("text", "text or mediaUrls is required")
	case utf8.RuneCountInString(in.Text) > MaxTextChars:
		return in, Invalid("text", "text must be at most 1600 characters")
	case len(in.MediaURLs) > MaxMediaURLs:
		return in, Invalid("mediaUrls", "mediaUrls must have at most 10 entries")
	}
	for i, u := range in.MediaURLs {
		if !validMediaURL(u, true) {
			f := "mediaUrls[" + strconv.Itoa(i) + "]"
			return in, Invalid(f, f+" must be an absolute http or https URL")
		}
	}
	return in, nil
}

// NewInbound builds the stored inbound message, its message.inbound event
// and the event's delivery for number n of client c.
func NewInbound(c APIClient, n Number, in InboundInput, now time.Time) (Message, Event, Delivery) {
	now = now.UTC().Truncate(time.Millisecond)
	typ := redcloud.MessageTypeSMS
	if len(in.MediaURLs) > 0 {
		typ = redcloud.MessageTypeMMS
	}
	m, e := Received(WithEncoding(Message{
		ID: NewID(PrefixMessage), APIClientID: c.ID, NumberID: n.ID, Direction: Inbound,
		From: in.From, To: n.E164, MessageType: typ, Text: in.Text, MediaURLs: nonNilStrings(in.MediaURLs),
		ExpiresAt: now, CreatedAt: now,
	}), now)
	return m, e, NewDelivery(e, RouteOf(c, n).URL(e.Type), now)
}

// WebhookURLsInput is the sandbox webhooks body: nil means "leave
// unchanged", a pointer to nil means "clear".
type WebhookURLsInput struct {
	DeliveryURL **string
	InboundURL  **string
}

// DecodeWebhookURLs parses PUT /api/sandbox/webhooks with the client's own
// type, redcloud.SandboxWebhooksUpdate.
func DecodeWebhookURLs(body []byte, sandbox bool) (WebhookURLsInput, *Error) {
	var u redcloud.SandboxWebhooksUpdate
	fields := []patchField{{"deliveryUrl", &u.DeliveryURL}, {"inboundUrl", &u.InboundURL}}
	var raw map[string]json.RawMessage
	if err := decodeStrict(body, &raw); err != nil {
		return WebhookURLsInput{}, err
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) { // the same field for the same body every time
		if !slices.ContainsFunc(fields, func(f patchField) bool { return f.name == k }) {
			return WebhookURLsInput{}, Invalid(k, "unknown field "+k).With("reason", "unknown_field")
		}
	}
	if len(raw) == 0 {
		return WebhookURLsInput{}, Invalid("", "at least one of deliveryUrl and inboundUrl is required")
	}
	for _, f := range fields {
		if err := f.decode(raw); err != nil {
			return WebhookURLsInput{}, err
		}
		if v := f.p.Value; v != nil {
			if msg := CheckWebhookURL(*v, sandbox); msg != "" {
				return WebhookURLsInput{}, Invalid(f.name, f.name+" "+msg)
			}
		}
	}
	return WebhookURLsInput{DeliveryURL: patchPointer(u.DeliveryURL), InboundURL: patchPointer(u.InboundURL)}, nil
}
