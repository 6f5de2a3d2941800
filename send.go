package redcloud

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// SendOption configures one Send.
type SendOption func(*sendOptions)

type sendOptions struct {
	key string
}

// WithIdempotencyKey sends under key (1–255 visible ASCII characters)
// instead of a generated one. Use a key tied to the operation — an order id,
// say — and persist it, so that a retry after a crash reuses it. An empty
// key means "generate one".
func WithIdempotencyKey(key string) SendOption {
	return func(o *sendOptions) { o.key = key }
}

// NewIdempotencyKey returns a fresh random key: "rc_" and 24 base64url
// characters (18 random bytes). Send uses it when no key is given.
func NewIdempotencyKey() string {
	var b [18]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "rc_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// SendResult is the result of an accepted send: the accepted recipients,
// each its own message, and the rejected ones. A send that some recipients
// passed and others failed is accepted — not an error — and Partial says so.
type SendResult struct {
	// Results are the accepted recipients, each with its messageId.
	Results []AcceptedRecipient
	// Errors are the rejected recipients, each with its index in to[].
	Errors []RecipientError
	// Replayed is true when the server answered with the stored response
	// of an earlier acceptance under the same key (Idempotent-Replayed):
	// nothing new was queued.
	Replayed bool
	// IdempotencyKey is the key the send used, given or generated.
	IdempotencyKey string
	// RequestID is the X-Request-Id of the accepting response.
	RequestID string
	// Attempts lists the attempts the send made, the accepted one last.
	Attempts []Attempt
}

// Partial reports whether some recipients were rejected.
func (r *SendResult) Partial() bool { return len(r.Errors) > 0 }

// MessageIDs returns the messageIds of the accepted recipients, in order.
func (r *SendResult) MessageIDs() []string {
	ids := make([]string, len(r.Results))
	for i, a := range r.Results {
		ids[i] = a.MessageID
	}
	return ids
}

// Send sends a message to one or more recipients
// (POST /api/core/messages/send). Every send carries an Idempotency-Key: the
// one given with WithIdempotencyKey, or one generated for this call. Every
// attempt of the call — retries of transient failures, rate limits, the one
// retry after a token refresh — sends the same key and byte-identical body,
// so the server accepts the send at most once.
//
// Before any network call, Send refuses with a *KeyReuseError a payload that
// differs from one this client already sent under the same key. When no
// recipient is valid the server answers 400 and Send returns an *APIError
// whose RecipientErrors lists them. When an attempt may have been processed
// but its answer was lost and the retries did not settle it, the error
// matches ErrOutcomeUnknown: reconcile with IdempotencyKey.
func (c *Client) Send(ctx context.Context, req SendRequest, opts ...SendOption) (*SendResult, error) {
	var o sendOptions
	for _, opt := range opts {
		opt(&o)
	}
	key := o.key
	if key == "" {
		key = NewIdempotencyKey()
	}
	if !ValidIdempotencyKey(key) {
		return nil, &ValidationError{Field: HeaderIdempotencyKey, Message: "must be 1-255 visible ASCII characters"}
	}
	body, err := marshal(req)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	fp := hex.EncodeToString(sum[:])
	if err := c.keys.claim(key, fp); err != nil {
		c.logRefused(ctx, key, req.ExternalReference, err)
		return nil, err
	}
	var resp SendResponse
	cl := &call{method: http.MethodPost, endpoint: PathMessagesSend, body: body, ctype: "application/json",
		key: key, send: true, extRef: req.ExternalReference}
	rep, attempts, err := c.do(ctx, cl, &resp)
	c.keys.done(key, fp, err == nil || anyAmbiguous(attempts))
	if err != nil {
		var oe *OAuthError
		if len(attempts) == 0 && errors.As(err, &oe) {
			return nil, fmt.Errorf("redcloud: send not attempted, idempotency key %q unused: %w", key, err)
		}
		return nil, err
	}
	if resp.Results == nil {
		resp.Results = []AcceptedRecipient{}
	}
	if resp.Errors == nil {
		resp.Errors = []RecipientError{}
	}
	return &SendResult{Results: resp.Results, Errors: resp.Errors, Replayed: rep.replayed,
		IdempotencyKey: key, RequestID: rep.requestID, Attempts: attempts}, nil
}

// anyAmbiguous reports whether any attempt may have been processed without
// the client learning its answer.
func anyAmbiguous(attempts []Attempt) bool {
	for _, a := range attempts {
		if a.Ambiguous {
			return true
		}
	}
	return false
}

// SendResponse decodes the stored response of a send: the accepted and
// rejected recipients of the acceptance the key recorded.
func (r *IdempotencyRecord) SendResponse() (SendResponse, error) {
	var out SendResponse
	if err := json.Unmarshal(r.Response, &out); err != nil {
		return SendResponse{}, fmt.Errorf("redcloud: decode stored response of key %q: %w", r.Key, err)
	}
	return out, nil
}

// marshal encodes a request body.
func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &ValidationError{Field: "body", Message: err.Error()}
	}
	return b, nil
}
