package platform

import (
	"net"
	"net/netip"
	"strings"
)

// LoopbackHost reports whether a Host header names this machine's loopback:
// localhost (or a name under .localhost) or a loopback address, any port.
// The API and the console both refuse other hosts when they listen on
// loopback only (DNS rebinding).
func LoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback() && ip.Zone() == ""
}
