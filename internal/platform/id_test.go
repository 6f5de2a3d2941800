package platform_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// A lower-case ULID: 26 characters of Crockford's base32 (no i, l, o, u).
var (
	ulidRE = `[0-9a-hjkmnp-tv-z]{26}`
	msgID  = regexp.MustCompile(`^msg_` + ulidRE + `$`)
	evtID  = regexp.MustCompile(`^evt_` + ulidRE + `$`)
)

func TestNewID(t *testing.T) {
	for _, prefix := range []string{platform.PrefixMessage, platform.PrefixEvent, platform.PrefixRequest, "dlv_"} {
		re := regexp.MustCompile(`^` + prefix + ulidRE + `$`)
		seen := map[string]bool{}
		prev := ""
		for range 1000 {
			id := platform.NewID(prefix)
			if !re.MatchString(id) {
				t.Fatalf("NewID(%q) = %q, want %s + lower-case ULID", prefix, id, prefix)
			}
			if seen[id] {
				t.Fatalf("NewID(%q) repeated %q", prefix, id)
			}
			if id <= prev {
				t.Fatalf("NewID(%q) = %q after %q: not increasing", prefix, id, prev)
			}
			seen[id], prev = true, id
		}
	}
}

func TestNewSecret(t *testing.T) {
	for _, prefix := range []string{platform.PrefixToken, platform.PrefixClientSecret, platform.PrefixWebhookSecret} {
		re := regexp.MustCompile(`^` + prefix + `[A-Za-z0-9_-]{43}$`)
		seen := map[string]bool{}
		for range 100 {
			s := platform.NewSecret(prefix)
			if !re.MatchString(s) {
				t.Fatalf("NewSecret(%q) = %q, want %s + 43 base64url characters", prefix, s, prefix)
			}
			if seen[s] {
				t.Fatalf("NewSecret(%q) repeated %q", prefix, s)
			}
			seen[s] = true
		}
	}
}

func TestHashSecret(t *testing.T) {
	// SHA-256 test vector (FIPS 180-2).
	if got, want := platform.HashSecret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashSecret(abc) = %s, want %s", got, want)
	}
	s := platform.NewSecret(platform.PrefixClientSecret)
	h := platform.HashSecret(s)
	if h != platform.HashSecret(s) {
		t.Error("HashSecret is not deterministic")
	}
	if strings.Contains(h, s) {
		t.Error("hash contains the secret")
	}
	tests := []struct {
		name   string
		secret string
		hash   string
		want   bool
	}{
		{"match", s, h, true},
		{"sandbox secret", redcloud.SandboxClientSecret, platform.HashSecret(redcloud.SandboxClientSecret), true},
		{"other secret", platform.NewSecret(platform.PrefixClientSecret), h, false},
		{"secret with a char less", s[:len(s)-1], h, false},
		{"empty secret", "", h, false},
		{"upper-case hash", s, strings.ToUpper(h), false},
		{"truncated hash", s, h[:63], false},
		{"empty hash", s, "", false},
		{"the secret as its own hash", s, s, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := platform.SecretMatches(tt.secret, tt.hash); got != tt.want {
				t.Errorf("SecretMatches = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNewIDEntropyIsCryptographic reads id.go: ids draw their randomness
// from crypto/rand, not from ulid.Make's clock-seeded math/rand.
func TestNewIDEntropyIsCryptographic(t *testing.T) {
	src, err := os.ReadFile("id.go")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	if strings.Contains(code, "ulid.Make()") || !strings.Contains(code, "ulid.Monotonic(rand.Reader") ||
		!strings.Contains(code, `"crypto/rand"`) {
		t.Error("NewID must draw ULID entropy from crypto/rand (ulid.Monotonic(rand.Reader, …)), not ulid.Make")
	}
}
