package redcloud

import "unicode/utf8"

// Encodings of an SMS text [extension] (CONTRACT §12).
const (
	EncodingGSM7 = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

// Part sizes of 3GPP TS 23.038 / 23.040: a single SMS holds 160 GSM-7
// septets or 70 UTF-16 units; a concatenated one loses 6 octets to its
// header (UDH), leaving 153 septets or 67 units per part.
const (
	GSM7SingleLimit = 160
	GSM7PartLimit   = 153
	UCS2SingleLimit = 70
	UCS2PartLimit   = 67
)

// gsmEscape is the septet that announces a character of the extension table.
const gsmEscape = 0x1B

// gsmBasic is the GSM 03.38 default alphabet, indexed by septet. Its entry
// 0x1B (the escape) maps to no character.
var gsmBasic = [128]rune{
	'@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
	'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', -1, 'Æ', 'æ', 'ß', 'É',
	' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	'¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
	'¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
}

// gsmExtension maps the characters of the GSM 03.38 extension table to the
// septet that follows the escape: each costs two septets.
var gsmExtension = map[rune]byte{
	'\f': 0x0A, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2F,
	'[': 0x3C, '~': 0x3D, ']': 0x3E, '|': 0x40, '€': 0x65,
}

// gsmCode maps each character of the basic table to its septet; built once
// from gsmBasic so that the two cannot disagree.
var gsmCode = func() map[rune]byte {
	m := make(map[rune]byte, len(gsmBasic))
	for i, r := range gsmBasic {
		if r >= 0 {
			m[r] = byte(i)
		}
	}
	return m
}()

// SegmentInfo is how an SMS text travels: its encoding, its parts and the
// characters that forced UCS-2.
type SegmentInfo struct {
	// Encoding is EncodingGSM7 or EncodingUCS2.
	Encoding string `json:"encoding"`
	// Segments is the number of SMS parts: len(Parts).
	Segments int `json:"segments"`
	// Parts are the texts of the parts, in order; they join to the text.
	Parts []SegmentPart `json:"parts"`
	// NonGSMCharacters are the distinct characters of the text outside the
	// GSM 03.38 tables, in order of first appearance: the reason for UCS-2.
	// Empty (not nil) for GSM-7.
	NonGSMCharacters []string `json:"nonGsmCharacters"`
}

// SegmentPart is one SMS part.
type SegmentPart struct {
	// Text is the part's share of the text.
	Text string `json:"text"`
	// Units is its size: septets for GSM-7 (an extension character counts
	// two), UTF-16 code units for UCS-2 (a character beyond U+FFFF, such as
	// an emoji, counts two).
	Units int `json:"units"`
}

// Segments computes how text travels as SMS (3GPP TS 23.038 / 23.040):
// GSM-7 when every character is in the basic or extension table, else
// UCS-2; one part up to 160 septets / 70 units, else parts of at most 153 /
// 67. A character is never split across parts: neither an escape pair nor a
// surrogate pair straddles two. No character is transliterated. An empty
// text is one empty part. Invalid UTF-8 bytes count as U+FFFD each.
func Segments(text string) SegmentInfo {
	info := SegmentInfo{Encoding: EncodingGSM7, NonGSMCharacters: []string{}}
	seen := map[rune]bool{}
	for _, r := range text {
		if gsmCost(r) == 0 && !seen[r] {
			seen[r] = true
			info.NonGSMCharacters = append(info.NonGSMCharacters, string(r))
		}
	}
	if len(info.NonGSMCharacters) > 0 {
		info.Encoding = EncodingUCS2
		return split(info, text, utf16Cost, UCS2SingleLimit, UCS2PartLimit)
	}
	return split(info, text, gsmCost, GSM7SingleLimit, GSM7PartLimit)
}

// SegmentsUCS2 is Segments with UCS-2 forced: the parts a GSM-7 text takes
// when the link that carries it cannot express one of its characters in
// its 8-bit default alphabet (an SMSC whose data_coding 0 is Latin-1 has no
// Δ or €) and it travels as UCS-2 instead. A text Segments already puts in
// UCS-2 gets the same parts.
func SegmentsUCS2(text string) SegmentInfo {
	info := Segments(text)
	if info.Encoding == EncodingUCS2 {
		return info
	}
	info.Encoding = EncodingUCS2
	return split(info, text, utf16Cost, UCS2SingleLimit, UCS2PartLimit)
}

// split fills info's parts: one part up to single units, else parts of at
// most limit units, never splitting a character.
func split(info SegmentInfo, text string, cost func(rune) int, single, limit int) SegmentInfo {
	info.Parts = nil
	total := 0
	for _, r := range text {
		total += cost(r)
	}
	if total <= single {
		info.Parts = []SegmentPart{{Text: text, Units: total}}
		info.Segments = 1
		return info
	}
	start, units := 0, 0
	for i, r := range text {
		c := cost(r)
		if units+c > limit {
			info.Parts = append(info.Parts, SegmentPart{Text: text[start:i], Units: units})
			start, units = i, 0
		}
		units += c
	}
	info.Parts = append(info.Parts, SegmentPart{Text: text[start:], Units: units})
	info.Segments = len(info.Parts)
	return info
}

// gsmCost returns the septets r takes in GSM-7: 1 in the basic table, 2 in
// the extension table, 0 when GSM-7 cannot carry it.
func gsmCost(r rune) int {
	if _, ok := gsmCode[r]; ok {
		return 1
	}
	if _, ok := gsmExtension[r]; ok {
		return 2
	}
	return 0
}

// utf16Cost returns the UTF-16 code units r takes: 2 beyond the BMP (a
// surrogate pair), else 1. An invalid byte is sent as U+FFFD, one unit.
func utf16Cost(r rune) int {
	if r > 0xFFFF && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// GSM7Septets returns text as unpacked GSM 03.38 septets, one byte each,
// an extension character as the escape 0x1B and its code; ok is false when
// a character is outside both tables. A provider packs these for the wire.
func GSM7Septets(text string) (septets []byte, ok bool) {
	septets = make([]byte, 0, len(text))
	for _, r := range text {
		if c, found := gsmCode[r]; found {
			septets = append(septets, c)
			continue
		}
		if c, found := gsmExtension[r]; found {
			septets = append(septets, gsmEscape, c)
			continue
		}
		return nil, false
	}
	return septets, true
}
