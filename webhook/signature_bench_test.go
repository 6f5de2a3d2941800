package webhook_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

// benchEventBody is a lifecycle event body of typical size.
var benchEventBody = []byte(`{"eventId":"evt_01jq3m8x2k9n4p5r6s7t8v9w0x","type":"message.delivery","createdAt":"2026-01-02T03:04:05.678Z",` +
	`"apiClientId":"rc_test_client_123","sequence":3,"terminal":true,"messageId":"msg_01jq3m8x2k9n4p5r6s7t8v9w0y",` +
	`"externalReference":"order_789","numberId":"num_abc123","from":"+15551234567","to":"+15557654321","messageType":"SMS",` +
	`"status":"DELIVERED","providerMessageRef":"sbx_01jq3m8x2k9n4p5r6s7t8v9w0z","failure":null}`)

const benchSecret = "whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"

// BenchmarkSign measures signing one delivery (HMAC-SHA256, hex).
func BenchmarkSign(b *testing.B) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchEventBody)))
	for b.Loop() {
		if sig := webhook.Sign(benchSecret, ts, benchEventBody); len(sig) != 64 {
			b.Fatal(sig)
		}
	}
}

// BenchmarkVerify measures verifying one delivery with one secret, and with
// two during a rotation where the matching one is second.
func BenchmarkVerify(b *testing.B) {
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := webhook.Sign(benchSecret, ts, benchEventBody)
	for _, tc := range []struct {
		name    string
		secrets []string
	}{
		{"secrets=1", []string{benchSecret}},
		{"secrets=2", []string{"whsec_retired_retired_retired_retired_retired_re", benchSecret}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchEventBody)))
			for b.Loop() {
				if err := webhook.Verify(tc.secrets, ts, sig, benchEventBody, now, 5*time.Minute); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
