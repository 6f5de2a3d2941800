package webhook

// HTTP header names and values used on every webhook request (CONTRACT §8.2).
const (
	// HeaderTimestamp carries the unix time, in decimal seconds, at which the
	// request was signed. It is part of the signed message.
	HeaderTimestamp = "X-RedCloud-Timestamp"

	// HeaderSignature carries the lower-case hex HMAC-SHA256 of
	// timestamp + "." + raw body, keyed with the API client's webhook secret.
	HeaderSignature = "X-RedCloud-Signature"

	// HeaderEventID carries the event's eventId. It is informational and not
	// signed: trust the eventId in the verified body, not this header.
	HeaderEventID = "X-RedCloud-Event-Id"

	// HeaderEventType carries the event's type (for example "message.sent").
	// It is informational and not signed.
	HeaderEventType = "X-RedCloud-Event-Type"

	// HeaderAttempt carries the 1-based delivery attempt number. It is
	// informational and not signed.
	HeaderAttempt = "X-RedCloud-Attempt"

	// UserAgent is the User-Agent header value of every webhook request.
	UserAgent = "RedCloud-Webhooks/1"
)
