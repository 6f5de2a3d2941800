package smpp

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/linxGnu/gosmpp/pdu"

	"github.com/redcloud-core/redcloud"
)

// golden are the segmentation cases of the messaging-rules issue (the
// root package's TestSegmentsGolden): the splitter must send exactly the
// parts the API reported.
var golden = []struct {
	name     string
	text     string
	segments int
}{
	{"160 a", strings.Repeat("a", 160), 1},
	{"161 a", strings.Repeat("a", 161), 2},
	{"306 a", strings.Repeat("a", 306), 2},
	{"307 a", strings.Repeat("a", 307), 3},
	{"80 euro", strings.Repeat("€", 80), 1},
	{"81 euro", strings.Repeat("€", 81), 2},
	{"escape never straddles", strings.Repeat("a", 152) + "[" + strings.Repeat("a", 152), 3},
	{"153 ]", strings.Repeat("]", 153), 3},
	{"ça", "ça", 1},
	{"emoji + 68 a", "😜" + strings.Repeat("a", 68), 1},
	{"emoji + 69 a", "😜" + strings.Repeat("a", 69), 2},
	{"surrogate never straddles", strings.Repeat("a", 66) + "😜" + strings.Repeat("a", 66), 3},
	{"1600 a", strings.Repeat("a", 1600), 11},
	{"1600 zhe", strings.Repeat("ж", 1600), 24},
	{"extension table", "\f^{}\\[~]|€", 1},
	{"basic table oddities", "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ ¤¡ÄÖÑÜ§¿äöñüà", 1},
	{"empty", "", 1},
}

// userData returns a part's octets without its UDH, and its concatenation
// (ref, total, seq) from the UDH or the SAR TLVs (ref -1: none).
func userData(t *testing.T, p wirePart) ([]byte, int, int, int) {
	t.Helper()
	tlvs := map[pdu.Tag]pdu.Field{}
	for _, f := range p.tlvs {
		tlvs[f.Tag] = f
	}
	b := p.short
	var udh pdu.UDH
	if p.esmClass&esmUDHI != 0 {
		n, err := udh.UnmarshalBinary(b)
		if err != nil {
			t.Fatalf("part %d: UDH: %v", p.no, err)
		}
		b = b[n:]
	}
	if f, ok := tlvs[pdu.TagMessagePayload]; ok {
		if len(b) != 0 {
			t.Fatalf("part %d has both short_message and message_payload", p.no)
		}
		b = f.Data
	}
	ref, total, seq := concatOf(udh, tlvs)
	return b, ref, total, seq
}

// TestSplitGolden: through every mode, the parts are Segments' parts (one
// message_payload for "payload"), and they decode back to the text.
func TestSplitGolden(t *testing.T) {
	for _, mode := range []string{"udh", "sar", "payload"} {
		for _, tc := range golden {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				info := redcloud.Segments(tc.text)
				if info.Segments != tc.segments {
					t.Fatalf("Segments = %d, want %d (the golden table changed?)", info.Segments, tc.segments)
				}
				parts, err := splitText("msg_01kx", tc.text, "gsm", mode)
				if err != nil {
					t.Fatal(err)
				}
				want := tc.segments
				if mode == "payload" {
					want = 1
				}
				if len(parts) != want {
					t.Fatalf("%d submits, want %d", len(parts), want)
				}
				var all []byte
				for i, p := range parts {
					b, ref, total, seq := userData(t, p)
					if p.no != i+1 || p.total != len(parts) {
						t.Errorf("part %d numbered %d of %d", i+1, p.no, p.total)
					}
					if len(parts) > 1 && (ref < 0 || total != len(parts) || seq != i+1) {
						t.Errorf("part %d concatenation ref %d total %d seq %d", i+1, ref, total, seq)
					}
					if len(parts) == 1 && (ref >= 0 || p.esmClass != 0) {
						t.Errorf("a single part carries concatenation (ref %d, esm_class %#x)", ref, p.esmClass)
					}
					if mode != "payload" && len(p.short) > 140+20 { // 160 unpacked septets, or 140 octets + a 6-octet UDH
						t.Errorf("part %d: %d octets", i+1, len(p.short))
					}
					if mode == "payload" && len(parts) == 1 && tc.segments > 1 && len(p.short) != 0 {
						t.Errorf("payload mode with a short_message")
					}
					all = append(all, b...)
				}
				text, err := decodeText(all, parts[0].coding, "gsm")
				if err != nil || text != tc.text {
					t.Errorf("parts decode to %q (%v), want the text", prefix(text), err)
				}
				wantCoding := byte(codingDefault)
				if info.Encoding == redcloud.EncodingUCS2 {
					wantCoding = codingUCS2
				}
				if parts[0].coding != wantCoding {
					t.Errorf("data_coding %d, want %d", parts[0].coding, wantCoding)
				}
			})
		}
	}
}

// TestSplitWire pins the bytes: the UDH, the SAR TLVs, the reference kept
// across calls (a retry resends a part with its siblings' reference).
func TestSplitWire(t *testing.T) {
	text := strings.Repeat("a", 153) + "bbbbbbbb"
	parts, err := splitText("msg_x", text, "gsm", "udh")
	if err != nil {
		t.Fatal(err)
	}
	ref := byte(concatRef("msg_x"))
	if !bytes.Equal(parts[0].short[:6], []byte{0x05, 0x00, 0x03, ref, 2, 1}) || !bytes.Equal(parts[1].short, append([]byte{0x05, 0x00, 0x03, ref, 2, 2}, "bbbbbbbb"...)) {
		t.Errorf("UDH parts: % x | % x", parts[0].short[:6], parts[1].short)
	}
	if parts[0].esmClass != esmUDHI || len(parts[0].short) != 6+153 {
		t.Errorf("part 1: esm_class %#x, %d octets", parts[0].esmClass, len(parts[0].short))
	}
	again, _ := splitText("msg_x", text, "gsm", "udh")
	if !bytes.Equal(again[1].short, parts[1].short) {
		t.Error("the reference changed between calls")
	}

	sar, err := splitText("msg_x", text, "gsm", "sar")
	if err != nil {
		t.Fatal(err)
	}
	tlv := func(p wirePart, tag pdu.Tag) []byte {
		for _, f := range p.tlvs {
			if f.Tag == tag {
				return f.Data
			}
		}
		return nil
	}
	if r := tlv(sar[1], pdu.TagSarMsgRefNum); len(r) != 2 || binary.BigEndian.Uint16(r) != uint16(concatRef("msg_x")) ||
		!bytes.Equal(tlv(sar[1], pdu.TagSarTotalSegments), []byte{2}) || !bytes.Equal(tlv(sar[1], pdu.TagSarSegmentSeqnum), []byte{2}) {
		t.Errorf("SAR TLVs of part 2: %+v", sar[1].tlvs)
	}
	if sar[1].esmClass != 0 || string(sar[1].short) != "bbbbbbbb" {
		t.Errorf("SAR part 2: esm_class %#x short %q", sar[1].esmClass, sar[1].short)
	}

	// GSM-7 septets, unpacked: '@' is 0x00, '€' is ESC 0x65.
	one, _ := splitText("m", "@€", "gsm", "udh")
	if !bytes.Equal(one[0].short, []byte{0x00, 0x1B, 0x65}) || one[0].coding != codingDefault {
		t.Errorf("GSM-7 octets % x coding %d", one[0].short, one[0].coding)
	}
	// UCS-2 as UTF-16BE, the emoji as a surrogate pair.
	u, _ := splitText("m", "ж😜", "gsm", "udh")
	if !bytes.Equal(u[0].short, []byte{0x04, 0x36, 0xD8, 0x3D, 0xDE, 0x1C}) || u[0].coding != codingUCS2 {
		t.Errorf("UCS-2 octets % x coding %d", u[0].short, u[0].coding)
	}
	if _, err := splitText("m", strings.Repeat("a", 153*256), "gsm", "udh"); err == nil {
		t.Error("256 parts accepted")
	}
}

// TestSplitDCS0: on a link whose data_coding 0 is Latin-1 or ASCII, a GSM-7
// text is written in that charset, or as UCS-2 (split as UCS-2) when the
// charset cannot carry it.
func TestSplitDCS0(t *testing.T) {
	for _, tc := range []struct {
		dcs0, text string
		coding     byte
		octets     []byte
		parts      int
	}{
		{"latin1", "héllo £", codingDefault, []byte("h\xe9llo \xa3"), 1},
		{"ascii", "hello {}", codingDefault, []byte("hello {}"), 1},
		{"latin1", "price 5€", codingUCS2, nil, 1},
		{"ascii", "é", codingUCS2, []byte{0x00, 0xE9}, 1},
		{"latin1", strings.Repeat("Δ", 100), codingUCS2, nil, 2}, // 1 GSM-7 part, 2 UCS-2 parts
		{"latin1", strings.Repeat("a", 161), codingDefault, nil, 2},
	} {
		parts, err := splitText("m", tc.text, tc.dcs0, "udh")
		if err != nil {
			t.Fatal(err)
		}
		if len(parts) != tc.parts || parts[0].coding != tc.coding || tc.octets != nil && !bytes.Equal(parts[0].short, tc.octets) {
			t.Errorf("%s %q: %d parts, coding %d, octets % x", tc.dcs0, prefix(tc.text), len(parts), parts[0].coding, parts[0].short)
		}
		var all []byte
		for _, p := range parts {
			b, _, _, _ := userData(t, p)
			all = append(all, b...)
		}
		if got, _ := decodeText(all, parts[0].coding, tc.dcs0); got != tc.text {
			t.Errorf("%s %q decodes to %q", tc.dcs0, prefix(tc.text), prefix(got))
		}
	}
}

func prefix(s string) string {
	if r := []rune(s); len(r) > 12 {
		return string(r[:12]) + "…"
	}
	return s
}
