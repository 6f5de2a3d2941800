package redcloud

// Number is a phone number assigned to an API client. Unset optional fields
// encode as null, never omitted.
type Number struct {
	NumberID                string  `json:"numberId"`
	E164                    string  `json:"e164"`
	Status                  string  `json:"status"`
	CampaignRegID           *string `json:"campaignRegId"`
	SMSEnabled              bool    `json:"smsEnabled"`
	MMSEnabled              bool    `json:"mmsEnabled"`
	WebhookInboundOverride  *string `json:"webhookInboundOverride"`
	WebhookDeliveryOverride *string `json:"webhookDeliveryOverride"`
}

// NumberList is the body of GET /api/core/numbers.
type NumberList struct {
	Numbers []Number `json:"numbers"`
}

// NumberSearch is the body of POST /api/core/numbers/search. Every field is
// optional; Limit 0 means the server default (20).
type NumberSearch struct {
	NPA        string `json:"npa,omitempty"`
	NXX        string `json:"nxx,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	ZipCode    string `json:"zipCode,omitempty"`
	RateCenter string `json:"rateCenter,omitempty"`
	Limit      int    `json:"limit,omitempty"`
}

// NumberSearchResult is the 200 body of a number search.
type NumberSearchResult struct {
	Groups []NumberGroup `json:"groups"`
	Total  int           `json:"total"`
}

// NumberGroup lists available numbers of one (npa, nxx, rateCenter).
type NumberGroup struct {
	NPA        string   `json:"npa"`
	NXX        string   `json:"nxx"`
	City       string   `json:"city"`
	State      string   `json:"state"`
	RateCenter string   `json:"rateCenter"`
	ZipCode    string   `json:"zipCode"`
	Count      int      `json:"count"`
	Numbers    []string `json:"numbers"`
}

// NumberUpdate is the body of PATCH /api/core/numbers/{numberId}. Only the
// fields that are Set are sent; the server decodes the body into it too.
type NumberUpdate struct {
	// CampaignRegID's wire name is campaignregId (lower-case "reg").
	CampaignRegID           Patch `json:"campaignregId,omitzero"`
	WebhookInboundOverride  Patch `json:"webhookInboundOverride,omitzero"`
	WebhookDeliveryOverride Patch `json:"webhookDeliveryOverride,omitzero"`
}
