package platform

import (
	"fmt"
	"strings"
)

// ValidClientID reports whether s can be an API client id: 3–64 characters
// of a-z, 0-9 and '_', because it travels as an OAuth client_id (generated
// ids are rc_ and a lower-case ULID).
func ValidClientID(s string) bool {
	return len(s) >= 3 && len(s) <= 64 && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	})
}

// ParseCapabilities returns the capabilities named, in display order and
// without duplicates, and what is wrong ("" when valid): an unknown name, or
// no name at all. Names are trimmed; blank names are skipped.
func ParseCapabilities(names []string) (caps []string, problem string) {
	valid := strings.Join(AllCapabilities, ", ")
	seen := map[string]bool{}
	for _, c := range names {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !ValidCapability(c) {
			return nil, fmt.Sprintf("unknown capability %q; valid capabilities: %s", c, valid)
		}
		seen[c] = true
	}
	if len(seen) == 0 {
		return nil, "no capability named; valid capabilities: " + valid
	}
	for _, c := range AllCapabilities {
		if seen[c] {
			caps = append(caps, c)
		}
	}
	return caps, ""
}
