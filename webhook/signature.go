package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock, in either direction, when no other tolerance is given.
const DefaultTolerance = 300 * time.Second

// Sign returns the signature of body for timestamp: the lower-case hex of
// HMAC-SHA256 keyed with secret (the full "whsec_…" string, used as given)
// over timestamp + "." + body. timestamp is unix seconds in decimal.
func Sign(secret, timestamp string, body []byte) string {
	return hex.EncodeToString(mac(secret, timestamp, body))
}

// SignatureHeaders returns the values of HeaderTimestamp and HeaderSignature
// for a request signed with secret at now.
func SignatureHeaders(secret string, now time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(now.Unix(), 10)
	return timestamp, Sign(secret, timestamp, body)
}

// Verify checks that signature is a valid signature of body at timestamp
// under any of secrets, and that timestamp is within tolerance of now in
// either direction. A tolerance <= 0 means DefaultTolerance. body must be the
// raw request body exactly as received, never re-encoded JSON.
//
// Every non-empty secret is tried (empty ones are ignored), so a receiver can
// accept both the current and the next secret during a rotation. Signatures
// are compared in constant time. Only a 64-character lower-case hex
// signature, as Red Cloud sends, is accepted; anything else, upper-case hex
// included, is ErrSignatureMismatch.
//
// The errors wrap ErrNoSecrets, ErrMissingSignature, ErrInvalidTimestamp,
// ErrSignatureMismatch or ErrTimestampOutOfTolerance, checked in that order:
// ErrTimestampOutOfTolerance is only returned for a correctly signed
// request, which makes clock skew easy to tell apart from a wrong secret.
func Verify(secrets []string, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	usable := false
	for _, s := range secrets {
		if s != "" {
			usable = true
			break
		}
	}
	if !usable {
		return ErrNoSecrets
	}
	if signature == "" || timestamp == "" {
		return ErrMissingSignature
	}
	ts, err := parseTimestamp(timestamp)
	if err != nil {
		return err
	}
	got, ok := decodeSignature(signature)
	if !ok {
		return ErrSignatureMismatch
	}
	matched := false
	for _, s := range secrets {
		if s == "" {
			continue
		}
		// No early exit: every secret costs the same work.
		if hmac.Equal(got, mac(s, timestamp, body)) {
			matched = true
		}
	}
	if !matched {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	skew := now.Sub(time.Unix(ts, 0))
	if skew > tolerance {
		return fmt.Errorf("%w: timestamp is %s old (tolerance %s)", ErrTimestampOutOfTolerance, skew.Truncate(time.Second), tolerance)
	}
	if skew < -tolerance {
		return fmt.Errorf("%w: timestamp is %s in the future (tolerance %s)", ErrTimestampOutOfTolerance, (-skew).Truncate(time.Second), tolerance)
	}
	return nil
}

func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// parseTimestamp accepts only ASCII decimal digits: no sign, no spaces.
func parseTimestamp(s string) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %q is not unix seconds", ErrInvalidTimestamp, truncate(s, 32))
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is out of range", ErrInvalidTimestamp, truncate(s, 32))
	}
	return n, nil
}

// decodeSignature accepts exactly sha256.Size*2 lower-case hex digits.
func decodeSignature(s string) ([]byte, bool) {
	if len(s) != sha256.Size*2 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil, false
		}
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
