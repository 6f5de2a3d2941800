package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/webhook"
)

const (
	vectorSecret    = "whsec_test"
	vectorTimestamp = "1795676665" // 2026-11-26T07:04:25Z
	vectorBody      = `{"eventId":"evt_1"}`
	// vectorSignature was computed outside Go:
	//   printf '%s' '1795676665.{"eventId":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test
	vectorSignature = "07e4f11990b23e9e5c6a13a129540521ecf17931340d04d6d83f063122cdabf4"
)

func TestSignKnownVector(t *testing.T) {
	got := webhook.Sign(vectorSecret, vectorTimestamp, []byte(vectorBody))
	if got != vectorSignature {
		t.Fatalf("Sign = %s, want %s", got, vectorSignature)
	}

	// The same value, computed with crypto/hmac directly.
	m := hmac.New(sha256.New, []byte(vectorSecret))
	m.Write([]byte(vectorTimestamp + "." + vectorBody))
	if want := hex.EncodeToString(m.Sum(nil)); got != want {
		t.Fatalf("Sign = %s, crypto/hmac gives %s", got, want)
	}
}

func TestSignUsesFullSecretString(t *testing.T) {
	// The key is the whole "whsec_…" string, not a decoding of its suffix.
	a := webhook.Sign("whsec_abc", "1", []byte("x"))
	b := webhook.Sign("abc", "1", []byte("x"))
	if a == b {
		t.Fatal("signatures with and without the whsec_ prefix are equal")
	}
}

func TestSignatureHeaders(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 4, 25, 999_000_000, time.FixedZone("CET", 3600)) // 07:04:25.999Z
	ts, sig := webhook.SignatureHeaders(vectorSecret, now, []byte(vectorBody))
	if ts != vectorTimestamp {
		t.Errorf("timestamp = %q, want %q", ts, vectorTimestamp)
	}
	if sig != vectorSignature {
		t.Errorf("signature = %q, want %q", sig, vectorSignature)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(vectorBody)
	signedAt := time.Unix(1795676665, 0)
	sign := func(secret string, at time.Time) (string, string) {
		return webhook.SignatureHeaders(secret, at, body)
	}
	goodTS, goodSig := sign(vectorSecret, signedAt)
	oldTS, oldSig := sign(vectorSecret, signedAt.Add(-301*time.Second))
	futureTS, futureSig := sign(vectorSecret, signedAt.Add(301*time.Second))
	edgeTS, edgeSig := sign(vectorSecret, signedAt.Add(-300*time.Second))

	tests := []struct {
		name      string
		secrets   []string
		timestamp string
		signature string
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{name: "good", secrets: []string{vectorSecret}, timestamp: goodTS, signature: goodSig},
		{name: "good, clock a little ahead", secrets: []string{vectorSecret}, timestamp: goodTS, signature: goodSig, now: signedAt.Add(299 * time.Second)},
		{name: "good, at the tolerance edge", secrets: []string{vectorSecret}, timestamp: edgeTS, signature: edgeSig},
		{name: "good, custom tolerance", secrets: []string{vectorSecret}, timestamp: oldTS, signature: oldSig, tolerance: time.Hour},
		{name: "wrong secret", secrets: []string{"whsec_other"}, timestamp: goodTS, signature: goodSig, want: webhook.ErrSignatureMismatch},
		{name: "second secret of a list matches", secrets: []string{"whsec_next", vectorSecret}, timestamp: goodTS, signature: goodSig},
		{name: "first secret of a list matches", secrets: []string{vectorSecret, "whsec_next"}, timestamp: goodTS, signature: goodSig},
		{name: "empty secrets in list are ignored", secrets: []string{"", vectorSecret}, timestamp: goodTS, signature: goodSig},
		{name: "timestamp too old", secrets: []string{vectorSecret}, timestamp: oldTS, signature: oldSig, want: webhook.ErrTimestampOutOfTolerance},
		{name: "timestamp too far in the future", secrets: []string{vectorSecret}, timestamp: futureTS, signature: futureSig, want: webhook.ErrTimestampOutOfTolerance},
		{name: "custom tolerance too small", secrets: []string{vectorSecret}, timestamp: goodTS, signature: goodSig, now: signedAt.Add(11 * time.Second), tolerance: 10 * time.Second, want: webhook.ErrTimestampOutOfTolerance},
		{name: "bad timestamp", secrets: []string{vectorSecret}, timestamp: "yesterday", signature: goodSig, want: webhook.ErrInvalidTimestamp},
		{name: "signed timestamp", secrets: []string{vectorSecret}, timestamp: "+" + goodTS, signature: goodSig, want: webhook.ErrInvalidTimestamp},
		{name: "fractional timestamp", secrets: []string{vectorSecret}, timestamp: goodTS + ".5", signature: goodSig, want: webhook.ErrInvalidTimestamp},
		{name: "overflowing timestamp", secrets: []string{vectorSecret}, timestamp: "99999999999999999999999", signature: goodSig, want: webhook.ErrInvalidTimestamp},
		{name: "missing signature", secrets: []string{vectorSecret}, timestamp: goodTS, signature: "", want: webhook.ErrMissingSignature},
		{name: "missing timestamp", secrets: []string{vectorSecret}, timestamp: "", signature: goodSig, want: webhook.ErrMissingSignature},
		{name: "tampered body", secrets: []string{vectorSecret}, timestamp: goodTS, signature: goodSig, body: []byte(`{"eventId":"evt_2"}`), want: webhook.ErrSignatureMismatch},
		{name: "re-encoded body", secrets: []string{vectorSecret}, timestamp: goodTS, signature: goodSig, body: []byte(`{"eventId": "evt_1"}`), want: webhook.ErrSignatureMismatch},
		{name: "timestamp swapped", secrets: []string{vectorSecret}, timestamp: "1795676666", signature: goodSig, want: webhook.ErrSignatureMismatch},
		{name: "upper-case signature", secrets: []string{vectorSecret}, timestamp: goodTS, signature: strings.ToUpper(goodSig), want: webhook.ErrSignatureMismatch},
		{name: "short signature", secrets: []string{vectorSecret}, timestamp: goodTS, signature: goodSig[:62], want: webhook.ErrSignatureMismatch},
		{name: "not hex", secrets: []string{vectorSecret}, timestamp: goodTS, signature: strings.Repeat("z", 64), want: webhook.ErrSignatureMismatch},
		{name: "prefixed signature", secrets: []string{vectorSecret}, timestamp: goodTS, signature: "v1=" + goodSig, want: webhook.ErrSignatureMismatch},
		{name: "old timestamp and wrong secret is a mismatch", secrets: []string{"whsec_other"}, timestamp: oldTS, signature: oldSig, want: webhook.ErrSignatureMismatch},
		{name: "empty secrets", secrets: nil, timestamp: goodTS, signature: goodSig, want: webhook.ErrNoSecrets},
		{name: "only empty secrets", secrets: []string{""}, timestamp: goodTS, signature: goodSig, want: webhook.ErrNoSecrets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = signedAt
			}
			b := tt.body
			if b == nil {
				b = body
			}
			err := webhook.Verify(tt.secrets, tt.timestamp, tt.signature, b, now, tt.tolerance)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyErrorsAreDistinct(t *testing.T) {
	errs := []error{
		webhook.ErrNoSecrets, webhook.ErrMissingSignature, webhook.ErrInvalidTimestamp,
		webhook.ErrTimestampOutOfTolerance, webhook.ErrSignatureMismatch,
		webhook.ErrBodyTooLarge, webhook.ErrInvalidEvent,
	}
	for i, a := range errs {
		for j, b := range errs {
			if i != j && errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = true", a, b)
			}
		}
	}
}
