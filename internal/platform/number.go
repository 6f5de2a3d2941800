package platform

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/redcloud-core/redcloud"
)

// SearchInput is a decoded number search (CONTRACT §4.2).
type SearchInput struct {
	NPA        string `json:"npa"`
	NXX        string `json:"nxx"`
	City       string `json:"city"`
	State      string `json:"state"`
	ZipCode    string `json:"zipCode"`
	RateCenter string `json:"rateCenter"`
	Limit      *int   `json:"limit"`
}

// Search defaults.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 100
)

// DecodeSearch parses and validates a search body; an empty body is {}.
func DecodeSearch(body []byte) (SearchInput, *Error) {
	var in SearchInput
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeStrict(body, &in); err != nil {
			return in, err
		}
	}
	switch {
	case in.NPA != "" && !areaCode(in.NPA):
		return in, Invalid("npa", "npa must be three digits, the first 2-9")
	case in.NXX != "" && !areaCode(in.NXX):
		return in, Invalid("nxx", "nxx must be three digits, the first 2-9")
	case in.State != "" && !letters(in.State, 2):
		return in, Invalid("state", "state must be two letters")
	case in.ZipCode != "" && !digits(in.ZipCode, 5):
		return in, Invalid("zipCode", "zipCode must be five digits")
	case in.Limit != nil && (*in.Limit < 1 || *in.Limit > MaxSearchLimit):
		return in, Invalid("limit", "limit must be an integer from 1 to 100")
	case utf8.RuneCountInString(in.City) > 100:
		return in, Invalid("city", "city must be at most 100 characters")
	case utf8.RuneCountInString(in.RateCenter) > 100:
		return in, Invalid("rateCenter", "rateCenter must be at most 100 characters")
	}
	return in, nil
}

// EffectiveLimit returns the limit, defaulted.
func (in SearchInput) EffectiveLimit() int {
	if in.Limit == nil {
		return DefaultSearchLimit
	}
	return *in.Limit
}

func areaCode(s string) bool { return digits(s, 3) && s[0] >= '2' }

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func letters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// NumberUpdateInput is a decoded PATCH body; a nil field pointer means
// "not in the request", a non-nil pointer to nil means "clear".
type NumberUpdateInput struct {
	CampaignRegID           **string
	WebhookInboundOverride  **string
	WebhookDeliveryOverride **string
}

// DecodeNumberUpdate parses and validates a PATCH body (CONTRACT §4.3) with
// the client's own type, redcloud.NumberUpdate. sandbox relaxes the webhook
// URL rules (§8.6).
func DecodeNumberUpdate(body []byte, sandbox bool) (NumberUpdateInput, *Error) {
	var u redcloud.NumberUpdate
	// In the order fields are checked and reported.
	fields := []patchField{
		{"campaignregId", &u.CampaignRegID},
		{"webhookInboundOverride", &u.WebhookInboundOverride},
		{"webhookDeliveryOverride", &u.WebhookDeliveryOverride},
	}
	var raw map[string]json.RawMessage
	if err := decodeStrict(body, &raw); err != nil {
		return NumberUpdateInput{}, err
	}
	if len(raw) == 0 {
		return NumberUpdateInput{}, Invalid("", "at least one of campaignregId, webhookInboundOverride, webhookDeliveryOverride is required")
	}
	names := slices.Sorted(maps.Keys(raw)) // report the same field for the same body every time
	for _, k := range names {
		if !slices.ContainsFunc(fields, func(f patchField) bool { return f.name == k }) {
			e := Invalid(k, "field "+k+" cannot be updated")
			if strings.EqualFold(k, "campaignregId") {
				e = Invalid(k, "unknown field "+k+"; the request field is spelled campaignregId").With("reason", "unknown_field")
			}
			return NumberUpdateInput{}, e
		}
	}
	for _, f := range fields {
		if err := f.decode(raw); err != nil {
			return NumberUpdateInput{}, err
		}
		if v := f.p.Value; v != nil {
			if f.name == "campaignregId" {
				if n := utf8.RuneCountInString(*v); n < 1 || n > 64 {
					return NumberUpdateInput{}, Invalid(f.name, "campaignregId must be 1-64 characters")
				}
			} else if msg := CheckWebhookURL(*v, sandbox); msg != "" {
				return NumberUpdateInput{}, Invalid(f.name, f.name+" "+msg)
			}
		}
	}
	return NumberUpdateInput{
		CampaignRegID:           patchPointer(u.CampaignRegID),
		WebhookInboundOverride:  patchPointer(u.WebhookInboundOverride),
		WebhookDeliveryOverride: patchPointer(u.WebhookDeliveryOverride),
	}, nil
}

// CheckWebhookURL applies the URL rules of CONTRACT §8.6 when a URL is
// saved and returns what is wrong ("" when valid). Addresses are checked
// again at dial time; sandbox mode allows http.
func CheckWebhookURL(s string, sandbox bool) string {
	if len(s) > MaxURLLength {
		return "must be at most 2048 characters"
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "must be an absolute URL"
	}
	if u.User != nil {
		return "must not contain credentials"
	}
	if zonedHost(u) {
		return "must not name an IPv6 zone"
	}
	if u.Scheme != "https" && !(sandbox && u.Scheme == "http") {
		if sandbox {
			return "must be an http or https URL"
		}
		return "must be an https URL"
	}
	return ""
}

// zonedHost reports whether u's host is an IPv6 literal with a zone
// ([fe80::1%25eth0]): a zone names an interface of the server's own
// machine, never an address on the internet, and the address guard's
// prefix checks do not match zoned addresses.
func zonedHost(u *url.URL) bool {
	return strings.Contains(u.Hostname(), "%")
}
