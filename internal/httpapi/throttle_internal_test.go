package httpapi

import (
	"net/http"
	"testing"
)

// TestThrottleAddr: IPv6 peers share the key of their /64, so an attacker
// cannot walk through the addresses of one allocation; IPv4 peers (mapped
// or not) are keyed alone.
func TestThrottleAddr(t *testing.T) {
	for _, tt := range []struct{ remote, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:5555", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:5555", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:5555", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:5555", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:5555", "fe80::/64"},
		{"not-an-address", "not-an-address"},
	} {
		r := &http.Request{RemoteAddr: tt.remote}
		if got := throttleAddr(r); got != tt.want {
			t.Errorf("throttleAddr(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}
