package redcloud

// SandboxWebhooks is the response of PUT /api/sandbox/webhooks: the caller's
// client-level URLs (null when unset) and its webhook signing secret. In the
// request, an absent field is left unchanged and null clears it.
type SandboxWebhooks struct {
	DeliveryURL   *string `json:"deliveryUrl"`
	InboundURL    *string `json:"inboundUrl"`
	SigningSecret string  `json:"signingSecret,omitempty"`
}

// SandboxInbound is the body of POST /api/sandbox/inbound.
type SandboxInbound struct {
	NumberID  string   `json:"numberId,omitempty"`
	To        string   `json:"to,omitempty"`
	From      string   `json:"from"`
	Text      string   `json:"text,omitempty"`
	MediaURLs []string `json:"mediaUrls,omitempty"`
}

// SandboxInboundResult is the 202 body of POST /api/sandbox/inbound.
type SandboxInboundResult struct {
	MessageID string `json:"messageId"`
	NumberID  string `json:"numberId"`
	EventID   string `json:"eventId"`
}

// The sandbox's demo API clients and numbers: a server in sandbox mode seeds
// them into an empty database, and the CLI and the examples use the first
// client as their default. They are public: never use them outside the
// sandbox.
const (
	SandboxClientID          = "rc_test_client_123"
	SandboxClientSecret      = "rc_secret_abc123"
	SandboxNumberID          = "num_abc123"   // SandboxClientID's number
	SandboxNumberE164        = "+15551234567" // SandboxNumberID's phone number
	SandboxCampaignID        = "A1B2C3"       // the campaign both demo numbers are registered to
	SandboxOtherClientID     = "rc_other_client_456"
	SandboxOtherClientSecret = "rc_other_secret_456"
	SandboxOtherNumberID     = "num_def456"   // SandboxOtherClientID's number
	SandboxOtherNumberE164   = "+15557654321" // SandboxOtherNumberID's phone number
)

// Magic recipients of the sandbox provider: a send to one of them has the
// outcome it names; any other recipient is sent and delivered.
const (
	// SandboxInvalidDestination is rejected at once: message.failed
	// INVALID_DESTINATION.
	SandboxInvalidDestination = "+15005550001"
	// SandboxCarrierRejected is sent, then rejected by the carrier:
	// message.failed CARRIER_REJECTED.
	SandboxCarrierRejected = "+15005550002"
	// SandboxTransientTwice fails transiently twice, then is delivered.
	SandboxTransientTwice = "+15005550003"
	// SandboxNoReceipt is sent and never gets a delivery receipt.
	SandboxNoReceipt = "+15005550004"
	// SandboxUpstreamUnavailable fails transiently on every attempt until
	// the message expires.
	SandboxUpstreamUnavailable = "+15005550005"
	// SandboxOptedOut is permanently on every API client's opt-out list: a
	// send to it is refused with reason recipient_opted_out.
	SandboxOptedOut = "+15005550006"
)
