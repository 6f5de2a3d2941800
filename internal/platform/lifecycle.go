package platform

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/webhook"
)

// The message lifecycle (CONTRACT §6) as pure functions: which status may
// follow which, the one event each move emits and its sequence, and the
// failure codes. The pipeline builds every move of a message with these,
// and the store refuses a move that Check rejects, so no other package
// decides a next status or an event.

// Statuses lists every message status; "" (not a status) is a message not
// yet stored.
var Statuses = []string{
	redcloud.MessageQueued, redcloud.MessageSent, redcloud.MessageDelivered, redcloud.MessageFailed,
	redcloud.MessageReceived,
}

// move is a status change: from "" for a new message.
type move struct{ from, to string }

// moves maps every allowed status change to the event it emits. Anything
// not listed is illegal, including staying put: a retry keeps QUEUED and
// emits nothing (see Retry).
var moves = map[move]string{
	{"", redcloud.MessageQueued}:                      webhook.TypeQueued,
	{redcloud.MessageQueued, redcloud.MessageSent}:    webhook.TypeSent,
	{redcloud.MessageQueued, redcloud.MessageFailed}:  webhook.TypeFailed,
	{redcloud.MessageSent, redcloud.MessageDelivered}: webhook.TypeDelivery,
	{redcloud.MessageSent, redcloud.MessageFailed}:    webhook.TypeFailed,
	{"", redcloud.MessageReceived}:                    webhook.TypeInbound,
}

// TransitionEvent returns the type of the event a message emits when its
// status moves from one status to another (from "" for a new message), and
// false when that move is not allowed.
func TransitionEvent(from, to string) (string, bool) {
	typ, ok := moves[move{from, to}]
	return typ, ok
}

// Terminal reports whether no move leaves status: DELIVERED, FAILED and
// RECEIVED. A late or repeated receipt for a terminal message changes
// nothing and emits nothing.
func Terminal(status string) bool {
	if !slices.Contains(Statuses, status) {
		return false
	}
	for m := range moves {
		if m.from == status {
			return false
		}
	}
	return true
}

// providerFailureCodes are the contract's codes (CONTRACT §6): the ones a
// provider's refusal or receipt may carry.
var providerFailureCodes = []string{
	redcloud.FailureInvalidDestination, redcloud.FailureCarrierRejected, redcloud.FailureUndeliverable,
	redcloud.FailureContentRejected, redcloud.FailureUpstreamUnavailable, redcloud.FailureExpired,
}

// FailureCodes lists the codes a message.failed event may carry: the
// contract's and this server's extensions for withheld messages.
var FailureCodes = append(slices.Clone(providerFailureCodes),
	redcloud.FailureSenderSuspended, redcloud.FailureNumberUnassigned, redcloud.FailureRecipientOptedOut,
	redcloud.FailureNoRoute)

// ValidFailureCode reports whether code is one of FailureCodes.
func ValidFailureCode(code string) bool { return slices.Contains(FailureCodes, code) }

// failureCode keeps a contract code and replaces anything else (a
// provider's own code, or none) with fallback, so that webhooks only ever
// carry the contract's codes.
func failureCode(code, fallback string) string {
	if slices.Contains(providerFailureCodes, code) {
		return code
	}
	return fallback
}

// Step is one move of a message. Message is the message after it;
// FromStatus and FromSequence are what the stored row must still hold for
// the step to apply (so two workers, or a late receipt, never write a
// second event for one step); Event is the event the step emits, nil for a
// retry, which changes no status.
type Step struct {
	Message      Message
	FromStatus   string
	FromSequence int64
	Event        *Event
}

// TransitionError is a step the lifecycle does not allow.
type TransitionError struct {
	MessageID string
	From, To  string
	Reason    string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("message %s: illegal transition %q → %q: %s", e.MessageID, e.From, e.To, e.Reason)
}

// Check reports whether s is a step the lifecycle allows: a status change
// listed in the lifecycle, emitting its event with the next sequence, or a
// retry of a QUEUED message that emits nothing. The store checks every
// step before writing it.
func (s Step) Check() error {
	m := s.Message
	bad := func(reason string) error {
		return &TransitionError{MessageID: m.ID, From: s.FromStatus, To: m.Status, Reason: reason}
	}
	if s.Event == nil {
		if s.FromStatus != redcloud.MessageQueued || m.Status != redcloud.MessageQueued {
			return bad("only a QUEUED message may change without an event (a retry)")
		}
		if m.Sequence != s.FromSequence {
			return bad("a retry emits no event, so the sequence stays")
		}
		return nil
	}
	typ, ok := TransitionEvent(s.FromStatus, m.Status)
	switch {
	case !ok:
		return bad("not a move of the lifecycle")
	case s.Event.Type != typ:
		return bad("emits " + s.Event.Type + ", want " + typ)
	case m.Sequence != s.FromSequence+1 || s.Event.Sequence != m.Sequence:
		return bad("sequence " + strconv.FormatInt(s.Event.Sequence, 10) + ", want " + strconv.FormatInt(s.FromSequence+1, 10))
	case s.Event.MessageID != m.ID:
		return bad("event of message " + s.Event.MessageID)
	}
	return nil
}

// advance moves m to status to at now, with edit applied to the new state
// before its event is built (the event body shows the message as it
// becomes). Only a QUEUED message is the provider's work, so any other
// status clears NextAttemptAt.
func advance(m Message, to string, now time.Time, edit func(*Message)) (Step, error) {
	typ, ok := TransitionEvent(m.Status, to)
	if !ok {
		reason := "not a move of the lifecycle"
		if Terminal(m.Status) {
			reason = m.Status + " is terminal"
		}
		return Step{}, &TransitionError{MessageID: m.ID, From: m.Status, To: to, Reason: reason}
	}
	next := m
	next.Status, next.Sequence, next.UpdatedAt = to, m.Sequence+1, now
	if to != redcloud.MessageQueued {
		next.NextAttemptAt, next.QueuedUntil = nil, nil
	}
	if edit != nil {
		edit(&next)
	}
	var e Event
	if typ == webhook.TypeInbound {
		e = NewInboundEvent(next, now)
	} else {
		e = NewLifecycleEvent(next, typ, now)
	}
	return Step{Message: next, FromStatus: m.Status, FromSequence: m.Sequence, Event: &e}, nil
}

// born starts a new message's lifecycle: whatever status and sequence m
// was built with, it has none yet.
func born(m Message, to string, now time.Time) (Message, Event) {
	m.Status, m.Sequence = "", 0
	s, err := advance(m, to, now, nil)
	if err != nil {
		panic(err) // "" → QUEUED and "" → RECEIVED are in the table
	}
	return s.Message, *s.Event
}

// Accepted starts outbound message m: QUEUED, sequence 1, message.queued.
func Accepted(m Message, now time.Time) (Message, Event) {
	return born(m, redcloud.MessageQueued, now)
}

// Received starts inbound message m: RECEIVED, sequence 1, message.inbound.
func Received(m Message, now time.Time) (Message, Event) {
	return born(m, redcloud.MessageReceived, now)
}

// Sent is the provider's acceptance of QUEUED message m under reference
// ref: one provider attempt, SENT, message.sent.
func Sent(m Message, ref string, now time.Time) (Step, error) {
	if err := need(m, redcloud.MessageQueued, redcloud.MessageSent, "a provider acceptance"); err != nil {
		return Step{}, err
	}
	return advance(m, redcloud.MessageSent, now, func(n *Message) {
		n.ProviderRef, n.Attempts = ref, m.Attempts+1
	})
}

// Retry schedules another provider attempt of QUEUED message m at `at`
// after a transient failure: one provider attempt, no status change, no
// event. The message no longer waits for its buckets' tokens (its turn
// came), so it shows no queuedUntil.
func Retry(m Message, at, now time.Time) (Step, error) {
	if err := need(m, redcloud.MessageQueued, redcloud.MessageQueued, "a retry"); err != nil {
		return Step{}, err
	}
	next := m
	// It waits for the retry schedule now, not for shaping.
	next.Attempts, next.NextAttemptAt, next.QueuedUntil, next.UpdatedAt = m.Attempts+1, &at, nil, now
	return Step{Message: next, FromStatus: m.Status, FromSequence: m.Sequence}, nil
}

// Requeue puts QUEUED message m back in the queue until `at` because the
// upstream asked to slow down (throttling): the provider did not take the
// message, so no attempt of its retry schedule is used, no status changes
// and no event is emitted.
func Requeue(m Message, at, now time.Time) (Step, error) {
	if err := need(m, redcloud.MessageQueued, redcloud.MessageQueued, "a requeue"); err != nil {
		return Step{}, err
	}
	next := m
	next.NextAttemptAt, next.UpdatedAt = &at, now
	return Step{Message: next, FromStatus: m.Status, FromSequence: m.Sequence}, nil
}

// Unrouted fails QUEUED message m NO_ROUTE without a provider attempt: its
// sending number has no provider route and there is no default provider.
func Unrouted(m Message, text string, now time.Time) (Step, error) {
	return fail(m, redcloud.MessageQueued, "a missing route", redcloud.FailureNoRoute, text, "", m.Attempts, now)
}

// Rejected is the provider's final refusal of QUEUED message m: one
// provider attempt, FAILED with the provider's code (CARRIER_REJECTED when
// it is not a contract code), and the provider's raw status as
// failure.providerCode ("" when it gave none).
func Rejected(m Message, code, text, providerCode string, now time.Time) (Step, error) {
	return fail(m, redcloud.MessageQueued, "a provider refusal", failureCode(code, redcloud.FailureCarrierRejected), text, providerCode, m.Attempts+1, now)
}

// Exhausted fails QUEUED message m UPSTREAM_UNAVAILABLE: its last provider
// attempt failed transiently and the retry schedule is spent.
func Exhausted(m Message, now time.Time) (Step, error) {
	attempts := m.Attempts + 1
	return fail(m, redcloud.MessageQueued, "running out of retries", redcloud.FailureUpstreamUnavailable,
		"provider unavailable after "+strconv.Itoa(attempts)+" attempts", "", attempts, now)
}

// Expired fails QUEUED message m EXPIRED: the provider did not accept it
// within its validity period. No provider attempt is made.
func Expired(m Message, now time.Time) (Step, error) {
	return fail(m, redcloud.MessageQueued, "expiry", redcloud.FailureExpired,
		"no provider acceptance within the validity period", "", m.Attempts, now)
}

// Withheld fails QUEUED message m without a provider attempt because its
// sender may no longer send: the API client, its account or the number is
// suspended (SENDER_SUSPENDED), or the number is no longer the client's
// (NUMBER_UNASSIGNED).
func Withheld(m Message, code, text string, now time.Time) (Step, error) {
	if code != redcloud.FailureSenderSuspended && code != redcloud.FailureNumberUnassigned {
		return Step{}, fmt.Errorf("withhold message %s: %q is not a withholding code", m.ID, code)
	}
	return fail(m, redcloud.MessageQueued, "withholding", code, text, "", m.Attempts, now)
}

// OptedOut fails QUEUED message m without a provider attempt because its
// recipient is on its API client's opt-out list: RECIPIENT_OPTED_OUT.
func OptedOut(m Message, now time.Time) (Step, error) {
	return fail(m, redcloud.MessageQueued, "an opt-out", redcloud.FailureRecipientOptedOut,
		"the recipient opted out after the message was accepted", "", m.Attempts, now)
}

// SenderBlock says why message m may not go to the provider now, from its
// API client (with the account's status) and its sending number as they
// are: a failure code and text, or "" when it may be sent.
func SenderBlock(m Message, c APIClient, n Number) (code, text string) {
	switch {
	case n.APIClientID != m.APIClientID:
		return redcloud.FailureNumberUnassigned, "the sending number is no longer assigned to this API client"
	case c.Status != redcloud.StatusActive:
		return redcloud.FailureSenderSuspended, "the API client is suspended"
	case c.AccountStatus != redcloud.StatusActive:
		return redcloud.FailureSenderSuspended, "the account is suspended"
	case n.Status != redcloud.StatusActive:
		return redcloud.FailureSenderSuspended, "the sending number is suspended"
	}
	return "", ""
}

// Delivered is a delivery receipt for SENT message m: DELIVERED,
// message.delivery.
func Delivered(m Message, now time.Time) (Step, error) {
	if err := need(m, redcloud.MessageSent, redcloud.MessageDelivered, "a receipt"); err != nil {
		return Step{}, err
	}
	return advance(m, redcloud.MessageDelivered, now, nil)
}

// Undelivered is a failure receipt for SENT message m: FAILED with the
// carrier's code (UNDELIVERABLE when it gave none or one outside the
// contract), with the carrier's raw status as failure.providerCode ("" when
// it gave none).
func Undelivered(m Message, code, text, providerCode string, now time.Time) (Step, error) {
	return fail(m, redcloud.MessageSent, "a receipt", failureCode(code, redcloud.FailureUndeliverable), text, providerCode, m.Attempts, now)
}

// fail moves m, which cause applies to only in status from, to FAILED.
func fail(m Message, from, cause, code, text, providerCode string, attempts int, now time.Time) (Step, error) {
	if err := need(m, from, redcloud.MessageFailed, cause); err != nil {
		return Step{}, err
	}
	return advance(m, redcloud.MessageFailed, now, func(n *Message) {
		n.FailureCode, n.FailureMessage, n.FailureProviderCode, n.Attempts = code, text, providerCode, attempts
	})
}

// need refuses a step to status `to` for cause unless m is in status from.
func need(m Message, from, to, cause string) error {
	if m.Status == from {
		return nil
	}
	reason := cause + " applies to a " + from + " message"
	if Terminal(m.Status) {
		reason = m.Status + " is terminal"
	}
	return &TransitionError{MessageID: m.ID, From: m.Status, To: to, Reason: reason}
}
