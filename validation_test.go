package redcloud_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

func TestValidIdempotencyKey(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"one char", "a", true},
		{"255 chars", strings.Repeat("k", 255), true},
		{"documented example", "idem_order_789", true},
		{"every visible ASCII char", visibleASCII(), true},
		{"empty", "", false},
		{"256 chars", strings.Repeat("k", 256), false},
		{"space", "idem order", false},
		{"tab", "idem\torder", false},
		{"newline", "idem\n", false},
		{"NUL", "idem\x00", false},
		{"DEL", "idem\x7f", false},
		{"non-ASCII", "idém", false},
		{"emoji", "key-😀", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redcloud.ValidIdempotencyKey(tt.in); got != tt.want {
				t.Errorf("ValidIdempotencyKey(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func visibleASCII() string {
	var b strings.Builder
	for c := byte(0x21); c <= 0x7e; c++ {
		b.WriteByte(c)
	}
	return b.String()
}
