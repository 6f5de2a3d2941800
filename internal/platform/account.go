package platform

import (
	"strings"
	"unicode/utf8"

	"github.com/redcloud-core/redcloud"
)

// MaxNameLength is the longest display name of an account or API client,
// in characters.
const MaxNameLength = 200

// CheckName trims the display name of an account or API client and returns
// it with what is wrong with it ("" when valid), phrased to follow the
// field's name: "is required and must not be blank".
func CheckName(s string) (name, problem string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return s, "is required and must not be blank"
	case utf8.RuneCountInString(s) > MaxNameLength:
		return s, "must be at most 200 characters"
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return s, "must not contain control characters"
	}
	return s, ""
}

// ValidAccountID reports whether s can be an account id: "acct_" followed
// by 1–64 letters, digits, '_' or '-' (generated ids are a lower-case ULID).
func ValidAccountID(s string) bool { return validPrefixedID(PrefixAccount, s) }

// validPrefixedID reports whether s is prefix followed by 1–64 letters,
// digits, '_' or '-': the shape of account ids and numberIds.
func validPrefixedID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	return ok && rest != "" && len(rest) <= 64 && !strings.ContainsFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	})
}

// ParseEntityStatus reads the status of an account, API client or number:
// ACTIVE or SUSPENDED, in any case and with surrounding spaces ignored.
func ParseEntityStatus(s string) (string, bool) {
	switch v := strings.ToUpper(strings.TrimSpace(s)); v {
	case redcloud.StatusActive, redcloud.StatusSuspended:
		return v, true
	}
	return "", false
}
