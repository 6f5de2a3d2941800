package pipeline

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrBlockedAddress is returned when a webhook URL resolves to an address
// deliveries may not reach outside sandbox mode.
var ErrBlockedAddress = errors.New("webhook address not allowed")

// blockedPrefixes are loopback, private, link-local (cloud metadata lives
// at 169.254.169.254 and fd00:ec2::254), shared, unspecified and multicast
// ranges.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64 (RFC 8215): the network's own translator
	netip.MustParsePrefix("ff00::/8"),
}

// embedding are IPv6 ranges whose addresses carry an IPv4 address that a
// translator or tunnel on the path delivers to (NAT64 well-known prefix,
// IPv4-compatible, IPv4-translated, 6to4), with the offset of the IPv4
// bytes: such an address is allowed only if its IPv4 address is, or
// 64:ff9b::a00:1 would reach 10.0.0.1 through a NAT64 gateway.
var embedding = []struct {
	prefix netip.Prefix
	at     int
}{
	{netip.MustParsePrefix("64:ff9b::/96"), 12},
	{netip.MustParsePrefix("::/96"), 12},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), 12},
	{netip.MustParsePrefix("2002::/16"), 2},
}

// AllowedAddress reports whether a webhook may be delivered to ip outside
// sandbox mode. An address with an IPv6 zone (fe80::1%eth0, ::1%lo) is
// refused whatever its prefix: netip.Prefix.Contains is false for every
// zoned address, so the prefix checks below would let it through.
func AllowedAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	for _, e := range embedding {
		if e.prefix.Contains(ip) {
			b := ip.As16()
			return AllowedAddress(netip.AddrFrom4([4]byte(b[e.at : e.at+4])))
		}
	}
	return true
}

// guardControl checks the resolved address right before connecting, so a
// DNS answer cannot smuggle a private address past a check made earlier.
func guardControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
	}
	if !AllowedAddress(ap.Addr()) {
		return fmt.Errorf("%w: %s is loopback, private, link-local or metadata", ErrBlockedAddress, ap.Addr())
	}
	return nil
}

// connectTimeout bounds the TCP connect of a webhook attempt.
const connectTimeout = 3 * time.Second

// MaxResponseHeaderBytes bounds the response headers of a webhook receiver.
const MaxResponseHeaderBytes = 32 << 10

// NewWebhookClient returns the HTTP client of the dispatcher: the address
// guard unless sandbox, redirects not followed, and the attempt timeout.
func NewWebhookClient(sandbox bool, timeout time.Duration) *http.Client {
	// A live endpoint connects in well under a second; a dead one should
	// not hold a slot for the whole attempt timeout.
	dialer := &net.Dialer{Timeout: min(timeout, connectTimeout), KeepAlive: 30 * time.Second}
	if !sandbox {
		dialer.Control = guardControl
	}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		Proxy:                 nil, // a proxy would dial on our behalf, past the guard
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		// A receiver's headers are read into memory: Go's default (10 MiB)
		// let one endpoint take hundreds of MB across concurrent attempts.
		MaxResponseHeaderBytes: MaxResponseHeaderBytes,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
