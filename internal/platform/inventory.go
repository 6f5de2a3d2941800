package platform

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckNANP validates a number for the inventory, which holds only +1
// (NANP) numbers because search works on their area code and exchange. It
// returns the area code (NPA) and exchange (NXX), or what is wrong: a
// sentence that names the number.
func CheckNANP(e164 string) (npa, nxx, problem string) {
	switch {
	case !ValidE164(e164):
		return "", "", fmt.Sprintf("%q is not an E.164 number ('+', then 7-15 digits, e.g. +15125550100)", e164)
	case !strings.HasPrefix(e164, "+1"):
		return "", "", fmt.Sprintf("%s is not a +1 (NANP) number: the number inventory holds only +1 numbers (search works on their area code and exchange)", e164)
	case len(e164) != 12:
		return "", "", fmt.Sprintf("%s: a +1 number has exactly 10 digits after +1", e164)
	case !areaCode(e164[2:5]):
		return "", "", fmt.Sprintf("%s: area code (NPA) %s must start with 2-9", e164, e164[2:5])
	case !areaCode(e164[5:8]):
		return "", "", fmt.Sprintf("%s: exchange (NXX) %s must start with 2-9", e164, e164[5:8])
	}
	return e164[2:5], e164[5:8], ""
}

// Location is where an inventory number is, as number search matches it.
type Location struct {
	City, State, ZipCode, RateCenter string
}

// Check trims the location, upper-cases the state and returns it with what
// is wrong (nil when valid): the rules of number search (a two-letter state,
// a five-digit ZIP code, at most 100 characters of city and rate center).
// With required, every field must be present: the inventory CSV requires
// them, while a number added alone without them is just not found by search.
func (l Location) Check(required bool) (Location, *Error) {
	l.City, l.State = strings.TrimSpace(l.City), strings.ToUpper(strings.TrimSpace(l.State))
	l.ZipCode, l.RateCenter = strings.TrimSpace(l.ZipCode), strings.TrimSpace(l.RateCenter)
	if required {
		for _, f := range []struct{ field, column, v string }{
			{"city", "city", l.City}, {"state", "state", l.State}, {"zipCode", "zip_code", l.ZipCode}, {"rateCenter", "rate_center", l.RateCenter},
		} {
			if f.v == "" {
				return l, Invalid(f.field, f.column+" is required")
			}
		}
	}
	switch {
	case l.State != "" && !letters(l.State, 2):
		return l, Invalid("state", fmt.Sprintf("state %q must be two letters", l.State))
	case l.ZipCode != "" && !digits(l.ZipCode, 5):
		return l, Invalid("zipCode", fmt.Sprintf("zip code %q must be five digits", l.ZipCode))
	case utf8.RuneCountInString(l.City) > 100:
		return l, Invalid("city", "city must be at most 100 characters")
	case utf8.RuneCountInString(l.RateCenter) > 100:
		return l, Invalid("rateCenter", "rate center must be at most 100 characters")
	}
	return l, nil
}

// ValidCampaignRegID reports whether an operator may set s as a number's
// campaignRegId: 1–64 characters without surrounding spaces.
func ValidCampaignRegID(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= 64 && strings.TrimSpace(s) == s
}
