package platform

import (
	"slices"
	"time"

	"github.com/redcloud-core/redcloud"
)

// Account owns API clients.
type Account struct {
	ID        string
	Name      string
	Status    string
	CreatedAt time.Time
}

// APIClient is an OAuth client of an account. SecretHash is the SHA-256 of
// its client secret; WebhookSecret signs its deliveries (it must be stored
// in the clear to compute HMACs).
type APIClient struct {
	ID                string
	AccountID         string
	Name              string
	Status            string
	AccountStatus     string
	SecretHash        string
	Capabilities      []string
	DeliveryURL       *string
	InboundURL        *string
	WebhookSecret     string
	WebhookSecretNext *string
	// KeywordReplies are the client's own answers to STOP, START and HELP.
	KeywordReplies KeywordReplies
	CreatedAt      time.Time
}

// Has reports whether the client holds capability c.
func (c APIClient) Has(capability string) bool { return slices.Contains(c.Capabilities, capability) }

// AllCapabilities lists every capability in display order.
var AllCapabilities = []string{
	redcloud.CapMessagesSend, redcloud.CapNumbersRead, redcloud.CapNumbersSearch, redcloud.CapNumbersUpdate,
}

// ValidCapability reports whether c is a known capability.
func ValidCapability(c string) bool { return slices.Contains(AllCapabilities, c) }

// Number is a phone number: in the inventory when APIClientID is empty,
// otherwise assigned to that API client.
type Number struct {
	ID                      string
	E164                    string
	APIClientID             string
	Status                  string
	CampaignRegID           *string
	SMSEnabled              bool
	MMSEnabled              bool
	WebhookInboundOverride  *string
	WebhookDeliveryOverride *string
	// MPS is the number's own send rate in segments per second; nil takes
	// the server's --default-number-mps.
	MPS                 *float64
	NPA, NXX            string
	City, State         string
	ZipCode, RateCenter string
	CreatedAt           time.Time
}

// Wire returns the number as the API shows it.
func (n Number) Wire() redcloud.Number {
	return redcloud.Number{
		NumberID: n.ID, E164: n.E164, Status: n.Status, CampaignRegID: n.CampaignRegID,
		SMSEnabled: n.SMSEnabled, MMSEnabled: n.MMSEnabled,
		WebhookInboundOverride: n.WebhookInboundOverride, WebhookDeliveryOverride: n.WebhookDeliveryOverride,
	}
}

// Token is an issued access token; only its hash is stored.
type Token struct {
	Hash        string
	APIClientID string
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// Message directions.
const (
	Outbound = "outbound"
	Inbound  = "inbound"
)

// Message is one message to or from one recipient.
type Message struct {
	ID                string
	APIClientID       string
	NumberID          string
	Direction         string
	From, To          string
	MessageType       string
	Text              string
	MediaURLs         []string
	ExternalReference string
	IdempotencyKey    string
	Status            string
	FailureCode       string
	FailureMessage    string
	// FailureProviderCode is the upstream's raw status of a provider
	// refusal or failure receipt ("" when it gave none): failure.providerCode.
	FailureProviderCode string
	ProviderRef         string
	Sequence            int64 // sequence of the last event
	Attempts            int
	NextAttemptAt       *time.Time
	ExpiresAt           time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time

	// Encoding, Segments and NonGSMCharacters are how an SMS text travels
	// (redcloud.Segments), fixed when the message is stored: "" (null on
	// the wire), 1 and none for MMS. See WithEncoding.
	Encoding         string
	Segments         int
	NonGSMCharacters []string
	// KeywordReply marks the server's own answer to an inbound STOP, START
	// or HELP: it emits no lifecycle webhooks and an opt-out does not hold
	// it back.
	KeywordReply bool
	// Reclaimed is set by a claim that found an earlier claim's lease
	// expired without the send's outcome written (its process died): that
	// claim may have handed the message to the provider. Claims only.
	Reclaimed bool
	// QueuedUntil is the estimated send time of a QUEUED message waiting
	// for its buckets' tokens (throughput shaping); nil when it is not.
	QueuedUntil *time.Time
}

// Event is one lifecycle event; Body is the webhook body, fixed at creation.
type Event struct {
	ID          string
	MessageID   string
	APIClientID string
	Type        string
	Sequence    int64
	Body        []byte
	CreatedAt   time.Time
}

// IdempotencyRecord is a stored acceptance under (API client, key).
type IdempotencyRecord struct {
	APIClientID string
	Key         string
	Fingerprint string
	Payload     []byte // canonical payload, for naming the fields that differ
	Status      int
	Response    []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Delivery states (CONTRACT §8.4).
const (
	DeliveryPending    = "PENDING"
	DeliveryDelivered  = "DELIVERED"
	DeliveryFailed     = "FAILED"
	DeliveryNoEndpoint = "NO_ENDPOINT"
)

// Delivery is one event's delivery to one endpoint.
type Delivery struct {
	ID            string
	EventID       string
	APIClientID   string
	URL           string
	State         string
	Attempts      int
	NextAttemptAt *time.Time
	LastStatus    int
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}
