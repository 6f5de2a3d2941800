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
