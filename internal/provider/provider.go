// Package provider is the seam to the upstream that really sends messages:
// a Provider sends, and reports delivery receipts and inbound messages back
// to the platform through a Sink.
package provider

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Message is what a provider sends. ID is the platform's messageId, passed
// as the provider's idempotency reference so that a provider that supports
// it de-duplicates a send retried after an ambiguous failure.
type Message struct {
	ID string
	// NumberID is the sending number's numberId: its provider route.
	NumberID    string
	From, To    string
	MessageType string
	Text        string
	MediaURLs   []string
	Attempt     int // 1-based
	// MaybeSent: an earlier attempt's process ended before its outcome was
	// written (a crash), so the upstream may have the message already
	// although Attempt does not count that attempt.
	MaybeSent bool
}

// Provider sends messages upstream.
type Provider interface {
	// Send hands m to the upstream and returns its reference for m, or an
	// error: a *PermanentError fails the message at once; any other error
	// is transient and retried on the pipeline's schedule.
	Send(ctx context.Context, m Message) (ref string, err error)
	// Start begins delivering receipts and inbound messages to sink; Stop
	// ends it and waits for what it started.
	Start(ctx context.Context, sink Sink) error
	Stop()
}

// Resumer is implemented by providers that must be told, after a restart,
// which messages still wait for a receipt (the sandbox keeps its schedule in
// memory; a real carrier redelivers receipts itself).
type Resumer interface {
	Resume(ctx context.Context, sent []Message)
}

// Pather is implemented by providers that send through several upstream
// connections (the router): it names the one a number's messages take and
// its submit rate in segments per second (0: unlimited), so the pipeline
// can defer a message instead of waiting inside Send.
type Pather interface {
	Path(numberID string) (name string, mps float64)
}

// PermanentError is a provider's final refusal of a message.
type PermanentError struct {
	Code         string // a failure code, e.g. INVALID_DESTINATION
	Message      string
	ProviderCode string // the upstream's raw status (an SMPP command_status), when it gave one
}

func (e *PermanentError) Error() string { return fmt.Sprintf("permanent: %s: %s", e.Code, e.Message) }

// IsPermanent reports whether err is a *PermanentError.
func IsPermanent(err error) (*PermanentError, bool) {
	var p *PermanentError
	ok := errors.As(err, &p)
	return p, ok
}

// ThrottledError is an upstream's request to slow down (SMPP ESME_RTHROTTLED
// or ESME_RMSGQFUL): the message was not taken and goes back to the queue
// for RetryAfter without using an attempt of its retry schedule.
type ThrottledError struct {
	RetryAfter time.Duration
	Reason     string
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("throttled by the upstream (%s); retry after %s", e.Reason, e.RetryAfter)
}

// IsThrottled reports whether err is a *ThrottledError.
func IsThrottled(err error) (*ThrottledError, bool) {
	var t *ThrottledError
	ok := errors.As(err, &t)
	return t, ok
}

// Receipt reports a message's fate at the carrier.
type Receipt struct {
	MessageID   string // platform messageId when the provider knows it
	ProviderRef string
	Delivered   bool
	FailureCode string // when not delivered
	FailureText string
	// ProviderCode is the upstream's raw status (SMPP "stat:UNDELIV err:001"),
	// reported as failure.providerCode.
	ProviderCode string
	At           time.Time
}

// Inbound is a message received on one of the platform's numbers.
type Inbound struct {
	From, To  string
	Text      string
	MediaURLs []string
	At        time.Time
}

// ErrNotYetSent is returned by a Sink for a receipt that arrived before the
// platform recorded the send; the provider should deliver it again shortly.
var ErrNotYetSent = errors.New("receipt for a message not yet recorded as sent")

// Sink takes what a provider reports.
type Sink interface {
	Receipt(ctx context.Context, r Receipt) error
	Inbound(ctx context.Context, in Inbound) error
}
