package platform

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redcloud-core/redcloud"
)

// Limits of GET /api/core/messages (CONTRACT §12).
const (
	DefaultMessageLimit = 20
	MaxMessageLimit     = 100
)

// MessageQuery is a validated query of an API client's messages: every set
// filter must match. The window is [CreatedAfter, CreatedBefore), so that
// consecutive windows never share a message.
type MessageQuery struct {
	Status            string
	To                string
	NumberID          string
	ExternalReference string
	CreatedAfter      *time.Time // whole milliseconds
	CreatedBefore     *time.Time // whole milliseconds
	// Waiting keeps only the QUEUED messages waiting for their buckets'
	// tokens (throughput shaping: queued_until set).
	Waiting bool
	Limit   int
	// After is where the page starts: messages strictly older, in
	// (createdAt, messageId) order, than this one. Nil: the newest.
	After *MessagePosition
}

// MessagePosition is a message's place in the newest-first order of a list.
type MessagePosition struct {
	CreatedAt time.Time
	ID        string
}

// The query parameters of GET /api/core/messages.
const (
	paramStatus            = "status"
	paramTo                = "to"
	paramNumberID          = "numberId"
	paramExternalReference = "externalReference"
	paramCreatedAfter      = "createdAfter"
	paramCreatedBefore     = "createdBefore"
	paramLimit             = "limit"
	paramCursor            = "cursor"
	paramWaiting           = "waiting"
)

var messageParams = []string{paramStatus, paramTo, paramNumberID, paramExternalReference,
	paramCreatedAfter, paramCreatedBefore, paramWaiting, paramLimit, paramCursor}

var messageStatuses = []string{redcloud.MessageQueued, redcloud.MessageSent, redcloud.MessageDelivered,
	redcloud.MessageFailed, redcloud.MessageReceived}

// DecodeMessageQuery validates the query string of GET /api/core/messages
// for the API client clientID. Unknown, repeated and empty parameters are
// refused like unknown JSON fields: a misspelt filter must not silently
// list everything. A cursor is accepted only with the filters and the
// client it was issued for.
func DecodeMessageQuery(values map[string][]string, clientID string) (MessageQuery, *Error) {
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !slices.Contains(messageParams, name) {
			return MessageQuery{}, Invalid(name, "unknown query parameter "+strconv.Quote(name)+"; use one of "+strings.Join(messageParams, ", "))
		}
		if len(values[name]) != 1 {
			return MessageQuery{}, Invalid(name, name+" must be given once")
		}
		if v := values[name][0]; v == "" {
			return MessageQuery{}, Invalid(name, name+" must not be empty")
		} else if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return MessageQuery{}, Invalid(name, name+" must be valid UTF-8 without NUL characters")
		}
	}
	get := func(name string) string {
		if v := values[name]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	q := MessageQuery{Status: get(paramStatus), To: get(paramTo), NumberID: get(paramNumberID),
		ExternalReference: get(paramExternalReference), Limit: DefaultMessageLimit}
	if q.Status != "" && !slices.Contains(messageStatuses, q.Status) {
		return q, Invalid(paramStatus, "status must be one of "+strings.Join(messageStatuses, ", "))
	}
	switch w := get(paramWaiting); w {
	case "", "false":
	case "true":
		if q.Status != "" && q.Status != redcloud.MessageQueued {
			return q, Invalid(paramWaiting, "waiting=true lists QUEUED messages only; it cannot be combined with status="+q.Status)
		}
		q.Waiting = true
	default:
		return q, Invalid(paramWaiting, "waiting must be true or false")
	}
	if q.To != "" && !ValidE164(q.To) {
		msg := "to must be an E.164 phone number"
		if strings.HasPrefix(q.To, " ") {
			msg += " (a '+' in a query string must be sent as %2B)"
		}
		return q, Invalid(paramTo, msg)
	}
	if q.NumberID != "" && !ValidNumberID(q.NumberID) {
		return q, Invalid(paramNumberID, "numberId must be a numberId from /api/core/numbers")
	}
	if utf8.RuneCountInString(q.ExternalReference) > 255 {
		return q, Invalid(paramExternalReference, "externalReference must be at most 255 characters")
	}
	var perr *Error
	if q.CreatedAfter, perr = queryTime(get(paramCreatedAfter), paramCreatedAfter); perr != nil {
		return q, perr
	}
	if q.CreatedBefore, perr = queryTime(get(paramCreatedBefore), paramCreatedBefore); perr != nil {
		return q, perr
	}
	if q.CreatedAfter != nil && q.CreatedBefore != nil && !q.CreatedBefore.After(*q.CreatedAfter) {
		return q, Invalid(paramCreatedBefore, "createdBefore must be later than createdAfter")
	}
	if s := get(paramLimit); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxMessageLimit || s[0] == '+' {
			return q, Invalid(paramLimit, "limit must be an integer from 1 to "+strconv.Itoa(MaxMessageLimit))
		}
		q.Limit = n
	}
	if s := get(paramCursor); s != "" {
		pos, ok := q.decodeCursor(s, clientID)
		if !ok {
			return q, Invalid(paramCursor, "cursor is not a nextCursor of this query; start again without cursor")
		}
		q.After = &pos
	}
	return q, nil
}

// queryTime parses an RFC 3339 time, rounded up to the whole millisecond
// (times are stored in milliseconds): for both bounds of [after, before),
// rounding up keeps exactly the messages the exact time would.
func queryTime(s, field string) (*time.Time, *Error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, Invalid(field, field+" must be an RFC 3339 time, e.g. 2026-11-26T07:04:24.123Z")
	}
	r := t.UTC().Truncate(time.Millisecond)
	if r.Before(t) {
		r = r.Add(time.Millisecond)
	}
	if r.UnixMilli() < 0 || r.Year() > 9999 {
		return nil, Invalid(field, field+" must be between 1970 and 9999")
	}
	return &r, nil
}

// Cursor form, before base64url: "1.<createdAt ms>.<check>.<messageId>".
// The check digests the client, the filters and the position, so a cursor
// altered, or replayed with other filters or by another client, is refused
// instead of paging a different list from an arbitrary place. It is not a
// secret: the list is always restricted to the caller's messages
// server-side, so a forged position can only page the caller's own messages.
const cursorVersion = "1"

// NextCursor returns the opaque cursor of the page after last, the last
// message of a full page.
func (q MessageQuery) NextCursor(clientID string, last Message) string {
	at := strconv.FormatInt(last.CreatedAt.UnixMilli(), 10)
	raw := cursorVersion + "." + at + "." + q.check(clientID, at, last.ID) + "." + last.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func (q MessageQuery) decodeCursor(s, clientID string) (MessagePosition, bool) {
	if len(s) > 512 {
		return MessagePosition{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return MessagePosition{}, false
	}
	parts := strings.SplitN(string(b), ".", 4)
	if len(parts) != 4 || parts[0] != cursorVersion || parts[2] != q.check(clientID, parts[1], parts[3]) {
		return MessagePosition{}, false
	}
	at, err := strconv.ParseInt(parts[1], 10, 64)
	id := parts[3]
	if err != nil || at < 0 || at > math.MaxInt64/2 || id == "" || !utf8.ValidString(id) || strings.IndexByte(id, 0) >= 0 {
		return MessagePosition{}, false
	}
	return MessagePosition{CreatedAt: time.UnixMilli(at).UTC(), ID: id}, true
}

// check digests the client, the filters (not the limit, which may change
// from page to page) and a position.
func (q MessageQuery) check(clientID, at, id string) string {
	h := sha256.New()
	bound := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	vals := []string{clientID, q.Status, q.To, q.NumberID, q.ExternalReference, bound(q.CreatedAfter), bound(q.CreatedBefore)}
	if q.Waiting {
		// Only when set: the cursors issued before the filter existed stay
		// valid.
		vals = append(vals, paramWaiting)
	}
	for _, v := range append(vals, at, id) {
		h.Write([]byte(strconv.Itoa(len(v)) + ":" + v + ";"))
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
