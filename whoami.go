package redcloud

// Capabilities an API client may hold (CONTRACT §3).
const (
	CapNumbersRead   = "numbers:read"
	CapNumbersSearch = "numbers:search"
	CapNumbersUpdate = "numbers:update"
	CapMessagesSend  = "messages:send"
)

// Statuses of accounts, API clients and numbers.
const (
	StatusActive    = "ACTIVE"
	StatusSuspended = "SUSPENDED"
)

// WhoAmI is the body of GET /api/core/whoami.
type WhoAmI struct {
	APIClientID               string          `json:"apiClientId"`
	APIClientName             string          `json:"apiClientName"`
	APIClientStatus           string          `json:"apiClientStatus"`
	Capabilities              []string        `json:"capabilities"`
	AssignedNumbers           AssignedNumbers `json:"assignedNumbers"`
	InboundWebhookConfigured  bool            `json:"inboundWebhookConfigured"`
	DeliveryWebhookConfigured bool            `json:"deliveryWebhookConfigured"`
}

// AssignedNumbers counts the numbers assigned to an API client.
type AssignedNumbers struct {
	Total           int `json:"total"`
	SMSEnabledCount int `json:"smsEnabledCount"`
	MMSEnabledCount int `json:"mmsEnabledCount"`
}
