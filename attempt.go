package redcloud

import (
	"encoding/json"
	"time"
)

// Attempt is one HTTP request a call made. A call makes one attempt, and
// more when it retries a transient failure or a rate limit, or once after a
// token refresh.
type Attempt struct {
	// Number is the attempt's position in the call, from 1.
	Number int
	// RequestTime is when the attempt was sent.
	RequestTime time.Time
	// Delay is how long the client waited before this attempt (0 for the
	// first).
	Delay time.Duration
	// Reason is why the attempt was made: "first attempt", "retry after 502
	// UPSTREAM_ERROR", "retry with a fresh token after 401 UNAUTHORIZED", ….
	Reason string
	// Status is the HTTP status; 0 when no response arrived.
	Status int
	// Code is the CORE code or OAuth error of a failed attempt.
	Code string
	// RequestID is the X-Request-Id of the response, when one arrived.
	RequestID string
	// Error summarises the failure; "" when the attempt succeeded.
	Error string
	// Ambiguous is true when the attempt failed but may have been processed
	// (see ErrOutcomeUnknown).
	Ambiguous bool
}

// MarshalJSON encodes the attempt with camelCase names, the request time in
// TimeLayout and the delay in milliseconds.
func (a Attempt) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Number      int    `json:"attempt"`
		RequestTime string `json:"requestTime"`
		DelayMS     int64  `json:"delayMs"`
		Reason      string `json:"reason"`
		Status      int    `json:"status"`
		Code        string `json:"code,omitempty"`
		RequestID   string `json:"requestId,omitempty"`
		Error       string `json:"error,omitempty"`
		Ambiguous   bool   `json:"ambiguous,omitempty"`
	}{a.Number, NewTime(a.RequestTime).String(), a.Delay.Milliseconds(), a.Reason, a.Status, a.Code, a.RequestID, a.Error, a.Ambiguous})
}
