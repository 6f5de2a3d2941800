package redcloud

import (
	"net"
	"net/url"
	"strings"
)

// PlainHTTPToRemote reports whether baseURL is plain http:// to a host
// that is not loopback: the client secret and bearer tokens would cross the
// network unencrypted. NewClient logs a warning for such a URL (when a
// Logger is set) and the CLI prints one.
func PlainHTTPToRemote(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}
