package redcloud

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Category is the kind of a failure, after the error-handling playbook's
// decision model: A request defect, B authentication, C authorization, D
// transient, plus conflict, not found and rate limited.
type Category string

// Categories returned by Classify.
const (
	// RequestDefect is playbook category A: the request is wrong (malformed
	// JSON, missing Idempotency-Key, an invalid E.164 value, an E.164 value
	// in sendFrom). Retrying it unchanged fails the same way.
	RequestDefect Category = "request_defect"
	// Authentication is category B: invalid client credentials, an expired
	// or malformed token, an API client or account no longer ACTIVE.
	Authentication Category = "authentication"
	// Authorization is category C: sendFrom or a number not owned by this
	// API client, a missing capability.
	Authorization Category = "authorization"
	// Conflict is an idempotency key reused with a different payload. It
	// must never be retried.
	Conflict Category = "conflict"
	// NotFound is an unknown message, idempotency key or route.
	NotFound Category = "not_found"
	// RateLimited is a 429: retry after the Retry-After the server gave.
	RateLimited Category = "rate_limited"
	// Transient is category D: a 5xx (500 SERVER_ERROR, 502
	// UPSTREAM_ERROR, 503), an unreadable error page from a proxy, or a
	// network failure such as a timeout whose outcome is ambiguous.
	Transient Category = "transient"
	// Unknown is anything else: an unreadable success, an unexpected status,
	// an error that did not come from the client. Escalate it.
	Unknown Category = "unknown"
)

// Action is what to do about a failure (the playbook's step 3).
type Action string

// Actions returned by Advise.
const (
	// FixRequest: do not retry unchanged; fix the client request.
	FixRequest Action = "fix_request"
	// RefreshCredentials: the client already refreshed the token once; fix
	// the client id or secret, or reactivate the API client or account.
	RefreshCredentials Action = "refresh_credentials"
	// FixAccountConfiguration: verify /api/core/whoami and
	// /api/core/numbers and correct the client context or selected number.
	FixAccountConfiguration Action = "fix_account_configuration"
	// Retry: retry later with a bounded policy — for sends, with the same
	// idempotency key and the same payload.
	Retry Action = "retry"
	// Escalate: collect Escalation(err) and contact support or engineering.
	Escalate Action = "escalate"
)

// Classify returns the category of err, looking through wrapping with
// errors.As. It never fails: anything it does not recognise, and nil, is
// Unknown.
func Classify(err error) Category {
	if err == nil {
		return Unknown
	}
	var kr *KeyReuseError
	var ve *ValidationError
	var oe *OAuthError
	var ae *APIError
	var te *TransportError
	switch {
	case errors.As(err, &kr):
		return Conflict
	case errors.As(err, &ve):
		return RequestDefect
	case errors.As(err, &oe):
		return classifyOAuth(oe)
	case errors.As(err, &ae):
		return classifyAPI(ae)
	case errors.As(err, &te):
		return Transient
	}
	return Unknown
}

func classifyOAuth(e *OAuthError) Category {
	switch e.Code {
	case OAuthInvalidClient, "invalid_grant", "unauthorized_client":
		return Authentication
	case OAuthInvalidRequest, OAuthUnsupportedGrantType, "invalid_scope":
		return RequestDefect
	case OAuthTemporarilyUnavailable:
		if e.StatusCode == http.StatusTooManyRequests {
			return RateLimited
		}
		return Transient
	case OAuthServerError:
		return Transient
	}
	return classifyStatus(e.StatusCode)
}

func classifyAPI(e *APIError) Category {
	switch e.Code {
	case CodeInvalidRequest:
		return RequestDefect
	case CodeUnauthorized:
		return Authentication
	case CodeForbidden:
		return Authorization
	case CodeNotFound:
		return NotFound
	case CodeConflict:
		return Conflict
	case CodeRateLimited:
		return RateLimited
	case CodeServerError, CodeUpstreamError:
		return Transient
	}
	return classifyStatus(e.StatusCode)
}

// classifyStatus classifies a response by its status alone, for bodies not
// in the documented shape.
func classifyStatus(status int) Category {
	switch {
	case status == http.StatusUnauthorized:
		return Authentication
	case status == http.StatusForbidden:
		return Authorization
	case status == http.StatusNotFound || status == http.StatusGone:
		return NotFound
	case status == http.StatusConflict:
		return Conflict
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status == http.StatusRequestTimeout:
		return Transient
	case status == http.StatusNotImplemented || status == http.StatusHTTPVersionNotSupported:
		return Unknown
	case status >= 500 && status < 600:
		return Transient
	case status >= 400 && status < 500:
		return RequestDefect
	}
	return Unknown
}

// Advise returns the action the playbook prescribes for err: FixRequest for
// request defects, conflicts and unknown ids; RefreshCredentials for
// authentication failures; FixAccountConfiguration for authorization
// failures; Retry for transient failures and rate limits; Escalate for
// anything unknown. Advise(nil) is the empty Action.
func Advise(err error) Action {
	if err == nil {
		return ""
	}
	switch Classify(err) {
	case RequestDefect, Conflict, NotFound:
		return FixRequest
	case Authentication:
		return RefreshCredentials
	case Authorization:
		return FixAccountConfiguration
	case Transient, RateLimited:
		return Retry
	}
	return Escalate
}

// Explain returns a one-line, human explanation of err: its category, what
// the server or the network said, and what to do. Explain(nil) is "".
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var kr *KeyReuseError
	if errors.As(err, &kr) {
		return fmt.Sprintf("conflict: idempotency key %q was already used by this client with a different payload; "+
			"a changed payload is a new operation, send it with a new key (nothing was sent)", kr.Key)
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return "request defect: " + ve.Field + " " + ve.Message + "; fix the request (nothing was sent)"
	}
	what := said(err)
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		return fmt.Sprintf("%s: %s; the server asked to wait %v, longer than the client's cap of %v: retry after that wait",
			words(Classify(err)), what, ra.RetryAfter, ra.MaxDelay)
	}
	var oe *OAuthError
	isOAuth := errors.As(err, &oe)
	switch c := Classify(err); c {
	case RequestDefect:
		return "request defect: " + what + "; fix the request, retrying it unchanged fails the same way"
	case Authentication:
		if isOAuth {
			return "authentication: " + what + "; the client credentials were refused: fix the client id or secret, " +
				"or reactivate the API client or its account (not retried)"
		}
		return "authentication: " + what + "; the token was refreshed once and the retry failed too: " +
			"check the credentials and that the API client and its account are ACTIVE"
	case Authorization:
		return "authorization: " + what + "; check /api/core/whoami and /api/core/numbers and correct the client context or the selected number"
	case Conflict:
		return "conflict: " + what + "; a changed payload is a new operation: send it with a new idempotency key (never retried)"
	case NotFound:
		return "not found: " + what + "; check the id or key (an idempotency key is forgotten 24 h after its first acceptance)"
	case RateLimited, Transient:
		s := words(c) + ": " + what
		if Ambiguous(err) {
			var key string
			var ae *APIError
			var te *TransportError
			if errors.As(err, &ae) {
				key = ae.IdempotencyKey
			} else if errors.As(err, &te) {
				key = te.IdempotencyKey
			}
			return s + fmt.Sprintf("; outcome unknown, the send may have been accepted: reconcile with IdempotencyKey(ctx, %q), "+
				"then send again only with the same key and payload", key)
		}
		if errors.Is(err, ErrRetryBudgetExhausted) {
			return s + "; the client's retry budget is spent (many failures at once): retry later, escalate if it persists"
		}
		return s + "; retry later with a bounded policy (sends: same idempotency key, same payload), escalate if it persists"
	}
	return "unknown: " + what + "; escalate with Escalation(err)"
}

// words returns c as words: "rate limited" for RateLimited.
func words(c Category) string { return strings.ReplaceAll(string(c), "_", " ") }

// said summarises what the server or the network said about err.
func said(err error) string {
	var oe *OAuthError
	var ae *APIError
	var te *TransportError
	switch {
	case errors.As(err, &oe):
		s := fmt.Sprintf("token route answered %d", oe.StatusCode)
		if oe.Code != "" {
			s += " " + oe.Code
		}
		if oe.Description != "" {
			s += " (" + oe.Description + ")"
		}
		return s
	case errors.As(err, &ae):
		s := fmt.Sprintf("%s %s answered %d", ae.Method, ae.Endpoint, ae.StatusCode)
		if ae.Code != "" {
			s += " " + ae.Code
		}
		if ae.Message != "" {
			s += " (" + ae.Message
			if f, ok := ae.Details["field"].(string); ok && f != "" {
				s += ", field " + f
			}
			s += ")"
		}
		if ae.StatusCode >= 200 && ae.StatusCode < 300 {
			s += ", the request was processed but its answer could not be read"
		}
		return s
	case errors.As(err, &te):
		s := fmt.Sprintf("%s %s failed in transport (%v)", te.Method, te.Endpoint, te.Err)
		if te.MaybeProcessed {
			s += ", the request may have reached the server"
		}
		return s
	}
	return strings.TrimPrefix(err.Error(), "redcloud: ")
}
