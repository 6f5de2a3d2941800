package webhook

import "errors"

// Errors returned by Verify, Receive and ParseEvent. They are sentinels:
// returned errors may wrap them with detail, so match them with errors.Is.
var (
	// ErrNoSecrets means no usable (non-empty) secret was given to verify
	// against. It is a configuration error on the receiving side.
	ErrNoSecrets = errors.New("webhook: no secrets configured")

	// ErrMissingSignature means the signature or the timestamp header is
	// absent or empty.
	ErrMissingSignature = errors.New("webhook: missing signature or timestamp")

	// ErrInvalidTimestamp means the timestamp is not a non-negative decimal
	// integer of unix seconds.
	ErrInvalidTimestamp = errors.New("webhook: invalid timestamp")

	// ErrTimestampOutOfTolerance means the request is correctly signed but its
	// timestamp is further from now than the tolerance, in either direction:
	// a replayed old request, or clocks that disagree.
	ErrTimestampOutOfTolerance = errors.New("webhook: timestamp outside tolerance")

	// ErrSignatureMismatch means the signature is malformed or matches none
	// of the secrets for this timestamp and body.
	ErrSignatureMismatch = errors.New("webhook: signature mismatch")

	// ErrBodyTooLarge means the request body exceeds the receiver's limit.
	ErrBodyTooLarge = errors.New("webhook: body too large")

	// ErrInvalidEvent means the body is not a Red Cloud event: not a JSON
	// object of the expected shape, or without eventId or type.
	ErrInvalidEvent = errors.New("webhook: invalid event")
)
