package platform

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/redcloud-core/redcloud/webhook"
)

// Keyword is an inbound text that is a whole opt-out, opt-in or help
// keyword (CONTRACT §12): its type and the keyword it matched, upper-case.
type Keyword struct {
	Type    string // webhook.KeywordOptOut, KeywordOptIn or KeywordHelp
	Matched string // e.g. "STOP ALL"
}

// keywords maps each normalised keyword to its type. The carriers' and
// CTIA's lists, as Twilio and Telnyx honour them.
var keywords = func() map[string]string {
	m := map[string]string{}
	for typ, words := range map[string][]string{
		webhook.KeywordOptOut: {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
			"OPTOUT", "OPT OUT", "OPT-OUT"},
		webhook.KeywordOptIn: {"START", "UNSTOP", "YES"},
		webhook.KeywordHelp:  {"HELP", "INFO"},
	} {
		for _, w := range words {
			m[w] = typ
		}
	}
	return m
}()

var fold = cases.Fold()

// NormalizeKeyword returns text as the keyword matcher sees it: Unicode
// NFKC (so full-width ＳＴＯＰ is STOP), trimmed, trailing '.' and '!'
// removed, inner whitespace collapsed to one space, case-folded and then
// upper-cased.
func NormalizeKeyword(text string) string {
	s := norm.NFKC.String(text)
	s = strings.TrimRight(strings.TrimSpace(s), ".!")
	s = strings.Join(strings.Fields(s), " ")
	// Fold first so that every case variant (ſ, K) lands on one letter,
	// then upper-case it to the keyword's spelling.
	return strings.ToUpper(fold.String(s))
}

// MatchKeyword reports whether the whole of text is a keyword: "STOP" and
// " stop! " are, "STOP PLEASE" and "stop 12345" are not.
func MatchKeyword(text string) (Keyword, bool) {
	s := NormalizeKeyword(text)
	typ, ok := keywords[s]
	if !ok {
		return Keyword{}, false
	}
	return Keyword{Type: typ, Matched: s}, true
}
