package platform

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/webhook"
)

// Suppression sources.
const (
	// SuppressionKeyword: the person texted an opt-out keyword. Only their
	// opt-in keyword, or an operator with a reason, lifts it.
	SuppressionKeyword = "keyword"
	// SuppressionAPI: the API client added it; the client may remove it.
	SuppressionAPI = "api"
)

// Suppression is one opt-out: API client ClientID must not send to E164.
// Keyword, NumberID and InboundMessageID are set for a keyword opt-out.
type Suppression struct {
	APIClientID      string
	E164             string
	Source           string
	Keyword          string
	NumberID         string
	InboundMessageID string
	CreatedAt        time.Time
}

// SuppressionRemoval is an operator's removal of an opt-out: the opt-out as
// it was (its NumberID and InboundMessageID are not kept), the reason the
// operator gave and when.
type SuppressionRemoval struct {
	Suppression
	Reason    string
	RemovedAt time.Time
}

// Default keyword replies, as Twilio's: one SMS from the receiving number
// answers each keyword. An API client may set its own (KeywordReplies).
const (
	ReplyOptOut = "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe."
	ReplyOptIn  = "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply."
	ReplyHelp   = "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
)

// KeywordReplyValidity is how long the pipeline may try to send a keyword
// reply: the FCC expects the STOP confirmation within minutes, so a reply
// that could not go out in this time is late enough to drop.
const KeywordReplyValidity = 15 * time.Minute

// MsgOptedOut is the errors[] message of a recipient on the caller's
// opt-out list.
const MsgOptedOut = "recipient opted out of messages from this API client; an opt-out added through the API is removed with DELETE /api/core/opt-outs/{e164}, a keyword opt-out (STOP) is lifted only by the person texting START, or by an operator"

// ReasonOptedOut is the reason of an errors[] entry for a suppressed recipient.
const ReasonOptedOut = "recipient_opted_out"

// KeywordAction is what an inbound keyword changes, written in the
// inbound message's transaction.
type KeywordAction struct {
	Keyword Keyword
	// Suppress is the suppression an opt-out adds (nil otherwise).
	Suppress *Suppression
	// Lift is set for an opt-in: the sender's keyword suppression of
	// APIClientID is removed.
	Lift        bool
	APIClientID string
	From        string
	// Reply is the QUEUED keyword reply and ReplyEvent its message.queued
	// event, stored without a delivery (no lifecycle webhooks).
	Reply      Message
	ReplyEvent Event
}

// InboundReceipt is an inbound message as stored: the message, its
// message.inbound event and delivery, and the keyword's action, if any.
type InboundReceipt struct {
	Message  Message
	Event    Event
	Delivery Delivery
	Keyword  *KeywordAction
}

// inboundKeyword is the keyword of stored inbound message m: only an SMS
// to a number an API client owns can opt out of that client's messages.
func inboundKeyword(m Message) (Keyword, bool) {
	if m.APIClientID == "" || m.MessageType != redcloud.MessageTypeSMS {
		return Keyword{}, false
	}
	return MatchKeyword(m.Text)
}

// ReceiveInbound builds the stored form of an inbound message to number n
// of client c (zero for a number nobody owns): NewInbound's message, event
// and delivery, and when the text is a keyword, its suppression change and
// its reply from n to the sender.
func ReceiveInbound(c APIClient, n Number, in InboundInput, now time.Time) InboundReceipt {
	m, e, d := NewInbound(c, n, in, now)
	r := InboundReceipt{Message: m, Event: e, Delivery: d}
	k, ok := inboundKeyword(m)
	if !ok {
		return r
	}
	now = m.CreatedAt
	a := &KeywordAction{Keyword: k, APIClientID: c.ID, From: m.From}
	text := c.KeywordReplies.Text(k.Type)
	switch k.Type {
	case webhook.KeywordOptOut:
		a.Suppress = &Suppression{APIClientID: c.ID, E164: m.From, Source: SuppressionKeyword, Keyword: k.Matched,
			NumberID: n.ID, InboundMessageID: m.ID, CreatedAt: now}
	case webhook.KeywordOptIn:
		a.Lift = true
	}
	a.Reply, a.ReplyEvent = Accepted(Message{
		ID: NewID(PrefixMessage), APIClientID: c.ID, NumberID: n.ID, Direction: Outbound,
		From: n.E164, To: m.From, MessageType: redcloud.MessageTypeSMS, Text: text, MediaURLs: []string{},
		NextAttemptAt: &now, ExpiresAt: now.Add(KeywordReplyValidity), CreatedAt: now, KeywordReply: true,
	}, now)
	r.Keyword = a
	return r
}

// NewSuppression is an opt-out API client c adds through the API.
func NewSuppression(clientID, e164 string, now time.Time) Suppression {
	return Suppression{APIClientID: clientID, E164: e164, Source: SuppressionAPI, CreatedAt: now.UTC().Truncate(time.Millisecond)}
}

// Wire is s as the API shows it.
func (s Suppression) Wire() redcloud.OptOut {
	o := redcloud.OptOut{E164: s.E164, Source: s.Source, CreatedAt: redcloud.NewTime(s.CreatedAt)}
	if s.Keyword != "" {
		o.Keyword = &s.Keyword
	}
	if s.NumberID != "" {
		o.NumberID = &s.NumberID
	}
	return o
}

// DecodeOptOut parses POST /api/core/opt-outs.
func DecodeOptOut(body []byte) (string, *Error) {
	var in redcloud.OptOutRequest
	if err := decodeStrict(body, &in); err != nil {
		return "", err
	}
	if !ValidE164(in.E164) {
		return "", Invalid("e164", "e164 must be an E.164 phone number")
	}
	return in.E164, nil
}

// Opt-out list paging (GET /api/core/opt-outs).
const (
	OptOutPageDefault = 20
	OptOutPageMax     = 100
)

// OptOutCursor is the opaque cursor of the page after the one ending at e164.
func OptOutCursor(e164 string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + e164))
}

// DecodeOptOutPage parses the limit and cursor of GET /api/core/opt-outs:
// the page size and the phone number the page starts after.
func DecodeOptOutPage(limit, cursor string) (after string, n int, perr *Error) {
	n = OptOutPageDefault
	if limit != "" {
		v, err := strconv.Atoi(limit)
		if err != nil || v < 1 || v > OptOutPageMax {
			return "", 0, Invalid("limit", "limit must be an integer from 1 to 100")
		}
		n = v
	}
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		e, ok := strings.CutPrefix(string(b), "o:")
		if err != nil || !ok || !ValidE164(e) {
			return "", 0, Invalid("cursor", "cursor is not one this route returned")
		}
		after = e
	}
	return after, n, nil
}
