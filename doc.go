// Package redcloud is the Go client (SDK) of the Red Cloud CORE API and
// holds the API's wire types — the JSON requests and responses the server
// encodes and the client decodes.
//
// It depends on the standard library only, so integrators who import it pull
// in nothing else.
//
// # The client
//
// NewClient returns a Client for one API client's credentials. Its calls
// follow the API's integration path: Token, WhoAmI, Numbers, SearchNumbers,
// UpdateNumber, Send, Message and IdempotencyKey. The client is the
// error-handling playbook made executable:
//
//   - Three failure shapes, three types: *OAuthError (the token route),
//     *APIError (the CORE error wrapper) and *TransportError (no response;
//     MaybeProcessed says whether the request may have reached the server).
//     A response that is not in the documented shape — a proxy's HTML page,
//     a 2xx whose body cannot be decoded — is still one of these, wrapping
//     ErrUnexpectedResponse. Match them with errors.As.
//   - Classify maps every error to a Category (RequestDefect,
//     Authentication, Authorization, Conflict, NotFound, RateLimited,
//     Transient, Unknown), Advise to an Action (FixRequest,
//     RefreshCredentials, FixAccountConfiguration, Retry, Escalate), and
//     Explain to one human line.
//   - Tokens are fetched on first use, cached, refreshed RefreshMargin before
//     expiry, and fetched once for all concurrent callers. A CORE 401 makes
//     the client refresh once and retry once, never more; an invalid_client
//     from the token route is never retried.
//   - Only Transient failures and rate limits are retried (RetryPolicy):
//     bounded attempts, exponential backoff with full jitter, Retry-After
//     honoured up to a cap (a longer ask returns a *RetryAfterError), a
//     retry budget per client, and never after the caller's context ends.
//     X-RedCloud-Outcome tells a failure that certainly did nothing from one
//     whose outcome is unknown (APIError.Outcome).
//   - Every Send carries an idempotency key, the caller's or a generated one,
//     and every retry sends the same key and the same bytes. A different
//     payload under a key this client already used is refused before the
//     network (*KeyReuseError). A send whose outcome stayed unknown after
//     its retries matches ErrOutcomeUnknown; reconcile with IdempotencyKey.
//   - Escalation turns any error into an EscalationPackage — endpoint,
//     status, redacted body, requestId, timestamps, key, attempts — that
//     renders as JSON or text.
//   - With Config.Logger set, the client logs one record per attempt with
//     endpoint, method, status, requestTime, requestId, messageId,
//     externalReference, idempotencyKey and attempt. It never logs a secret,
//     a token or an Authorization header.
//
// Receivers of webhooks use the webhook package.
package redcloud
