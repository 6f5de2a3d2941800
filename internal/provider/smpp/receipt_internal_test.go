package smpp

import (
	"slices"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// TestParseReceipt: the standard text and the vendor variants seen in the
// wild.
func TestParseReceipt(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       receiptFields
	}{
		{"standard", "id:2712797184 sub:001 dlvrd:001 submit date:2612051200 done date:2612051201 stat:DELIVRD err:000 text:hello",
			receiptFields{ID: "2712797184", Sub: "001", Dlvrd: "001", SubmitDate: "2612051200", DoneDate: "2612051201", Stat: "DELIVRD", Err: "000", Text: "hello"}},
		{"capitalised keys", "ID:a1b2 SUB:001 DLVRD:000 SUBMIT DATE:2612051200 DONE DATE:2612051201 STAT:UNDELIV ERR:034 TEXT:Hi",
			receiptFields{ID: "a1b2", Sub: "001", Dlvrd: "000", SubmitDate: "2612051200", DoneDate: "2612051201", Stat: "UNDELIV", Err: "034", Text: "Hi"}},
		{"missing fields", "id:77 stat:EXPIRED", receiptFields{ID: "77", Stat: "EXPIRED"}},
		{"text quotes stat", "id:9 sub:001 dlvrd:000 submit date:2612051200 done date:2612051201 stat:UNDELIV err:001 text:stat:DELIVRD id:1",
			receiptFields{ID: "9", Sub: "001", Dlvrd: "000", SubmitDate: "2612051200", DoneDate: "2612051201", Stat: "UNDELIV", Err: "001", Text: "stat:DELIVRD id:1"}},
		{"space after colon, reordered", "stat: REJECTD id: 0A1B err: 002", receiptFields{ID: "0A1B", Stat: "REJECTD", Err: "002"}},
		{"trailing NUL and CRLF", "id:5 stat:DELIVRD err:000\x00", receiptFields{ID: "5", Stat: "DELIVRD", Err: "000"}},
		{"key inside another word is not a key", "msgid:1 id:2 stat:DELIVRD", receiptFields{ID: "2", Stat: "DELIVRD"}},
		{"empty", "", receiptFields{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseReceipt(tc.text); got != tc.want {
				t.Errorf("parseReceipt(%q) =\n%+v\nwant\n%+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestNormalizeID(t *testing.T) {
	for in, want := range map[string]string{
		"A1B20000":       "a1b20000",
		"0A1B":           "a1b",
		"000":            "0",
		" 12345\x00\x00": "12345",
		"Ab-Cd-01":       "ab-cd-01",
		"":               "",
		"\x00":           "",
		"007":            "7",
	} {
		if got := normalizeID(in); got != want {
			t.Errorf("normalizeID(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReceiptIDs: the readings of a receipt id each --dlr-id-format tries,
// most likely first.
func TestReceiptIDs(t *testing.T) {
	for _, tc := range []struct {
		raw, format string
		want        []string
	}{
		{"2712797184", "dec", []string{"2712797184", "a1b20000"}},
		{"2712797184", "hex", []string{"2712797184", "167813673348"}},
		{"2712797184", "auto", []string{"2712797184", "a1b20000", "167813673348"}},
		{"A1B20000", "hex", []string{"a1b20000", "2712797184"}},
		{"A1B20000", "dec", []string{"a1b20000"}},
		{"a1b20000", "auto", []string{"a1b20000", "2712797184"}},
		{"00000a1b20000", "auto", []string{"a1b20000", "2712797184"}},
		{"msg-1", "auto", []string{"msg-1"}},
		{"99999999999999999999999", "auto", []string{"99999999999999999999999"}}, // too big for either reading
		{"\x00 ", "auto", nil},
	} {
		if got := receiptIDs(tc.raw, tc.format); !slices.Equal(got, tc.want) {
			t.Errorf("receiptIDs(%q, %s) = %q, want %q", tc.raw, tc.format, got, tc.want)
		}
	}
}

// TestStatRules: the stat mapping of the issue.
func TestStatRules(t *testing.T) {
	for stat, want := range map[string]statRule{
		"DELIVRD": {platform.PartDelivered, ""},
		"delivrd": {platform.PartDelivered, ""},
		"UNDELIV": {platform.PartFailed, redcloud.FailureUndeliverable},
		"UNKNOWN": {platform.PartFailed, redcloud.FailureUndeliverable},
		"REJECTD": {platform.PartFailed, redcloud.FailureCarrierRejected},
		"DELETED": {platform.PartFailed, redcloud.FailureCarrierRejected},
		"EXPIRED": {platform.PartFailed, redcloud.FailureExpired},
		"ENROUTE": {platform.PartSubmitted, ""},
		"ACCEPTD": {platform.PartSubmitted, ""},
	} {
		got, known := statOf(stat)
		if !known || got != want {
			t.Errorf("statOf(%s) = %+v (known %v), want %+v", stat, got, known, want)
		}
	}
	if got, known := statOf("WHATEVER"); known || got.status != platform.PartSubmitted {
		t.Errorf("unknown stat = %+v known %v, want not final", got, known)
	}
	if c := rawCode("UNDELIV", "001"); c != "stat:UNDELIV err:001" || statOfCode(c) != "UNDELIV" {
		t.Errorf("rawCode = %q, stat back %q", c, statOfCode(c))
	}
	if c := rawCode("DELIVRD", ""); c != "stat:DELIVRD" || statOfCode(c) != "DELIVRD" {
		t.Errorf("rawCode without err = %q", c)
	}
}
