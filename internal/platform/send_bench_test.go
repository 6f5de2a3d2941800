package platform_test

import (
	"fmt"
	"testing"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// benchSendBody returns a send body to n recipients, as a client sends it.
func benchSendBody(n int) []byte {
	to := ""
	for i := range n {
		if i > 0 {
			to += ","
		}
		to += fmt.Sprintf(`"+1555%07d"`, i)
	}
	return []byte(`{"sendFrom":"num_abc123","to":[` + to + `],"messageType":"SMS","text":"Your order 789 has shipped","externalReference":"order_789"}`)
}

// BenchmarkFingerprint measures the payload fingerprint of a send: the
// canonical JSON and its SHA-256, taken on every send and every replay.
func BenchmarkFingerprint(b *testing.B) {
	for _, n := range []int{1, 10} {
		in, perr := platform.DecodeSend(benchSendBody(n), false)
		if perr != nil {
			b.Fatal(perr)
		}
		b.Run(fmt.Sprintf("to=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if fp := platform.Fingerprint(in.Canonical()); len(fp) != len("sha256:")+64 {
					b.Fatal(fp)
				}
			}
		})
	}
}

// BenchmarkDecodeSend measures decoding and shape-checking a send body.
func BenchmarkDecodeSend(b *testing.B) {
	for _, n := range []int{1, 10} {
		body := benchSendBody(n)
		b.Run(fmt.Sprintf("to=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, perr := platform.DecodeSend(body, false); perr != nil {
					b.Fatal(perr)
				}
			}
		})
	}
}
