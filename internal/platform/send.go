package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redcloud-core/redcloud"
)

// Send limits (CONTRACT §5).
const (
	MaxRecipients    = 100
	MaxTextChars     = 1600
	MaxMediaURLs     = 10
	MaxExternalRef   = 255
	MaxURLLength     = 2048
	MsgSendFromE164  = "sendFrom must be a numberId from /api/core/numbers, not an E.164 phone number"
	MsgNotOwned      = "sendFrom is not owned by this API client"
	MsgNoCampaign    = "sendFrom must have campaignregId configured"
	MsgKeyRequired   = "Idempotency-Key header is required"
	MsgKeyMismatch   = "Idempotency-Key was already used with a different payload"
	MsgBadRecipient  = "to must be an E.164 phone number"
	MsgDupRecipient  = "duplicate recipient"
	MsgNoValidRecips = "no valid recipients"
)

// SendInput is a decoded send request. Its JSON form (field order fixed, nil
// and empty alike) is the canonical payload the fingerprint is taken over.
type SendInput struct {
	SendFrom          string   `json:"sendFrom"`
	To                []string `json:"to"`
	MessageType       string   `json:"messageType"`
	Text              string   `json:"text"`
	MediaURLs         []string `json:"mediaUrls"`
	ExternalReference string   `json:"externalReference"`
}

// sendWire distinguishes absent/null from present for required fields.
type sendWire struct {
	SendFrom          *string   `json:"sendFrom"`
	To                *[]string `json:"to"`
	MessageType       *string   `json:"messageType"`
	Text              *string   `json:"text"`
	MediaURLs         []string  `json:"mediaUrls"`
	ExternalReference *string   `json:"externalReference"`
}

// DecodeSend parses a send body and checks its shape (processing step 4):
// required fields, types, unknown fields and the per-field rules that do
// not depend on stored state. allowHTTPMedia permits http:// media URLs
// (sandbox mode).
func DecodeSend(body []byte, allowHTTPMedia bool) (SendInput, *Error) {
	var w sendWire
	if err := decodeStrict(body, &w); err != nil {
		return SendInput{}, err
	}
	in := SendInput{
		SendFrom: deref(w.SendFrom), MessageType: deref(w.MessageType), Text: deref(w.Text),
		MediaURLs: w.MediaURLs, ExternalReference: deref(w.ExternalReference),
	}
	if w.To != nil {
		in.To = *w.To
	}
	in.normalize()
	switch {
	case w.SendFrom == nil || in.SendFrom == "":
		return in, Invalid("sendFrom", "sendFrom is required")
	case w.To == nil:
		return in, Invalid("to", "to is required")
	case len(in.To) == 0 || len(in.To) > MaxRecipients:
		return in, Invalid("to", "to must have 1-100 entries")
	case w.MessageType == nil || in.MessageType == "":
		return in, Invalid("messageType", "messageType is required")
	case in.MessageType != redcloud.MessageTypeSMS && in.MessageType != redcloud.MessageTypeMMS:
		return in, Invalid("messageType", "messageType must be SMS or MMS")
	}
	n := utf8.RuneCountInString(in.Text)
	if in.MessageType == redcloud.MessageTypeSMS {
		if n == 0 {
			return in, Invalid("text", "text is required for SMS")
		}
		if len(in.MediaURLs) > 0 {
			return in, Invalid("mediaUrls", "mediaUrls is not allowed for SMS")
		}
	} else if len(in.MediaURLs) == 0 {
		return in, Invalid("mediaUrls", "mediaUrls is required for MMS")
	}
	if n > MaxTextChars {
		return in, Invalid("text", "text must be at most 1600 characters")
	}
	if len(in.MediaURLs) > MaxMediaURLs {
		return in, Invalid("mediaUrls", "mediaUrls must have 1-10 entries")
	}
	for i, u := range in.MediaURLs {
		if !validMediaURL(u, allowHTTPMedia) {
			f := "mediaUrls[" + strconv.Itoa(i) + "]"
			if allowHTTPMedia {
				return in, Invalid(f, f+" must be an absolute http or https URL")
			}
			return in, Invalid(f, f+" must be an absolute https URL")
		}
	}
	if utf8.RuneCountInString(in.ExternalReference) > MaxExternalRef {
		return in, Invalid("externalReference", "externalReference must be at most 255 characters")
	}
	return in, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// normalize makes absent and empty alike for the canonical form.
func (in *SendInput) normalize() {
	if in.To == nil {
		in.To = []string{}
	}
	if in.MediaURLs == nil {
		in.MediaURLs = []string{}
	}
}

func validMediaURL(s string, allowHTTP bool) bool {
	if len(s) > MaxURLLength {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || zonedHost(u) {
		return false
	}
	return u.Scheme == "https" || allowHTTP && u.Scheme == "http"
}

// Canonical returns the canonical JSON of in: fixed field order, absent and
// empty alike.
func (in SendInput) Canonical() []byte {
	in.normalize()
	b, _ := json.Marshal(in) // only strings and string slices: cannot fail
	return b
}

// Fingerprint returns "sha256:" + hex SHA-256 of a canonical payload.
func Fingerprint(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// DiffFields names the top-level fields in which two canonical payloads
// differ, in the canonical order.
func DiffFields(a, b []byte) []string {
	var x, y SendInput
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	var diff []string
	add := func(name string, same bool) {
		if !same {
			diff = append(diff, name)
		}
	}
	add("sendFrom", x.SendFrom == y.SendFrom)
	add("to", slices.Equal(x.To, y.To))
	add("messageType", x.MessageType == y.MessageType)
	add("text", x.Text == y.Text)
	add("mediaUrls", slices.Equal(x.MediaURLs, y.MediaURLs))
	add("externalReference", x.ExternalReference == y.ExternalReference)
	return diff
}

// CheckSendFrom checks the format of sendFrom (processing step 6).
func CheckSendFrom(s string) *Error {
	// A phone number, with or without its "+", is the documented mistake.
	if strings.HasPrefix(s, "+") || ValidE164("+"+s) {
		return Invalid("sendFrom", MsgSendFromE164)
	}
	if !ValidNumberID(s) {
		return Invalid("sendFrom", "sendFrom must be a numberId (num_…) from /api/core/numbers")
	}
	return nil
}

// CheckSendNumber checks that an owned number can send messageType
// (processing step 8).
func CheckSendNumber(n Number, messageType string) *Error {
	switch {
	case n.Status != redcloud.StatusActive:
		return Invalid("sendFrom", "sendFrom is not ACTIVE")
	case n.CampaignRegID == nil || *n.CampaignRegID == "":
		return Invalid("sendFrom", MsgNoCampaign)
	case messageType == redcloud.MessageTypeSMS && !n.SMSEnabled:
		return Invalid("sendFrom", "sendFrom is not enabled for SMS")
	case messageType == redcloud.MessageTypeMMS && !n.MMSEnabled:
		return Invalid("sendFrom", "sendFrom is not enabled for MMS")
	}
	return nil
}

// Recipient is an accepted recipient and its index in to[].
type Recipient struct {
	To    string
	Index int
}

// CheckRecipients splits to[] into accepted recipients and per-recipient
// errors (processing step 9).
func CheckRecipients(to []string) ([]Recipient, []redcloud.RecipientError) {
	ok := make([]Recipient, 0, len(to))
	var bad []redcloud.RecipientError
	seen := make(map[string]bool, len(to))
	for i, t := range to {
		switch {
		case !ValidE164(t):
			bad = append(bad, redcloud.RecipientError{To: t, Index: i, Code: redcloud.CodeInvalidRequest, Message: MsgBadRecipient})
		case seen[t]:
			bad = append(bad, redcloud.RecipientError{To: t, Index: i, Code: redcloud.CodeInvalidRequest, Message: MsgDupRecipient})
		default:
			seen[t] = true
			ok = append(ok, Recipient{To: t, Index: i})
		}
	}
	return ok, bad
}
