package platform

import (
	"strconv"

	"github.com/redcloud-core/redcloud"
)

// WithEncoding returns m with its Encoding, Segments and NonGSMCharacters
// computed from its type and text: redcloud.Segments for SMS; for MMS no
// encoding, one segment and no characters (an MMS text travels as UTF-8 in
// the MIME body: nothing forces anything, and it is billed as one message).
func WithEncoding(m Message) Message {
	if m.MessageType != redcloud.MessageTypeSMS {
		m.Encoding, m.Segments, m.NonGSMCharacters = "", 1, []string{}
		return m
	}
	info := redcloud.Segments(m.Text)
	m.Encoding, m.Segments, m.NonGSMCharacters = info.Encoding, info.Segments, info.NonGSMCharacters
	return m
}

// SegmentLimitError is the 400 of a text over the server's --max-segments:
// it names the count and the limit.
func SegmentLimitError(segments, limit int) *Error {
	return Invalid("text", "text is "+strconv.Itoa(segments)+" SMS segments; this server allows at most "+strconv.Itoa(limit)).
		With("segments", segments).With("maxSegments", limit)
}
