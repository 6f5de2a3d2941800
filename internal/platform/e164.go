package platform

// ValidE164 reports whether s matches ^\+[1-9][0-9]{6,14}$. Hand-written
// because it runs per recipient on the send path.
func ValidE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidNumberID reports whether s looks like a numberId: "num_" followed by
// 1–64 letters, digits, '_' or '-'.
func ValidNumberID(s string) bool {
	if len(s) <= len(PrefixNumber) || len(s) > len(PrefixNumber)+64 || s[:len(PrefixNumber)] != PrefixNumber {
		return false
	}
	for _, c := range []byte(s[len(PrefixNumber):]) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
