package redcloud

import (
	"context"
	"fmt"
	"net/http"
)

// SandboxWebhooksUpdate is the body of PUT /api/sandbox/webhooks: the
// caller's client-level webhook URLs to change. A Patch that is not Set is
// not sent, so the server leaves that URL unchanged; Clear() sends null,
// which removes it; SetTo(url) sets it. At least one field must be Set (the
// server answers 400 otherwise). The server decodes the body into it too.
type SandboxWebhooksUpdate struct {
	// DeliveryURL receives the lifecycle events (message.queued, .sent,
	// .delivery, .failed) of messages whose number has no delivery override.
	DeliveryURL Patch `json:"deliveryUrl,omitzero"`
	// InboundURL receives message.inbound events of numbers without an
	// inbound override.
	InboundURL Patch `json:"inboundUrl,omitzero"`
}

// SetSandboxWebhooks sets the calling API client's client-level webhook URLs
// and returns them with the client's webhook signing secret
// (PUT /api/sandbox/webhooks, CONTRACT §10). It is what the portal does in
// production; the route exists only on a server in sandbox mode, and any
// other server answers 404 (an *APIError that Classify calls NotFound).
// Sandbox mode accepts http:// and loopback URLs, so that a receiver on the
// developer's machine works. The call goes through the client's usual
// request path: token, one refresh on a 401, retries of transient failures,
// typed errors.
func (c *Client) SetSandboxWebhooks(ctx context.Context, u SandboxWebhooksUpdate) (*SandboxWebhooks, error) {
	body, err := marshal(u)
	if err != nil {
		return nil, err
	}
	var out SandboxWebhooks
	cl := &call{method: http.MethodPut, endpoint: PathSandboxWebhooks, body: body, ctype: "application/json"}
	rep, attempts, err := c.do(ctx, cl, &out)
	if err != nil {
		return nil, err
	}
	if out.SigningSecret == "" {
		return nil, sandboxUndocumented(cl, rep, attempts, "signingSecret")
	}
	return &out, nil
}

// SandboxInbound simulates an inbound message to one of the caller's numbers
// (POST /api/sandbox/inbound, CONTRACT §10): set in.NumberID or in.To (the
// number's E.164), in.From and a text or media. The platform stores the
// message and emits a message.inbound event to the number's inbound URL. The
// route exists only on a server in sandbox mode. A number the caller does not
// own is an *APIError that Classify calls Authorization.
func (c *Client) SandboxInbound(ctx context.Context, in SandboxInbound) (*SandboxInboundResult, error) {
	body, err := marshal(in)
	if err != nil {
		return nil, err
	}
	var out SandboxInboundResult
	cl := &call{method: http.MethodPost, endpoint: PathSandboxInbound, body: body, ctype: "application/json"}
	rep, attempts, err := c.do(ctx, cl, &out)
	if err != nil {
		return nil, err
	}
	if out.MessageID == "" {
		return nil, sandboxUndocumented(cl, rep, attempts, "messageId")
	}
	return &out, nil
}

// sandboxUndocumented is the error of a 2xx sandbox answer that decoded but
// lacks a field the route always returns: not the documented shape.
func sandboxUndocumented(cl *call, rep *reply, attempts []Attempt, field string) error {
	e := &APIError{StatusCode: http.StatusOK, Details: map[string]any{}, Method: cl.method, Endpoint: cl.endpoint,
		Outcome: OutcomeUnknown, Message: "the response could not be decoded; the request was processed",
		Err: fmt.Errorf("%w: response without %s", ErrUnexpectedResponse, field), Attempts: attempts}
	if rep != nil {
		e.StatusCode, e.RequestID = rep.status, rep.requestID
	}
	if n := len(attempts); n > 0 {
		e.RequestTime = attempts[n-1].RequestTime
	}
	return e
}
