package smpp

import (
	"strconv"
	"strings"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// receiptFields are the fields of a delivery receipt's text (SMPP v3.4
// Appendix B): "id:IIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done
// date:YYMMDDhhmm stat:DDDDDDD err:E text:…". Vendors vary: keys in
// capitals, fields missing or reordered, a space after the colon, and a
// text: that quotes the message (and may itself hold "stat:"). Missing
// fields are empty.
type receiptFields struct {
	ID, Sub, Dlvrd, SubmitDate, DoneDate, Stat, Err, Text string
}

// parseReceipt reads a receipt text. Everything after the first "text:" key
// is the quoted text, never a field.
func parseReceipt(s string) receiptFields {
	var f receiptFields
	head := s
	if i := keyIndex(strings.ToLower(s), "text:"); i >= 0 {
		head, f.Text = s[:i], s[i+len("text:"):]
	}
	lower := strings.ToLower(head)
	for _, k := range []struct {
		key string
		dst *string
	}{
		{"id:", &f.ID}, {"sub:", &f.Sub}, {"dlvrd:", &f.Dlvrd}, {"submit date:", &f.SubmitDate},
		{"done date:", &f.DoneDate}, {"stat:", &f.Stat}, {"err:", &f.Err},
	} {
		i := keyIndex(lower, k.key)
		if i < 0 {
			continue
		}
		v := strings.TrimLeft(head[i+len(k.key):], " \t")
		if j := strings.IndexAny(v, " \t\r\n\x00"); j >= 0 {
			v = v[:j]
		}
		*k.dst = v
	}
	return f
}

// keyIndex returns where key starts in s at the start of s or after
// whitespace (so "id:" is not found inside "msgid:"), or -1.
func keyIndex(s, key string) int {
	for from := 0; ; {
		i := strings.Index(s[from:], key)
		if i < 0 {
			return -1
		}
		i += from
		if i == 0 || strings.ContainsRune(" \t\r\n\x00", rune(s[i-1])) {
			return i
		}
		from = i + 1
	}
}

// normalizeID is the form SMSC ids are stored and matched in: NULs and
// spaces trimmed, lower case, and a hex or decimal number without leading
// zeros ("0A1B" and "a1b" are one id).
func normalizeID(s string) string {
	s = strings.ToLower(strings.Trim(s, "\x00 \t\r\n"))
	if isHex(s) {
		if t := strings.TrimLeft(s, "0"); t != "" {
			return t
		}
		return "0"
	}
	return s
}

// receiptIDs returns the normalised SMSC ids a receipt's id may stand for,
// most likely first: the id as written; then, when format allows, its
// decimal reading written in hex ("dec": receipts in decimal, the
// submit_sm_resp in hex) and its hex reading written in decimal ("hex": the
// reverse). "auto" tries both; the exact id wins when two parts match.
func receiptIDs(raw, format string) []string {
	n := normalizeID(raw)
	if n == "" {
		return nil
	}
	out := []string{n}
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	if format != "hex" && isDec(n) {
		if v, err := strconv.ParseUint(n, 10, 64); err == nil {
			add(strconv.FormatUint(v, 16))
		}
	}
	if format != "dec" && isHex(n) {
		if v, err := strconv.ParseUint(n, 16, 64); err == nil {
			add(strconv.FormatUint(v, 10))
		}
	}
	return out
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isDec(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// statRule is what a receipt's stat means.
type statRule struct {
	status string // platform.PartDelivered, PartFailed, or PartSubmitted (not final)
	code   string // failure code when failed
}

// statRules maps receipt stat values, with the long forms some vendors
// write, to part states. A stat not listed is not final (and logged).
var statRules = map[string]statRule{
	"DELIVRD": {platform.PartDelivered, ""}, "DELIVERED": {platform.PartDelivered, ""},
	"UNDELIV": {platform.PartFailed, redcloud.FailureUndeliverable}, "UNDELIVERABLE": {platform.PartFailed, redcloud.FailureUndeliverable},
	"UNKNOWN": {platform.PartFailed, redcloud.FailureUndeliverable}, "FAILED": {platform.PartFailed, redcloud.FailureUndeliverable},
	"REJECTD": {platform.PartFailed, redcloud.FailureCarrierRejected}, "REJECTED": {platform.PartFailed, redcloud.FailureCarrierRejected},
	"DELETED": {platform.PartFailed, redcloud.FailureCarrierRejected},
	"EXPIRED": {platform.PartFailed, redcloud.FailureExpired},
	"ENROUTE": {platform.PartSubmitted, ""}, "ACCEPTD": {platform.PartSubmitted, ""}, "ACCEPTED": {platform.PartSubmitted, ""},
	"BUFFRED": {platform.PartSubmitted, ""}, "BUFFERED": {platform.PartSubmitted, ""},
}

// statOf returns the rule of stat (any case), and whether it is known.
func statOf(stat string) (statRule, bool) {
	r, ok := statRules[strings.ToUpper(strings.TrimSpace(stat))]
	if !ok {
		return statRule{status: platform.PartSubmitted}, false
	}
	return r, true
}

// messageStates are the message_state TLV values (SMPP v3.4 §5.2.28) as
// receipt stat words, for receipts that carry the TLV but no stat: text.
var messageStates = map[byte]string{
	1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
}

// rawCode is a receipt's stat and err as failure.providerCode reports them.
func rawCode(stat, err string) string {
	if err == "" {
		return "stat:" + stat
	}
	return "stat:" + stat + " err:" + err
}

// statOfCode reads the stat back out of a rawCode.
func statOfCode(code string) string {
	s := strings.TrimPrefix(code, "stat:")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		s = s[:i]
	}
	return s
}
