package platform_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestCheckNANP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e164, npa, nxx, problem string
	}{
		{"+15125550100", "512", "555", ""},
		{"+12065550100", "206", "555", ""},
		{"5125550100", "", "", `"5125550100" is not an E.164 number ('+', then 7-15 digits, e.g. +15125550100)`},
		{"+1512555abcd", "", "", "is not an E.164 number"},
		{"", "", "", "is not an E.164 number"},
		{"+442071838750", "", "", "+442071838750 is not a +1 (NANP) number: the number inventory holds only +1 numbers"},
		{"+151255501", "", "", "+151255501: a +1 number has exactly 10 digits after +1"},
		{"+1512555010012", "", "", "exactly 10 digits"},
		{"+11125550100", "", "", "+11125550100: area code (NPA) 112 must start with 2-9"},
		{"+10125550100", "", "", "area code (NPA) 012"},
		{"+15121550100", "", "", "+15121550100: exchange (NXX) 155 must start with 2-9"},
	} {
		npa, nxx, problem := platform.CheckNANP(tc.e164)
		if npa != tc.npa || nxx != tc.nxx || !strings.Contains(problem, tc.problem) || (tc.problem == "") != (problem == "") {
			t.Errorf("CheckNANP(%q) = %q, %q, %q; want %q, %q, %q", tc.e164, npa, nxx, problem, tc.npa, tc.nxx, tc.problem)
		}
	}
}

func TestLocationCheck(t *testing.T) {
	t.Parallel()
	full := platform.Location{City: " Austin ", State: " tx", ZipCode: "78701 ", RateCenter: " AUSTIN"}
	for _, tc := range []struct {
		name       string
		loc        platform.Location
		required   bool
		want       platform.Location
		field, msg string // "" when valid
	}{
		{"full", full, true, platform.Location{City: "Austin", State: "TX", ZipCode: "78701", RateCenter: "AUSTIN"}, "", ""},
		{"empty, optional", platform.Location{}, false, platform.Location{}, "", ""},
		{"no city", platform.Location{State: "TX", ZipCode: "78701", RateCenter: "A"}, true, platform.Location{}, "city", "city is required"},
		{"no zip", platform.Location{City: "A", State: "TX", RateCenter: "A"}, true, platform.Location{}, "zipCode", "zip_code is required"},
		{"no rate center", platform.Location{City: "A", State: "TX", ZipCode: "78701"}, true, platform.Location{}, "rateCenter", "rate_center is required"},
		{"state", platform.Location{State: "Texas"}, false, platform.Location{}, "state", `state "TEXAS" must be two letters`},
		{"state with a digit", platform.Location{State: "T1"}, false, platform.Location{}, "state", `state "T1" must be two letters`},
		{"zip", platform.Location{ZipCode: "7870"}, false, platform.Location{}, "zipCode", `zip code "7870" must be five digits`},
		{"zip letters", platform.Location{ZipCode: "7870a"}, false, platform.Location{}, "zipCode", `zip code "7870a" must be five digits`},
		{"city", platform.Location{City: strings.Repeat("é", 101)}, false, platform.Location{}, "city", "city must be at most 100 characters"},
		{"rate center", platform.Location{RateCenter: strings.Repeat("a", 101)}, false, platform.Location{}, "rateCenter", "rate center must be at most 100 characters"},
	} {
		got, err := tc.loc.Check(tc.required)
		if tc.msg == "" {
			if err != nil || got != tc.want {
				t.Errorf("%s: Check = %+v, %v; want %+v", tc.name, got, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: Check = nil error, want %q", tc.name, tc.msg)
			continue
		}
		wantErr(t, err, tc.msg, tc.field)
	}
}

func TestValidCampaignRegID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"C7X9Q2", true},
		{"a b", true},
		{strings.Repeat("é", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{" C1", false},
		{"C1\n", false},
	} {
		if got := platform.ValidCampaignRegID(tc.id); got != tc.want {
			t.Errorf("ValidCampaignRegID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestValidDeliveryState(t *testing.T) {
	t.Parallel()
	for _, s := range platform.DeliveryStates {
		if !platform.ValidDeliveryState(s) {
			t.Errorf("ValidDeliveryState(%q) = false", s)
		}
	}
	for _, s := range []string{"", "failed", "QUEUED"} {
		if platform.ValidDeliveryState(s) {
			t.Errorf("ValidDeliveryState(%q) = true", s)
		}
	}
}
