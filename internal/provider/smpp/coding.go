package smpp

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/warthog618/sms/encoding/gsm7"
	"golang.org/x/text/encoding/charmap"

	"github.com/redcloud-core/redcloud"
)

// data_coding values (SMPP v3.4 §5.2.19).
const (
	codingDefault  = 0x00 // the SMSC's default alphabet: what Config.DCS0 says
	codingIA5      = 0x01 // IA5 / ASCII
	codingLatin1   = 0x03 // ISO-8859-1
	codingCyrillic = 0x06 // ISO-8859-5
	codingHebrew   = 0x07 // ISO-8859-8
	codingUCS2     = 0x08 // UCS-2, sent as UTF-16BE
)

// gsmDecoder decodes unpacked GSM 03.38 septets. Built once here: the
// library fills its tables lazily, which races when two goroutines start
// decoding at once.
var gsmDecoder = gsm7.NewDecoder()

// encoder turns part texts into short_message octets for one data_coding.
type encoder struct {
	coding byte
	encode func(string) ([]byte, bool)
}

// encoderFor picks how a text of encoding enc (redcloud.EncodingGSM7 or
// EncodingUCS2) travels on a link whose data_coding 0 is dcs0. A GSM-7 text
// the link's default alphabet cannot carry (Δ or € where data_coding 0 is
// Latin-1) travels as UCS-2: ucs2 is then true and the caller splits it
// with redcloud.SegmentsUCS2.
func encoderFor(text, enc, dcs0 string) (e encoder, ucs2 bool) {
	if enc == redcloud.EncodingGSM7 {
		var def encoder
		switch dcs0 {
		case "latin1":
			def = encoder{codingDefault, encodeByteRange(0xFF)}
		case "ascii":
			def = encoder{codingDefault, encodeByteRange(0x7F)}
		default:
			def = encoder{codingDefault, redcloud.GSM7Septets}
		}
		if _, ok := def.encode(text); ok {
			return def, false
		}
	}
	return encoder{codingUCS2, encodeUCS2}, true
}

// encodeByteRange encodes each character as one octet, when every
// character is at most max (0xFF: Latin-1, 0x7F: ASCII).
func encodeByteRange(max rune) func(string) ([]byte, bool) {
	return func(s string) ([]byte, bool) {
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r > max || r == utf8.RuneError {
				return nil, false
			}
			out = append(out, byte(r))
		}
		return out, true
	}
}

// encodeUCS2 encodes s as UTF-16BE; a character beyond U+FFFF takes a
// surrogate pair, as redcloud.Segments counts it.
func encodeUCS2(s string) ([]byte, bool) {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		out = append(out, byte(u>>8), byte(u))
	}
	return out, true
}

// decodeText turns a message's octets into text per its data_coding; dcs0
// says what data_coding 0 means on this link.
func decodeText(b []byte, coding byte, dcs0 string) (string, error) {
	switch alphabet(coding) {
	case codingDefault:
		switch dcs0 {
		case "latin1":
			return decodeLatin1(b), nil
		case "ascii":
			return decodeASCII(b), nil
		}
		out, err := gsmDecoder.Decode(b)
		if err != nil {
			return "", fmt.Errorf("decode GSM 03.38: %w", err)
		}
		return string(out), nil
	case codingIA5:
		return decodeASCII(b), nil
	case codingUCS2:
		if len(b)%2 != 0 {
			return "", fmt.Errorf("decode UCS-2: odd length %d", len(b))
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u)), nil
	case codingCyrillic:
		return charmap.ISO8859_5.NewDecoder().String(string(b))
	case codingHebrew:
		return charmap.ISO8859_8.NewDecoder().String(string(b))
	default: // Latin-1, and 8-bit data read as Latin-1 rather than refused
		return decodeLatin1(b), nil
	}
}

// alphabet reduces a data_coding to one of the four alphabets decodeText
// knows, from the coding groups of 3GPP TS 23.038 §4 that SMSCs pass on.
func alphabet(c byte) byte {
	switch {
	case c == codingDefault, c == codingIA5, c == codingLatin1, c == codingUCS2, c == codingCyrillic, c == codingHebrew:
		return c
	case c&0xF0 == 0xF0: // data coding / message class: bit 2 = 8-bit data
		if c&0x04 != 0 {
			return codingLatin1
		}
		return codingDefault
	case c&0xC0 == 0x00 && c&0x10 != 0, c&0xC0 == 0x40: // general group, with a class or marked for deletion
		switch c & 0x0C {
		case 0x00:
			return codingDefault
		case 0x08:
			return codingUCS2
		}
		return codingLatin1
	case c >= 0xC0 && c <= 0xDF: // message waiting, default alphabet
		return codingDefault
	case c >= 0xE0 && c <= 0xEF: // message waiting, UCS-2
		return codingUCS2
	}
	return codingLatin1
}

func decodeLatin1(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

func decodeASCII(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c > 0x7F {
			sb.WriteRune(utf8.RuneError)
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
