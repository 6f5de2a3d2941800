package platform_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// e164 is the contract's regular expression (CONTRACT §5).
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func TestValidE164(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"canonical", "+15551234567", true},
		{"shortest, 8 chars", "+1234567", true},
		{"longest, 16 chars", "+123456789012345", true},
		{"too short, 7 chars", "+123456", false},
		{"too long, 17 chars", "+1234567890123456", false},
		{"leading +0", "+05551234567", false},
		{"missing +", "15551234567", false},
		{"missing + at max length", "1234567890123456", false},
		{"double +", "++15551234567", false},
		{"letters", "+1555123456a", false},
		{"letter after +", "+a5551234567", false},
		{"space inside", "+1555 1234567", false},
		{"leading space", " +15551234567", false},
		{"trailing space", "+15551234567 ", false},
		{"trailing newline", "+15551234567\n", false},
		{"dashes", "+1-555-123-4567", false},
		{"arabic-indic digits", "+١٥٥٥١٢٣٤٥٦٧", false},
		{"fullwidth digits", "+１５５５１２３４５６７", false},
		{"NUL byte", "+1555123\x004567", false},
		{"empty", "", false},
		{"plus only", "+", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := platform.ValidE164(tt.in); got != tt.want {
				t.Errorf("ValidE164(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if re := e164.MatchString(tt.in); re != tt.want {
				t.Errorf("the contract's regexp says %v for %q: the table is wrong", re, tt.in)
			}
		})
	}
}

func FuzzValidE164(f *testing.F) {
	for _, s := range []string{"+15551234567", "+1234567", "+123456789012345", "+1234567890123456",
		"+05551234567", "15551234567", "+1555 123456", "+١٥٥٥١٢٣٤٥٦٧", "", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := platform.ValidE164(s), e164.MatchString(s); got != want {
			t.Fatalf("ValidE164(%q) = %v, the contract's regexp says %v", s, got, want)
		}
	})
}

func TestValidNumberID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"documented example", "num_abc123", true},
		{"one char after prefix", "num_a", true},
		{"64 chars after prefix", "num_" + strings.Repeat("a", 64), true},
		{"letters digits _ -", "num_AZaz09_-", true},
		{"e164-derived inventory id", "num_15125550100", true},
		{"prefix only", "num_", false},
		{"65 chars after prefix", "num_" + strings.Repeat("a", 65), false},
		{"wrong prefix", "nm_abc123", false},
		{"upper-case prefix", "NUM_abc123", false},
		{"E.164", "+15551234567", false},
		{"space", "num_abc 123", false},
		{"dot", "num_abc.123", false},
		{"slash", "num_abc/123", false},
		{"non-ASCII", "num_abcé", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := platform.ValidNumberID(tt.in); got != tt.want {
				t.Errorf("ValidNumberID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
