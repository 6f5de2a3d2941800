package operator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, one
// lane), about 30 ms on this project's 2-core machine. A hash records its
// own parameters, so raising them later keeps old hashes working.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length limits: long enough to resist guessing, bounded so that a
// login cannot make the server hash megabytes.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// checkPassword reports what is wrong with a password an operator chose.
func checkPassword(p string) error {
	if len(p) < MinPasswordLength || len(p) > MaxPasswordLength {
		return invalid("password", "password must be %d-%d characters", MinPasswordLength, MaxPasswordLength)
	}
	return nil
}

// NewPassword returns a random password: 24 characters of base64url, 144
// bits.
func NewPassword() string {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashPassword returns the argon2id hash of p in PHC string form:
// $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func hashPassword(p string) string {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	key := argon2.IDKey([]byte(p), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// passwordMatches reports whether p hashes to hash (as hashPassword wrote
// it, with its own parameters), comparing in constant time. A malformed
// hash matches nothing.
func passwordMatches(p, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &threads); err != nil ||
		m < 8 || m > 1<<21 || t < 1 || t > 16 || threads < 1 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) < 16 || len(key) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(p), salt, t, m, threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// dummyHash is compared against when the email is unknown, so that a
// login takes as long whether or not the operator exists. Made on first
// use: every command of the binary imports this package.
var dummyHash = sync.OnceValue(func() string { return hashPassword(NewPassword()) })
