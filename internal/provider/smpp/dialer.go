package smpp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"
)

// dial opens the TCP (or, for smpps, TLS) connection to the SMSC. Every
// step has a deadline: a peer that accepts TCP and never answers the
// handshake does not hold a bind forever.
func (p *Provider) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(p.cfg.Host, strconv.Itoa(p.cfg.Port))
	ctx, cancel := context.WithTimeout(ctx, p.cfg.BindTimeout)
	defer cancel()
	d := net.Dialer{KeepAlive: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", addr, err)
	}
	if !p.cfg.TLS {
		return conn, nil
	}
	tc := tls.Client(conn, p.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	return tc, nil
}

func (p *Provider) tlsConfig() *tls.Config {
	if p.cfg.TLSConfig != nil {
		c := p.cfg.TLSConfig.Clone()
		if c.ServerName == "" && !c.InsecureSkipVerify {
			c.ServerName = p.cfg.Host
		}
		return c
	}
	return &tls.Config{ServerName: p.cfg.Host, MinVersion: tls.VersionTLS12}
}
