package redcloud

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// OutcomeUnknown is the Outcome of an error response that did not carry
// X-RedCloud-Outcome: not_processed — a proxy's page, a server that failed
// after committing, an unreadable success. Whether the request did anything
// is unknown. (OutcomeNotProcessed is the promise that it did nothing.)
const OutcomeUnknown = "unknown"

// ErrUnexpectedResponse is wrapped by an *APIError or *OAuthError whose
// response was not in the documented shape: an error page that is not the
// CORE wrapper or the OAuth error, or a 2xx whose body could not be decoded.
// Match it with errors.Is.
var ErrUnexpectedResponse = errors.New("redcloud: response is not in the documented shape")

// OAuthError is a failure of the token route (POST /api/auth/token) in the
// OAuth shape {"error", "error_description"} (CONTRACT §1). A response that
// was not in that shape is an OAuthError too, with an empty Code and Err
// wrapping ErrUnexpectedResponse.
type OAuthError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the OAuth "error" value, for example OAuthInvalidClient; empty
	// when the body was not the OAuth shape.
	Code string
	// Description is the "error_description", or what the client could
	// tell about an undocumented response.
	Description string
	// RequestID is the X-Request-Id header, when present.
	RequestID string
	// Method and Endpoint name the request ("POST", "/api/auth/token").
	Method   string
	Endpoint string
	// RequestTime is when the failing attempt was sent.
	RequestTime time.Time
	// Outcome is OutcomeNotProcessed when the response promised that
	// nothing was done, OutcomeUnknown otherwise.
	Outcome string
	// RetryAfter is the Retry-After header as a duration; zero when absent.
	RetryAfter time.Duration
	// Body is the response body (at most 4 KiB) with anything that looks
	// like a secret or a token redacted.
	Body []byte
	// Attempts lists every attempt the token request made.
	Attempts []Attempt
	// Err is the decoding failure of an undocumented response; nil otherwise.
	Err error
}

// Error describes the failure in one line.
func (e *OAuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "redcloud: token: %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	writeSuffix(&b, e.RequestID, len(e.Attempts))
	return b.String()
}

// Unwrap returns Err.
func (e *OAuthError) Unwrap() error { return e.Err }

// APIError is a failure of a CORE route in the CORE error wrapper
// {"error": {"code", "message", "details"}, "requestId"} (CONTRACT §2). A
// response that was not in that shape — a proxy's HTML page, a 2xx whose body
// could not be decoded — is an APIError too, with an empty Code and Err
// wrapping ErrUnexpectedResponse.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the CORE error code, for example CodeInvalidRequest; empty
	// when the body was not the CORE wrapper.
	Code string
	// Message is the error message, or what the client could tell about an
	// undocumented response.
	Message string
	// Details is the error's details object (details.field names a failing
	// field); never nil.
	Details map[string]any
	// RequestID is the body's requestId, else the X-Request-Id header.
	RequestID string
	// Method and Endpoint name the request, for example "POST" and
	// "/api/core/messages/send".
	Method   string
	Endpoint string
	// IdempotencyKey is the key the request carried (sends only).
	IdempotencyKey string
	// RequestTime is when the failing attempt was sent.
	RequestTime time.Time
	// Outcome reflects the X-RedCloud-Outcome header: OutcomeNotProcessed
	// when the server promised that nothing was committed, OutcomeUnknown
	// when the header was absent and the request may have done something.
	Outcome string
	// RetryAfter is the Retry-After header as a duration; zero when absent.
	RetryAfter time.Duration
	// Body is the response body (at most 4 KiB) with anything that looks
	// like a secret or a token redacted.
	Body []byte
	// Attempts lists every attempt of the call, this one last.
	Attempts []Attempt
	// Err is the decoding failure of an undocumented response; nil otherwise.
	Err error
}

// Error describes the failure in one line.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "redcloud: %s %s: %d", e.Method, e.Endpoint, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if f, ok := e.Details["field"].(string); ok && f != "" {
		b.WriteString(" (field " + f + ")")
	}
	writeSuffix(&b, e.RequestID, len(e.Attempts))
	return b.String()
}

// Unwrap returns Err.
func (e *APIError) Unwrap() error { return e.Err }

// RecipientErrors returns the rejected recipients a 400 "no valid
// recipient" error lists in details.errors; nil for any other error.
func (e *APIError) RecipientErrors() []RecipientError {
	list, ok := e.Details["errors"].([]any)
	if !ok {
		return nil
	}
	out := make([]RecipientError, 0, len(list))
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		r := RecipientError{}
		r.To, _ = m["to"].(string)
		r.Code, _ = m["code"].(string)
		r.Message, _ = m["message"].(string)
		if i, ok := m["index"].(float64); ok {
			r.Index = int(i)
		}
		out = append(out, r)
	}
	return out
}

// ambiguous reports whether the request may have been processed although
// its answer was lost: an error without the not_processed promise from the
// server itself (5xx) or an unreadable success.
func (e *APIError) ambiguous() bool {
	if e.Outcome == OutcomeNotProcessed {
		return false
	}
	return e.StatusCode >= 500 || (e.StatusCode >= 200 && e.StatusCode < 300)
}

// TransportError is a failure before any HTTP response arrived, or while
// reading one: no connection, a reset, a timeout.
type TransportError struct {
	// Op is what failed: "round trip" (no response arrived), "read
	// response" (the body could not be read) or "wait for token" (the
	// caller's context ended while a token was being fetched).
	Op string
	// Method and Endpoint name the request.
	Method   string
	Endpoint string
	// IdempotencyKey is the key the request carried (sends only).
	IdempotencyKey string
	// RequestTime is when the failing attempt was started.
	RequestTime time.Time
	// Err is the underlying error (a *net.OpError, io.ErrUnexpectedEOF,
	// context.DeadlineExceeded, …).
	Err error
	// MaybeProcessed is true when the request may have reached the server
	// (it was written in full, or the client cannot tell), so it may have
	// been processed; false when it certainly was not (the connection was
	// never made, or the request was not written in full).
	MaybeProcessed bool
	// Attempts lists every attempt of the call, this one last.
	Attempts []Attempt
}

// Error describes the failure in one line.
func (e *TransportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "redcloud: %s %s: %s: %v", e.Method, e.Endpoint, e.Op, e.Err)
	if e.MaybeProcessed {
		b.WriteString(" (the request may have been processed)")
	} else {
		b.WriteString(" (the request was not processed)")
	}
	writeSuffix(&b, "", len(e.Attempts))
	return b.String()
}

// Unwrap returns Err.
func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether Err is a timeout.
func (e *TransportError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

func writeSuffix(b *strings.Builder, requestID string, attempts int) {
	var parts []string
	if requestID != "" {
		parts = append(parts, "requestId "+requestID)
	}
	if attempts > 1 {
		parts = append(parts, fmt.Sprintf("after %d attempts", attempts))
	}
	if len(parts) > 0 {
		b.WriteString(" [" + strings.Join(parts, ", ") + "]")
	}
}

// setAttempts records the call's attempts on the typed error inside err.
func setAttempts(err error, attempts []Attempt) {
	list := append([]Attempt(nil), attempts...)
	var oe *OAuthError
	var ae *APIError
	var te *TransportError
	switch {
	case errors.As(err, &oe):
		oe.Attempts = list
	case errors.As(err, &ae):
		ae.Attempts = list
	case errors.As(err, &te):
		te.Attempts = list
	}
}
