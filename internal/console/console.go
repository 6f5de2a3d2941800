// Package console is the operator web console: server-rendered pages
// (html/template) with htmx, embedded in the binary, served on a listener
// of its own. Every action goes through internal/operator, as `redcloud
// admin` does: the console holds no rule of its own, only forms and pages.
//
// Security: operators log in with email and password (throttled per address
// and email); the session cookie is HttpOnly, SameSite=Lax and Secure over
// TLS; every state-changing request is a POST, refused cross-origin
// (net/http.CrossOriginProtection), and refused (403) to viewers; pages
// carry a strict Content-Security-Policy (no inline script or style) and
// html/template escapes everything shown.
package console

import (
	"embed"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

//go:embed static templates
var files embed.FS

// Config configures a console; its zero value, plus Operator, works.
type Config struct {
	// Operator performs every action; the console acts through
	// Operator.As(the logged-in operator's email). Required.
	Operator *operator.Operator
	// Sandbox allows http:// webhook URLs, as a sandbox server does.
	// Default false.
	Sandbox bool
	// LoopbackHostsOnly answers 421 to a request whose Host is not a
	// loopback name (a console on loopback: DNS rebinding would otherwise
	// let a web page reach it). Default false.
	LoopbackHostsOnly bool
	// Refresh is how often live parts of pages (overview, a message in
	// flight) reload themselves. Default 3s.
	Refresh time.Duration
	// Logger receives errors. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Console serves the operator console.
type Console struct {
	cfg     Config
	op      *operator.Operator
	log     *slog.Logger
	now     func() time.Time
	pages   *pages
	handler http.Handler
}

// New returns a console with cfg's defaults filled in.
func New(cfg Config) (*Console, error) {
	if cfg.Operator == nil {
		return nil, errors.New("console: Config.Operator is required")
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = 3 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, op: cfg.Operator, log: cfg.Logger, now: cfg.Now, pages: p}
	c.handler = c.routes()
	return c, nil
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// contentSecurityPolicy allows this origin's scripts, styles and images
// only: no inline script or style, no framing, forms posting here only.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure wraps every response: security headers, the loopback Host check
// and the cross-origin check of non-safe methods.
func (c *Console) secure(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.errorPage(w, r, http.StatusForbidden, "This request came from another site and was refused (cross-origin request protection).")
	}))
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if c.cfg.LoopbackHostsOnly && !platform.LoopbackHost(r.Host) {
			c.errorPage(w, r, http.StatusMisdirectedRequest, "This console answers only requests addressed to a loopback host (localhost or a loopback address).")
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// clientAddr is the login throttle's address key: the TCP peer, IPv6 peers
// by their /64 (as the API's token throttle keys them).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if ip = ip.Unmap(); ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}
