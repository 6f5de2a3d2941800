package redcloud

// CORE error codes (CONTRACT §2).
const (
	CodeInvalidRequest = "INVALID_REQUEST"
	CodeUnauthorized   = "UNAUTHORIZED"
	CodeForbidden      = "FORBIDDEN"
	CodeNotFound       = "NOT_FOUND"
	CodeConflict       = "CONFLICT"
	CodeRateLimited    = "RATE_LIMITED"
	CodeServerError    = "SERVER_ERROR"
	CodeUpstreamError  = "UPSTREAM_ERROR"
)

// OAuth error codes of the token route (CONTRACT §1).
const (
	OAuthInvalidRequest         = "invalid_request"
	OAuthInvalidClient          = "invalid_client"
	OAuthUnsupportedGrantType   = "unsupported_grant_type"
	OAuthTemporarilyUnavailable = "temporarily_unavailable"
	OAuthServerError            = "server_error"
)

// Headers with a meaning in the contract.
const (
	HeaderRequestID      = "X-Request-Id"
	HeaderOutcome        = "X-RedCloud-Outcome"
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderReplayed       = "Idempotent-Replayed"
	HeaderSandboxFault   = "X-RedCloud-Sandbox-Fault"
)

// OutcomeNotProcessed is the X-RedCloud-Outcome value by which the server
// promises that nothing was committed.
const OutcomeNotProcessed = "not_processed"

// ErrorBody is the CORE error wrapper of every /api/core/* error.
type ErrorBody struct {
	Error     ErrorDetail `json:"error"`
	RequestID string      `json:"requestId"`
}

// ErrorDetail is the inner object of ErrorBody. Details is never nil on the
// wire ({} when empty).
type ErrorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// OAuthErrorBody is the error shape of the token route (RFC 6749 §5.2).
type OAuthErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}
