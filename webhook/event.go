package webhook

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event types (CONTRACT §8). Lifecycle events describe an outbound message;
// TypeInbound carries a message received on one of the client's numbers.
const (
	// TypeQueued is emitted when a message is accepted (sequence 1).
	TypeQueued = "message.queued"
	// TypeSent is emitted when the provider accepted the message.
	TypeSent = "message.sent"
	// TypeDelivery is emitted on a delivered receipt. It is terminal.
	TypeDelivery = "message.delivery"
	// TypeFailed is emitted when the message failed; Failure says why. It is
	// terminal.
	TypeFailed = "message.failed"
	// TypeInbound is emitted for a message received on one of the client's
	// numbers.
	TypeInbound = "message.inbound"
)

// createdAtLayout is RFC 3339 UTC with exactly three fractional digits.
const createdAtLayout = "2006-01-02T15:04:05.000Z"

// Event is a webhook event, lifecycle or inbound. Which fields are sent
// depends on Type; see MarshalJSON.
type Event struct {
	// EventID identifies the event ("evt_…"). Delivery is at least once:
	// receivers de-duplicate on it.
	EventID string
	// Type is one of the Type constants. Receivers should ignore types they
	// do not know.
	Type string
	// CreatedAt is when the event was created. It is sent with millisecond
	// precision (truncated), in UTC.
	CreatedAt time.Time
	// APIClientID is the API client the event belongs to.
	APIClientID string
	// Sequence numbers the events of one message, from 1, by one per event.
	Sequence int64
	// Terminal is true when no further event follows for the message.
	Terminal bool
	// MessageID identifies the message ("msg_…").
	MessageID string
	// ExternalReference is the caller's reference given at send time; empty
	// is sent as null. Lifecycle events only.
	ExternalReference string
	// NumberID is the Red Cloud number that sent or received the message.
	NumberID string
	// From is the sender's E.164 number.
	From string
	// To is the recipient's E.164 number.
	To string
	// MessageType is "SMS" or "MMS".
	MessageType string
	// Encoding [extension] is "GSM-7" or "UCS-2" for an SMS; empty (sent as
	// null) for MMS. Lifecycle events only.
	Encoding string
	// Segments [extension] is the number of SMS parts the text travels as;
	// 1 for MMS. Lifecycle events only.
	Segments int
	// Status is the message status after the event (QUEUED, SENT, DELIVERED,
	// FAILED). Lifecycle events only.
	Status string
	// ProviderMessageRef is the provider's reference for the message; empty
	// is sent as null. Lifecycle events only.
	ProviderMessageRef string
	// Failure says why the message failed; nil unless Type is TypeFailed.
	// Lifecycle events only.
	Failure *Failure
	// Text is the message text. Inbound events only.
	Text string
	// MediaURLs are the message's media. Inbound events only; always sent as
	// an array.
	MediaURLs []string
	// Keyword is the opt-out keyword the inbound text was, nil when none
	// [extension]. Inbound events only; absent from the body when nil.
	Keyword *Keyword
}

// Failure is the reason carried by a message.failed event.
type Failure struct {
	// Code is a failure code such as "CARRIER_REJECTED".
	Code string `json:"code"`
	// Message is a human-readable description.
	Message string `json:"message"`
	// ProviderCode [extension] is the upstream's raw status where a real
	// provider gave one (SMPP "stat:UNDELIV err:001" or a command_status);
	// absent from the body when empty.
	ProviderCode string `json:"providerCode,omitempty"`
}

// IsTerminal reports whether no further event will follow for the event's
// message: Terminal is set, or Type is TypeDelivery, TypeFailed or
// TypeInbound.
func (ev Event) IsTerminal() bool {
	switch ev.Type {
	case TypeDelivery, TypeFailed, TypeInbound:
		return true
	}
	return ev.Terminal
}

// lifecycleJSON is the §8.3 lifecycle body; field order is the wire order.
type lifecycleJSON struct {
	EventID            string   `json:"eventId"`
	Type               string   `json:"type"`
	CreatedAt          string   `json:"createdAt"`
	APIClientID        string   `json:"apiClientId"`
	Sequence           int64    `json:"sequence"`
	Terminal           bool     `json:"terminal"`
	MessageID          string   `json:"messageId"`
	ExternalReference  *string  `json:"externalReference"`
	NumberID           string   `json:"numberId"`
	From               string   `json:"from"`
	To                 string   `json:"to"`
	MessageType        string   `json:"messageType"`
	Encoding           *string  `json:"encoding"`
	Segments           int      `json:"segments"`
	Status             string   `json:"status"`
	ProviderMessageRef *string  `json:"providerMessageRef"`
	Failure            *Failure `json:"failure"`
}

// inboundJSON is the §8.3 inbound body; field order is the wire order.
type inboundJSON struct {
	EventID     string   `json:"eventId"`
	Type        string   `json:"type"`
	CreatedAt   string   `json:"createdAt"`
	APIClientID string   `json:"apiClientId"`
	Sequence    int64    `json:"sequence"`
	Terminal    bool     `json:"terminal"`
	MessageID   string   `json:"messageId"`
	NumberID    string   `json:"numberId"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	MessageType string   `json:"messageType"`
	Text        string   `json:"text"`
	MediaURLs   []string `json:"mediaUrls"`
	Keyword     *Keyword `json:"keyword,omitempty"`
}

// anyJSON accepts the union of both shapes when parsing.
type anyJSON struct {
	EventID            string   `json:"eventId"`
	Type               string   `json:"type"`
	CreatedAt          *string  `json:"createdAt"`
	APIClientID        string   `json:"apiClientId"`
	Sequence           int64    `json:"sequence"`
	Terminal           bool     `json:"terminal"`
	MessageID          string   `json:"messageId"`
	ExternalReference  *string  `json:"externalReference"`
	NumberID           string   `json:"numberId"`
	From               string   `json:"from"`
	To                 string   `json:"to"`
	MessageType        string   `json:"messageType"`
	Encoding           *string  `json:"encoding"`
	Segments           int      `json:"segments"`
	Status             string   `json:"status"`
	ProviderMessageRef *string  `json:"providerMessageRef"`
	Failure            *Failure `json:"failure"`
	Text               string   `json:"text"`
	MediaURLs          []string `json:"mediaUrls"`
	Keyword            *Keyword `json:"keyword"`
}

// MarshalJSON encodes the event as the CONTRACT §8.3 body: exactly that
// field set, in that order, compact, with createdAt as
// "2006-01-02T15:04:05.000Z" in UTC. An event of TypeInbound is encoded as
// eventId, type, createdAt, apiClientId, sequence, terminal, messageId,
// numberId, from, to, messageType, text, mediaUrls (an empty list is []),
// then keyword when Keyword is set.
// Any other type is encoded in the lifecycle shape: eventId, type,
// createdAt, apiClientId, sequence, terminal, messageId, externalReference,
// numberId, from, to, messageType, encoding, segments, status,
// providerMessageRef, failure, with empty externalReference, encoding and
// providerMessageRef and a nil Failure as null.
//
// The output depends only on the event, so the same event always encodes to
// the same bytes; it equals what json.Marshal returns for the event.
func (ev Event) MarshalJSON() ([]byte, error) {
	createdAt := ev.CreatedAt.UTC().Format(createdAtLayout)
	if ev.Type == TypeInbound {
		media := ev.MediaURLs
		if media == nil {
			media = []string{}
		}
		return json.Marshal(inboundJSON{
			EventID:     ev.EventID,
			Type:        ev.Type,
			CreatedAt:   createdAt,
			APIClientID: ev.APIClientID,
			Sequence:    ev.Sequence,
			Terminal:    ev.Terminal,
			MessageID:   ev.MessageID,
			NumberID:    ev.NumberID,
			From:        ev.From,
			To:          ev.To,
			MessageType: ev.MessageType,
			Text:        ev.Text,
			MediaURLs:   media,
			Keyword:     ev.Keyword,
		})
	}
	return json.Marshal(lifecycleJSON{
		EventID:            ev.EventID,
		Type:               ev.Type,
		CreatedAt:          createdAt,
		APIClientID:        ev.APIClientID,
		Sequence:           ev.Sequence,
		Terminal:           ev.Terminal,
		MessageID:          ev.MessageID,
		ExternalReference:  nullable(ev.ExternalReference),
		NumberID:           ev.NumberID,
		From:               ev.From,
		To:                 ev.To,
		MessageType:        ev.MessageType,
		Encoding:           nullable(ev.Encoding),
		Segments:           ev.Segments,
		Status:             ev.Status,
		ProviderMessageRef: nullable(ev.ProviderMessageRef),
		Failure:            ev.Failure,
	})
}

// UnmarshalJSON decodes either §8.3 shape. Unknown fields are ignored so
// that receivers keep working when fields are added; null strings decode as
// empty, an empty mediaUrls as nil, and createdAt (any RFC 3339 time) as UTC.
// JSON null leaves the event unchanged. It does not require any field;
// ParseEvent does.
func (ev *Event) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var raw anyJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var createdAt time.Time
	if raw.CreatedAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *raw.CreatedAt)
		if err != nil {
			return fmt.Errorf("parse createdAt: %w", err)
		}
		createdAt = t.UTC()
	}
	media := raw.MediaURLs
	if len(media) == 0 {
		media = nil
	}
	*ev = Event{
		EventID:            raw.EventID,
		Type:               raw.Type,
		CreatedAt:          createdAt,
		APIClientID:        raw.APIClientID,
		Sequence:           raw.Sequence,
		Terminal:           raw.Terminal,
		MessageID:          raw.MessageID,
		ExternalReference:  deref(raw.ExternalReference),
		NumberID:           raw.NumberID,
		From:               raw.From,
		To:                 raw.To,
		MessageType:        raw.MessageType,
		Encoding:           deref(raw.Encoding),
		Segments:           raw.Segments,
		Status:             raw.Status,
		ProviderMessageRef: deref(raw.ProviderMessageRef),
		Failure:            raw.Failure,
		Text:               raw.Text,
		MediaURLs:          media,
		Keyword:            raw.Keyword,
	}
	return nil
}

// ParseEvent decodes a webhook body into an Event. The body must be a JSON
// object with a non-empty eventId and type; errors wrap ErrInvalidEvent.
// Parse only a body whose signature was verified first.
func ParseEvent(body []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrInvalidEvent, err)
	}
	if ev.EventID == "" {
		return Event{}, fmt.Errorf("%w: missing eventId", ErrInvalidEvent)
	}
	if ev.Type == "" {
		return Event{}, fmt.Errorf("%w: missing type", ErrInvalidEvent)
	}
	return ev, nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Keyword types of an inbound message's Keyword [extension].
const (
	KeywordOptOut = "OPT_OUT" // STOP and its synonyms: the sender is suppressed
	KeywordOptIn  = "OPT_IN"  // START, UNSTOP, YES: a keyword suppression is lifted
	KeywordHelp   = "HELP"    // HELP, INFO: answered, changes nothing
)

// Keyword says which opt-out keyword an inbound message's whole text was
// [extension].
type Keyword struct {
	// Type is KeywordOptOut, KeywordOptIn or KeywordHelp.
	Type string `json:"type"`
	// Matched is the keyword matched, upper-case, e.g. "STOP".
	Matched string `json:"matched"`
}
