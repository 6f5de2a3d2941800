package redcloud

import (
	"net/url"
	"strings"
)

// Paths of the API's routes, shared by the server that serves them and the
// client that calls them. A path with a {name} segment is a pattern in
// net/http ServeMux syntax; a caller puts the URL-path-escaped value there.
const (
	// PathToken issues access tokens (POST, OAuth 2 client credentials).
	PathToken = "/api/auth/token"
	// PathWhoAmI describes the calling API client (GET).
	PathWhoAmI = "/api/core/whoami"
	// PathNumbers lists the caller's numbers (GET).
	PathNumbers = "/api/core/numbers"
	// PathNumbersSearch searches the inventory of unassigned numbers (POST).
	PathNumbersSearch = "/api/core/numbers/search"
	// PathNumber updates one of the caller's numbers (PATCH).
	PathNumber = "/api/core/numbers/{numberId}"
	// PathMessagesSend sends messages (POST).
	PathMessagesSend = "/api/core/messages/send"
	// PathMessages lists the caller's messages, newest first (GET).
	PathMessages = "/api/core/messages"
	// PathMessage shows a message and its events (GET). "send" is not a
	// messageId: that segment is PathMessagesSend.
	PathMessage = "/api/core/messages/{messageId}"
	// PathIdempotencyKey shows a live idempotency record (GET).
	PathIdempotencyKey = "/api/core/idempotency-keys/{key}"
	// PathOptOuts lists the caller's opt-outs (GET) and adds one (POST)
	// [extension].
	PathOptOuts = "/api/core/opt-outs"
	// PathOptOut removes an opt-out the caller added (DELETE) [extension].
	PathOptOut = "/api/core/opt-outs/{e164}"
	// PathSandboxWebhooks sets the caller's webhook URLs (PUT; sandbox only).
	PathSandboxWebhooks = "/api/sandbox/webhooks"
	// PathSandboxInbound simulates an inbound message (POST; sandbox only).
	PathSandboxInbound = "/api/sandbox/inbound"
	// PathHealthz answers 200 while the process runs (GET).
	PathHealthz = "/healthz"
	// PathReadyz answers 200 while the database answers, "degraded" when
	// sending is impaired (GET, see Readiness).
	PathReadyz = "/readyz"
	// PathMetrics serves Prometheus metrics (GET).
	PathMetrics = "/metrics"
	// PathOpenAPI serves the OpenAPI document (GET).
	PathOpenAPI = "/openapi.yaml"
)

// pathWith returns pattern with its {name} segment replaced by value,
// URL-path-escaped.
func pathWith(pattern, value string) string {
	before, rest, _ := strings.Cut(pattern, "{")
	_, after, _ := strings.Cut(rest, "}")
	return before + url.PathEscape(value) + after
}

// pathPrefix returns what precedes pattern's {name} segment.
func pathPrefix(pattern string) string {
	before, _, _ := strings.Cut(pattern, "{")
	return before
}
