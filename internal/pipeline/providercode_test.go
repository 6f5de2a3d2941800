package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
	"github.com/redcloud-core/redcloud/webhook"
)

// refusingProvider refuses one recipient permanently with an SMPP status,
// the way the SMPP provider does, and is the sandbox otherwise.
type refusingProvider struct {
	*sandbox.Provider
	refuse string
}

func (p *refusingProvider) Send(ctx context.Context, m provider.Message) (string, error) {
	if m.To == p.refuse {
		return "", &provider.PermanentError{Code: redcloud.FailureInvalidDestination, Message: "invalid destination address",
			ProviderCode: "command_status 0x0000000B"}
	}
	return p.Provider.Send(ctx, m)
}

// TestFailureProviderCode: the provider's raw status — a refused submit's
// command_status, a receipt's stat/err — reaches failure.providerCode of the
// message resource and of the message.failed webhook.
func TestFailureProviderCode(t *testing.T) {
	const refused = "+15551230777"
	e := newEnv(t, withPipeline(func(c *pipeline.Config) {
		c.Provider = &refusingProvider{Provider: sandbox.New(5 * time.Millisecond), refuse: refused}
	}))
	e.setWebhooks(t, "/delivery", "")

	id := e.send(t, refused)[0]
	m := e.waitStatus(t, id, redcloud.MessageFailed, 2)
	if m.Failure == nil || m.Failure.Code != redcloud.FailureInvalidDestination || m.Failure.ProviderCode != "command_status 0x0000000B" {
		t.Fatalf("failure = %+v, want INVALID_DESTINATION with providerCode", m.Failure)
	}
	var hits []hit
	eventually(t, waitFor, func() bool { hits = e.recv.accepted(id); return len(hits) == 2 },
		func() string { return describeHits(e.recv.forMessage(id)) })
	if f := hits[1].Event; f.Type != webhook.TypeFailed || f.Failure == nil || f.Failure.ProviderCode != "command_status 0x0000000B" {
		t.Errorf("message.failed = %+v", f.Failure)
	}
	e.check.CheckWebhook(t, "messageLifecycle", hits[1].Body)
}

// TestReceiptProviderCode: a failure receipt's raw stat/err reaches
// failure.providerCode; a sandbox failure carries none.
func TestReceiptProviderCode(t *testing.T) {
	spy := &spySink{receipts: map[string][]error{}}
	prov := &spyProvider{Provider: sandbox.New(5 * time.Millisecond), spy: spy}
	e := newEnv(t, withPipeline(func(c *pipeline.Config) { c.Provider = prov }))
	e.setWebhooks(t, "/delivery", "")

	id := e.send(t, sandbox.NoReceipt)[0]
	e.waitStatus(t, id, redcloud.MessageSent, 2)
	if err := spy.Sink.Receipt(e.ctx, provider.Receipt{MessageID: id, FailureCode: redcloud.FailureUndeliverable,
		FailureText: "undeliverable", ProviderCode: "stat:UNDELIV err:001"}); err != nil {
		t.Fatal(err)
	}
	m := e.message(t, id)
	if m.Failure == nil || m.Failure.Code != redcloud.FailureUndeliverable || m.Failure.ProviderCode != "stat:UNDELIV err:001" {
		t.Fatalf("failure = %+v", m.Failure)
	}
	var hits []hit
	eventually(t, waitFor, func() bool { hits = e.recv.accepted(id); return len(hits) == 3 },
		func() string { return describeHits(e.recv.forMessage(id)) })
	if f := hits[2].Event; f.Failure == nil || f.Failure.ProviderCode != "stat:UNDELIV err:001" {
		t.Errorf("message.failed failure = %+v", f.Failure)
	}
	e.check.CheckWebhook(t, "messageLifecycle", hits[2].Body)

	sbx := e.send(t, sandbox.CarrierRejected)[0]
	if m := e.waitStatus(t, sbx, redcloud.MessageFailed, 3); m.Failure == nil || m.Failure.ProviderCode != "" {
		t.Errorf("sandbox failure = %+v, want no providerCode", m.Failure)
	}
}
