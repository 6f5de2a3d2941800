package redcloud_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// TestSegmentsGolden: the golden cases of issue 13 and the characters that
// look like GSM-7 but are not.
func TestSegmentsGolden(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		name     string
		text     string
		encoding string
		segments int
		nonGSM   []string
	}{
		{"160 a", a(160), redcloud.EncodingGSM7, 1, nil},
		{"161 a", a(161), redcloud.EncodingGSM7, 2, nil},
		{"306 a", a(306), redcloud.EncodingGSM7, 2, nil},
		{"307 a", a(307), redcloud.EncodingGSM7, 3, nil},
		{"80 euro", strings.Repeat("€", 80), redcloud.EncodingGSM7, 1, nil},
		{"81 euro", strings.Repeat("€", 81), redcloud.EncodingGSM7, 2, nil},
		{"escape never straddles", a(152) + "[" + a(152), redcloud.EncodingGSM7, 3, nil},
		{"153 ]", strings.Repeat("]", 153), redcloud.EncodingGSM7, 3, nil},
		{"ça", "ça", redcloud.EncodingUCS2, 1, []string{"ç"}},
		{"emoji + 68 a", "😜" + a(68), redcloud.EncodingUCS2, 1, []string{"😜"}},
		{"emoji + 69 a", "😜" + a(69), redcloud.EncodingUCS2, 2, []string{"😜"}},
		{"surrogate never straddles", a(66) + "😜" + a(66), redcloud.EncodingUCS2, 3, []string{"😜"}},
		{"1600 a", a(1600), redcloud.EncodingGSM7, 11, nil},
		{"1600 zhe", strings.Repeat("ж", 1600), redcloud.EncodingUCS2, 24, []string{"ж"}},
		{"grave accent", "a`b", redcloud.EncodingUCS2, 1, []string{"`"}},
		{"curly quotes", "“hi” it’s ‘x’", redcloud.EncodingUCS2, 1, []string{"“", "”", "’", "‘"}},
		{"capital C cedilla is GSM", "Ça", redcloud.EncodingGSM7, 1, nil},
		{"en and em dashes", "a–b—c", redcloud.EncodingUCS2, 1, []string{"–", "—"}},
		{"extension table", "\f^{}\\[~]|€", redcloud.EncodingGSM7, 1, nil},
		{"basic table oddities", "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ ¤¡ÄÖÑÜ§¿äöñüà", redcloud.EncodingGSM7, 1, nil},
		{"distinct, first-seen order", "жaçжç", redcloud.EncodingUCS2, 1, []string{"ж", "ç"}},
		{"empty", "", redcloud.EncodingGSM7, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := redcloud.Segments(tc.text)
			if info.Encoding != tc.encoding || info.Segments != tc.segments {
				t.Fatalf("Segments(%q…) = %s × %d, want %s × %d", prefix(tc.text), info.Encoding, info.Segments, tc.encoding, tc.segments)
			}
			want := tc.nonGSM
			if want == nil {
				want = []string{}
			}
			if info.NonGSMCharacters == nil || !slices.Equal(info.NonGSMCharacters, want) {
				t.Errorf("NonGSMCharacters = %q, want %q", info.NonGSMCharacters, want)
			}
			if len(info.Parts) != info.Segments {
				t.Errorf("%d parts for %d segments", len(info.Parts), info.Segments)
			}
			var joined strings.Builder
			for _, p := range info.Parts {
				joined.WriteString(p.Text)
			}
			if joined.String() != tc.text {
				t.Error("parts do not join to the text")
			}
		})
	}
}

// TestSegmentsPartSizes pins where the splits fall.
func TestSegmentsPartSizes(t *testing.T) {
	for _, tc := range []struct {
		text  string
		units []int
	}{
		{strings.Repeat("a", 152) + "[" + strings.Repeat("a", 152), []int{152, 153, 1}},
		{strings.Repeat("]", 153), []int{152, 152, 2}},
		{strings.Repeat("a", 66) + "😜" + strings.Repeat("a", 66), []int{66, 67, 1}},
		{strings.Repeat("€", 80), []int{160}},
		{"😜" + strings.Repeat("a", 68), []int{70}},
	} {
		var got []int
		for _, p := range redcloud.Segments(tc.text).Parts {
			got = append(got, p.Units)
		}
		if !slices.Equal(got, tc.units) {
			t.Errorf("Segments(%q…) part sizes %v, want %v", prefix(tc.text), got, tc.units)
		}
	}
}

func TestGSM7Septets(t *testing.T) {
	got, ok := redcloud.GSM7Septets("@a€[")
	if !ok || !slices.Equal(got, []byte{0x00, 0x61, 0x1B, 0x65, 0x1B, 0x3C}) {
		t.Errorf("GSM7Septets = %x, %v", got, ok)
	}
	if _, ok := redcloud.GSM7Septets("ça"); ok {
		t.Error("GSM7Septets accepted ç")
	}
}

func prefix(s string) string {
	if r := []rune(s); len(r) > 12 {
		return string(r[:12])
	}
	return s
}

// TestSegmentsUCS2: a GSM-7 text forced to UCS-2 splits by UTF-16 units;
// a UCS-2 text keeps its parts.
func TestSegmentsUCS2(t *testing.T) {
	for _, tc := range []struct {
		text  string
		units []int
	}{
		{strings.Repeat("a", 70), []int{70}},
		{strings.Repeat("a", 71), []int{67, 4}},
		{strings.Repeat("€", 80), []int{67, 13}}, // 160 septets in GSM-7, 80 units here
		{"ça", []int{2}},
		{strings.Repeat("a", 66) + "😜" + strings.Repeat("a", 66), []int{66, 67, 1}},
	} {
		info := redcloud.SegmentsUCS2(tc.text)
		var got []int
		var joined strings.Builder
		for _, p := range info.Parts {
			got = append(got, p.Units)
			joined.WriteString(p.Text)
		}
		if info.Encoding != redcloud.EncodingUCS2 || !slices.Equal(got, tc.units) || info.Segments != len(tc.units) || joined.String() != tc.text {
			t.Errorf("SegmentsUCS2(%q…) = %s %v (%d segments), want UCS-2 %v", prefix(tc.text), info.Encoding, got, info.Segments, tc.units)
		}
	}
}
