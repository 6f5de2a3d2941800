package redcloud

import (
	"bytes"
	"encoding/json"
)

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

// Patch is one optional, nullable field of an update: unset fields are not
// sent, Set with a nil Value sends null (clear), Set with a Value sends it.
type Patch struct {
	Set   bool
	Value *string
}

// SetTo returns a Patch that sets the field to v.
func SetTo(v string) Patch { return Patch{Set: true, Value: &v} }

// Clear returns a Patch that clears the field (JSON null).
func Clear() Patch { return Patch{Set: true} }

// NumberUpdate is the body of PATCH /api/core/numbers/{numberId}. Only the
// fields that are Set are sent.
type NumberUpdate struct {
	CampaignRegID           Patch // wire name campaignregId (lower-case "reg")
	WebhookInboundOverride  Patch
	WebhookDeliveryOverride Patch
}

// MarshalJSON encodes only the Set fields, null for cleared ones.
func (u NumberUpdate) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	add := func(name string, p Patch) {
		if !p.Set {
			return
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + name + `":`)
		if p.Value == nil {
			b.WriteString("null")
			return
		}
		v, _ := json.Marshal(*p.Value)
		b.Write(v)
	}
	add("campaignregId", u.CampaignRegID)
	add("webhookInboundOverride", u.WebhookInboundOverride)
	add("webhookDeliveryOverride", u.WebhookDeliveryOverride)
	b.WriteByte('}')
	return b.Bytes(), nil
}
