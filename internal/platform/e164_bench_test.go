package platform_test

import (
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// BenchmarkValidE164 measures the E.164 check, run once per recipient.
func BenchmarkValidE164(b *testing.B) {
	for _, tc := range []struct{ name, s string }{
		{"valid", "+15551234567"},
		{"invalid", "+1555123456x"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			want := tc.name == "valid"
			for b.Loop() {
				if platform.ValidE164(tc.s) != want {
					b.Fatal(tc.s)
				}
			}
		})
	}
}
