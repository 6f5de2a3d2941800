package platform

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"

	"github.com/oklog/ulid/v2"
)

// ID prefixes.
const (
	PrefixMessage = "msg_"
	PrefixEvent   = "evt_"
	PrefixRequest = "req_"
	PrefixAccount = "acct_"
	PrefixNumber  = "num_"
	PrefixClient  = "rc_"
)

// idEntropy draws ULID randomness from crypto/rand (ulid.Make's default
// source is math/rand seeded with the clock, so ids could be predicted),
// monotonic within a millisecond so that ids sort by creation.
var idEntropy = struct {
	sync.Mutex
	*ulid.MonotonicEntropy
}{MonotonicEntropy: ulid.Monotonic(rand.Reader, 0)}

// NewID returns prefix + a lower-case ULID.
func NewID(prefix string) string {
	idEntropy.Lock()
	id := ulid.MustNew(ulid.Now(), idEntropy.MonotonicEntropy)
	idEntropy.Unlock()
	return prefix + strings.ToLower(id.String())
}

// Secret prefixes.
const (
	PrefixToken         = "rc_at_"
	PrefixClientSecret  = "rc_sk_"
	PrefixWebhookSecret = "whsec_"
)

// NewSecret returns prefix + base64url (no padding) of 32 random bytes.
func NewSecret(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on Linux
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret returns the hex SHA-256 of a secret or token; only hashes are
// stored. The inputs are 256-bit random values, so a fast hash is enough.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	var b [2 * sha256.Size]byte // EncodeToString would allocate it too
	hex.Encode(b[:], sum[:])
	return string(b[:])
}

// SecretMatches reports, in constant time, whether secret hashes to hash.
func SecretMatches(secret, hash string) bool {
	h := HashSecret(secret)
	return subtle.ConstantTimeCompare([]byte(h), []byte(hash)) == 1
}
