package platform_test

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/redcloud-core/redcloud"
)

// FuzzSegments: the parts of any text re-join to it, none is over its
// limit, and none ends in a GSM escape or a UTF-16 high surrogate, checked
// against the parts' own encodings rather than the sizes Segments reports.
func FuzzSegments(f *testing.F) {
	for _, s := range []string{"", "a", "ça", "€[]", "😜a", strings.Repeat("a", 152) + "[a", strings.Repeat("a", 66) + "😜a", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		info := redcloud.Segments(text)
		if info.Segments != len(info.Parts) || info.Segments < 1 {
			t.Fatalf("%d segments, %d parts", info.Segments, len(info.Parts))
		}
		var joined strings.Builder
		for _, p := range info.Parts {
			joined.WriteString(p.Text)
		}
		if joined.String() != text {
			t.Fatalf("parts %+v do not join to %q", info.Parts, text)
		}
		single := info.Segments == 1
		for i, p := range info.Parts {
			var units int
			switch info.Encoding {
			case redcloud.EncodingGSM7:
				septets, ok := redcloud.GSM7Septets(p.Text)
				if !ok {
					t.Fatalf("GSM-7 part %d %q is not GSM-7", i, p.Text)
				}
				if n := len(septets); n > 0 && septets[n-1] == 0x1B {
					t.Fatalf("part %d ends in an escape", i)
				}
				units = len(septets)
				if limit := pick(single, redcloud.GSM7SingleLimit, redcloud.GSM7PartLimit); units > limit {
					t.Fatalf("part %d: %d septets over %d", i, units, limit)
				}
			case redcloud.EncodingUCS2:
				u := utf16.Encode([]rune(p.Text))
				if n := len(u); n > 0 && utf16.IsSurrogate(rune(u[n-1])) && u[n-1] < 0xDC00 {
					t.Fatalf("part %d ends in a high surrogate", i)
				}
				units = len(u)
				if limit := pick(single, redcloud.UCS2SingleLimit, redcloud.UCS2PartLimit); units > limit {
					t.Fatalf("part %d: %d units over %d", i, units, limit)
				}
				if len(info.NonGSMCharacters) == 0 {
					t.Fatal("UCS-2 without a non-GSM character")
				}
			default:
				t.Fatalf("encoding %q", info.Encoding)
			}
			if units != p.Units {
				t.Fatalf("part %d reports %d units, encodes to %d", i, p.Units, units)
			}
		}
		if _, ok := redcloud.GSM7Septets(text); ok != (info.Encoding == redcloud.EncodingGSM7) {
			t.Fatalf("encoding %s but GSM7Septets ok=%v", info.Encoding, ok)
		}
	})
}

func pick(single bool, one, many int) int {
	if single {
		return one
	}
	return many
}
