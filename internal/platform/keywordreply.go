package platform

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/webhook"
)

// KeywordReplies are an API client's own answers to the opt-out, opt-in
// and help keywords; an empty text means the default (ReplyOptOut,
// ReplyOptIn, ReplyHelp).
type KeywordReplies struct {
	OptOut, OptIn, Help string
}

// Text is the reply to a keyword of type typ (webhook.KeywordOptOut,
// KeywordOptIn or KeywordHelp): the client's own text, else the default.
func (r KeywordReplies) Text(typ string) string {
	custom, def := r.Help, ReplyHelp
	switch typ {
	case webhook.KeywordOptOut:
		custom, def = r.OptOut, ReplyOptOut
	case webhook.KeywordOptIn:
		custom, def = r.OptIn, ReplyOptIn
	}
	if custom == "" {
		return def
	}
	return custom
}

// MaxKeywordReplySegments bounds a keyword reply: a confirmation is short
// (the defaults take one segment), and every reply is billed to the client.
const MaxKeywordReplySegments = 3

// CheckKeywordReply returns text trimmed, and what is wrong with it as a
// keyword reply ("" when valid): blank, not UTF-8, control characters other
// than line breaks, or longer than MaxKeywordReplySegments SMS segments.
func CheckKeywordReply(text string) (string, string) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return text, "must not be blank"
	case !utf8.ValidString(text):
		return text, "must be valid UTF-8"
	case strings.ContainsFunc(text, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\r') || r == 0x7f }):
		return text, "must not contain control characters other than line breaks"
	}
	if info := redcloud.Segments(text); info.Segments > MaxKeywordReplySegments {
		return text, "is " + strconv.Itoa(info.Segments) + " SMS segments (" + info.Encoding + "); at most " +
			strconv.Itoa(MaxKeywordReplySegments) + " are allowed"
	}
	return text, ""
}
