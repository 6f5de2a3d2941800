package redcloud_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

const sandboxWebhooksPath = redcloud.PathSandboxWebhooks

func TestSandboxWebhooksUpdateJSON(t *testing.T) {
	for _, tt := range []struct {
		u    redcloud.SandboxWebhooksUpdate
		want string
	}{
		{redcloud.SandboxWebhooksUpdate{}, `{}`},
		{redcloud.SandboxWebhooksUpdate{DeliveryURL: redcloud.SetTo("http://127.0.0.1:1/hooks")}, `{"deliveryUrl":"http://127.0.0.1:1/hooks"}`},
		{redcloud.SandboxWebhooksUpdate{InboundURL: redcloud.Clear()}, `{"inboundUrl":null}`},
		{redcloud.SandboxWebhooksUpdate{DeliveryURL: redcloud.Clear(), InboundURL: redcloud.SetTo("https://x.example/in")},
			`{"deliveryUrl":null,"inboundUrl":"https://x.example/in"}`},
	} {
		got, err := json.Marshal(tt.u)
		if err != nil || string(got) != tt.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tt.u, got, err, tt.want)
		}
	}
}

// TestSetSandboxWebhooks sets, leaves and clears the client-level URLs
// through the client's normal request path, a token refresh included.
func TestSetSandboxWebhooks(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	const hook = "http://127.0.0.1:9/webhooks"
	got, err := c.SetSandboxWebhooks(e.ctx, redcloud.SandboxWebhooksUpdate{
		DeliveryURL: redcloud.SetTo(hook), InboundURL: redcloud.SetTo(hook)})
	if err != nil {
		t.Fatalf("SetSandboxWebhooks: %v", err)
	}
	noteSecret(got.SigningSecret)
	if !strings.HasPrefix(got.SigningSecret, "whsec_") || got.DeliveryURL == nil || *got.DeliveryURL != hook ||
		got.InboundURL == nil || *got.InboundURL != hook {
		t.Fatalf("set: got %+v", got)
	}
	who, err := c.WhoAmI(e.ctx)
	if err != nil || !who.DeliveryWebhookConfigured || !who.InboundWebhookConfigured {
		t.Fatalf("whoami after set: %+v, %v", who, err)
	}

	// Clear the delivery URL only, with an expired-token 401 on the first
	// attempt: the client refreshes once and retries once.
	e.faultOn(sandboxWebhooksPath, "unauthorized", 2)
	got, err = c.SetSandboxWebhooks(e.ctx, redcloud.SandboxWebhooksUpdate{DeliveryURL: redcloud.Clear()})
	if err != nil {
		t.Fatalf("clear: %v", err)
	}
	if got.DeliveryURL != nil || got.InboundURL == nil || *got.InboundURL != hook {
		t.Fatalf("clear delivery: got %+v", got)
	}
	reqs := e.rec.requests(sandboxWebhooksPath)
	if len(reqs) != 3 || reqs[1].status != http.StatusUnauthorized || reqs[2].status != http.StatusOK {
		t.Fatalf("requests %+v, want set, 401, 200", reqs)
	}
	if n := len(e.rec.requests(tokenPath)); n != 2 {
		t.Fatalf("%d token fetches, want 2 (one refresh)", n)
	}

	// A transient failure is retried; a request defect is not.
	e.faultOn(sandboxWebhooksPath, "server_error", 4)
	if _, err := c.SetSandboxWebhooks(e.ctx, redcloud.SandboxWebhooksUpdate{InboundURL: redcloud.Clear()}); err != nil {
		t.Fatalf("after a 500: %v", err)
	}
	_, err = c.SetSandboxWebhooks(e.ctx, redcloud.SandboxWebhooksUpdate{})
	if ae := asAPIError(t, err); ae.StatusCode != 400 || redcloud.Classify(err) != redcloud.RequestDefect || len(ae.Attempts) != 1 {
		t.Fatalf("empty update: %v (%d attempts)", err, len(ae.Attempts))
	}
	_, err = c.SetSandboxWebhooks(e.ctx, redcloud.SandboxWebhooksUpdate{DeliveryURL: redcloud.SetTo("ftp://x")})
	if redcloud.Classify(err) != redcloud.RequestDefect {
		t.Fatalf("bad URL: %v", err)
	}
}

// TestSetSandboxWebhooksUndocumented: a 200 without the signing secret is
// not taken for a success.
func TestSetSandboxWebhooksUndocumented(t *testing.T) {
	e := newEnv(t)
	e.rec.intercept = func(r *http.Request, _ int) (*http.Response, error) {
		if r.URL.Path == sandboxWebhooksPath {
			return response(r, 200, "application/json", `{"deliveryUrl":null,"inboundUrl":null}`, "X-Request-Id", "req_x"), nil
		}
		return nil, nil
	}
	_, err := e.client().SetSandboxWebhooks(e.ctx, redcloud.SandboxWebhooksUpdate{DeliveryURL: redcloud.Clear()})
	if !errors.Is(err, redcloud.ErrUnexpectedResponse) || asAPIError(t, err).RequestID != "req_x" {
		t.Fatalf("got %v, want ErrUnexpectedResponse with the request id", err)
	}
}

// TestSandboxInbound simulates an inbound message, reads it back, and is
// refused a number of another client.
func TestSandboxInbound(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	res, err := c.SandboxInbound(e.ctx, redcloud.SandboxInbound{To: numberE164, From: "+15557654321", Text: "STOP"})
	if err != nil {
		t.Fatalf("SandboxInbound: %v", err)
	}
	if !strings.HasPrefix(res.MessageID, "msg_") || res.NumberID != numberID || !strings.HasPrefix(res.EventID, "evt_") {
		t.Fatalf("result %+v", res)
	}
	m, err := c.Message(e.ctx, res.MessageID)
	if err != nil || m.Direction != "inbound" || m.Status != redcloud.MessageReceived || m.From != "+15557654321" {
		t.Fatalf("inbound message: %+v, %v", m, err)
	}
	_, err = c.SandboxInbound(e.ctx, redcloud.SandboxInbound{NumberID: otherNumber, From: "+15557654321", Text: "hi"})
	if ae := asAPIError(t, err); ae.StatusCode != 403 || redcloud.Classify(err) != redcloud.Authorization {
		t.Fatalf("other client's number: %v", err)
	}
	_, err = c.SandboxInbound(e.ctx, redcloud.SandboxInbound{NumberID: numberID, From: "5557654321", Text: "hi"})
	if redcloud.Classify(err) != redcloud.RequestDefect {
		t.Fatalf("invalid from: %v", err)
	}
}
