package redcloud

import "encoding/json"

// Message types.
const (
	MessageTypeSMS = "SMS"
	MessageTypeMMS = "MMS"
)

// Message statuses (CONTRACT §6). Inbound messages are RECEIVED.
const (
	MessageQueued    = "QUEUED"
	MessageSent      = "SENT"
	MessageDelivered = "DELIVERED"
	MessageFailed    = "FAILED"
	MessageReceived  = "RECEIVED"
)

// Failure codes of message.failed (CONTRACT §6).
const (
	FailureInvalidDestination  = "INVALID_DESTINATION"
	FailureCarrierRejected     = "CARRIER_REJECTED"
	FailureUndeliverable       = "UNDELIVERABLE"
	FailureContentRejected     = "CONTENT_REJECTED"
	FailureUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	FailureExpired             = "EXPIRED"
	// FailureSenderSuspended [extension]: the API client, its account or
	// the sending number was suspended after the message was accepted; no
	// provider attempt is made.
	FailureSenderSuspended = "SENDER_SUSPENDED"
	// FailureNumberUnassigned [extension]: the sending number was unassigned
	// from the API client (or assigned to another) after acceptance; no
	// provider attempt is made.
	FailureNumberUnassigned = "NUMBER_UNASSIGNED"
	// FailureRecipientOptedOut [extension]: the recipient opted out (STOP,
	// or an API opt-out) after the message was accepted; no provider
	// attempt is made.
	FailureRecipientOptedOut = "RECIPIENT_OPTED_OUT"
	// FailureNoRoute [extension]: the sending number has no provider route
	// and the server has no default provider (production); no provider
	// attempt is made.
	FailureNoRoute = "NO_ROUTE"
)

// SendRequest is the body of POST /api/core/messages/send.
type SendRequest struct {
	SendFrom          string   `json:"sendFrom"`
	To                []string `json:"to"`
	MessageType       string   `json:"messageType"`
	Text              string   `json:"text,omitempty"`
	MediaURLs         []string `json:"mediaUrls,omitempty"`
	ExternalReference string   `json:"externalReference,omitempty"`
}

// SendResponse is the 202 body of a send: accepted recipients in Results,
// rejected ones in Errors. Both are always present on the wire.
type SendResponse struct {
	Results []AcceptedRecipient `json:"results"`
	Errors  []RecipientError    `json:"errors"`
}

// AcceptedRecipient is one accepted recipient of a send: its own message.
type AcceptedRecipient struct {
	To        string `json:"to"`
	MessageID string `json:"messageId"`
	Status    string `json:"status"`

	// Encoding [extension] is EncodingGSM7 or EncodingUCS2; nil for MMS.
	Encoding *string `json:"encoding"`
	// Segments [extension] is the number of SMS parts the text travels as
	// (see Segments); 1 for MMS.
	Segments int `json:"segments"`
}

// RecipientError is one rejected recipient; Index is its position in to[].
type RecipientError struct {
	To    string `json:"to"`
	Index int    `json:"index"`
	Code  string `json:"code"`
	// Reason refines Code [extension]: "recipient_opted_out" for a
	// recipient on the caller's opt-out list. Empty when absent.
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message"`
}

// IdempotencyRecord is the body of GET /api/core/idempotency-keys/{key}.
type IdempotencyRecord struct {
	Key         string          `json:"key"`
	FirstSeenAt Time            `json:"firstSeenAt"`
	ExpiresAt   Time            `json:"expiresAt"`
	Fingerprint string          `json:"fingerprint"`
	Status      int             `json:"status"`
	Response    json.RawMessage `json:"response"`
}

// Failure says why a message failed.
type Failure struct {
	Code string `json:"code"`
	// Reason refines Code [extension]: "recipient_opted_out" for a
	// recipient on the caller's opt-out list. Empty when absent.
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message"`
	// ProviderCode [extension] is the upstream's raw status where a real
	// provider gave one: an SMPP receipt's "stat:UNDELIV err:001" or a
	// submit_sm_resp's "command_status 0x0000000B". Empty when absent.
	ProviderCode string `json:"providerCode,omitempty"`
}

// Message is the body of GET /api/core/messages/{messageId}, and an entry
// of a MessageList, where Events is nil (not listed).
type Message struct {
	MessageID          string         `json:"messageId"`
	Direction          string         `json:"direction"`
	NumberID           string         `json:"numberId"`
	From               string         `json:"from"`
	To                 string         `json:"to"`
	MessageType        string         `json:"messageType"`
	Text               *string        `json:"text"`
	MediaURLs          []string       `json:"mediaUrls"`
	ExternalReference  *string        `json:"externalReference"`
	Status             string         `json:"status"`
	CreatedAt          Time           `json:"createdAt"`
	UpdatedAt          Time           `json:"updatedAt"`
	ProviderMessageRef *string        `json:"providerMessageRef"`
	Failure            *Failure       `json:"failure"`
	Events             []MessageEvent `json:"events,omitzero"`

	// Encoding [extension] is EncodingGSM7 or EncodingUCS2; nil for MMS.
	Encoding *string `json:"encoding"`
	// Segments [extension] is the number of SMS parts; 1 for MMS.
	Segments int `json:"segments"`
	// NonGSMCharacters [extension] are the distinct characters that forced
	// UCS-2, in order of first appearance; empty for GSM-7 and for MMS.
	NonGSMCharacters []string `json:"nonGsmCharacters"`
	// QueuedUntil [extension] is the estimated send time of a QUEUED
	// message waiting for its number's, campaign's or provider's rate
	// (throughput shaping); nil when it is not waiting.
	QueuedUntil *Time `json:"queuedUntil"`
}

// MessageList is the body of GET /api/core/messages: a page of messages,
// newest first, without their events. NextCursor, when not nil, fetches
// the next page.
type MessageList struct {
	Messages   []Message `json:"messages"`
	NextCursor *string   `json:"nextCursor"`
}

// MessageEvent is one lifecycle event in a Message.
type MessageEvent struct {
	EventID   string `json:"eventId"`
	Type      string `json:"type"`
	Sequence  int64  `json:"sequence"`
	CreatedAt Time   `json:"createdAt"`
}
