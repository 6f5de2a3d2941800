// Package httpapi is the Red Cloud CORE HTTP server: routes, bearer
// authentication, the CORE error wrapper, request ids, rate limits, sandbox
// faults and the operational endpoints.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/redcloud-core/redcloud/internal/metrics"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Config configures a Server. Its zero value, plus Store, works.
type Config struct {
	// Store is the database. Required.
	Store *store.DB
	// Sandbox enables the sandbox routes and the X-RedCloud-Sandbox-Fault
	// header, and relaxes webhook and media URL rules to allow http. Default false.
	Sandbox bool
	// TokenTTL is the access token lifetime. Default 1h.
	TokenTTL time.Duration
	// RateLimit is requests per second per API client; 0 disables it
	// (the serve command's default is 100). RateBurst defaults to 2×RateLimit.
	RateLimit float64
	RateBurst int
	// TokenRateLimit is access tokens issued per second per API client
	// (burst TokenRateBurst, default 30): every token is a stored row kept
	// for its lifetime, and clients should reuse a token until it expires.
	// 0 disables it (the serve command's default is 1).
	TokenRateLimit float64
	TokenRateBurst int
	// IdempotencyTTL is how long an accepted key is remembered. Default 24h.
	IdempotencyTTL time.Duration
	// MessageValidity is how long the pipeline may try to hand a message to
	// the provider before it fails EXPIRED. Default 4h.
	MessageValidity time.Duration
	// DefaultNumberMPS is the send rate, in segments per second, of a
	// number without its own (throughput shaping): acceptance queues a
	// message behind the others of its buckets and refuses a recipient
	// that would wait past MessageValidity. Default 0: unlimited.
	DefaultNumberMPS float64
	// AuthFailureLimit failed token requests per AuthFailureWindow, per
	// client_id and per remote address, lead to 429. Defaults 10 and 1m.
	// Counted in the database: the limit holds across server processes.
	AuthFailureLimit  int
	AuthFailureWindow time.Duration
	// Logger receives request and error logs. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// OnAccept is called after a send or inbound message commits, to wake the
	// pipeline. Default none.
	OnAccept func()
	// AuthCacheTTL is how long a token lookup is reused: revocation and
	// suspension take effect within it. Whoami's number counts are read
	// once per cached lookup, so they too are at most this old. Default 1s;
	// negative disables both.
	AuthCacheTTL time.Duration
	// OperationalOnly serves only /healthz, /readyz and /metrics (a worker
	// process). Default false.
	OperationalOnly bool
	// Metrics counts requests and acceptances and is served at /metrics.
	// Default: a fresh registry without queue gauges.
	Metrics *metrics.Metrics
	// LoopbackHostsOnly answers 421 to a request whose Host header does not
	// name a loopback host (a loopback sandbox: its credentials are public,
	// and DNS rebinding would let any web page use them). Default false.
	LoopbackHostsOnly bool
	// MetricsElsewhere leaves /metrics off the API listener (404): the
	// operator serves Metrics.Handler on a listener of its own. Default false.
	MetricsElsewhere bool
	// MaxSegments [extension] refuses with 400 an SMS whose text travels as
	// more than this many segments (redcloud.Segments). 0 (default): no
	// limit beyond the 1600 characters.
	MaxSegments int
}

// Server serves the API.
type Server struct {
	cfg      Config
	db       *store.DB
	log      *slog.Logger
	now      func() time.Time
	limits   *rateLimits
	issued   *rateLimits // token issuance per API client
	tokens   *tokenCache
	unrouted *routeInfo
	handler  http.Handler
	draining atomic.Bool
	sending  *sendingHealth
}

// New returns a Server with cfg's defaults filled in.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("httpapi: Config.Store is required")
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.MessageValidity <= 0 {
		cfg.MessageValidity = 4 * time.Hour
	}
	if cfg.TokenRateBurst <= 0 {
		cfg.TokenRateBurst = 30
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = int(2 * cfg.RateLimit)
	}
	if cfg.AuthFailureLimit <= 0 {
		cfg.AuthFailureLimit = 10
	}
	if cfg.AuthFailureWindow <= 0 {
		cfg.AuthFailureWindow = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AuthCacheTTL == 0 {
		cfg.AuthCacheTTL = time.Second
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New(nil)
	}
	if cfg.OnAccept == nil {
		cfg.OnAccept = func() {}
	}
	s := &Server{cfg: cfg, db: cfg.Store, log: cfg.Logger, now: cfg.Now,
		limits:  newRateLimits(cfg.RateLimit, cfg.RateBurst),
		issued:  newRateLimits(cfg.TokenRateLimit, cfg.TokenRateBurst),
		tokens:  newTokenCache(cfg.AuthCacheTTL, 100_000),
		sending: &sendingHealth{db: cfg.Store, production: !cfg.Sandbox, now: cfg.Now}}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain makes every new request answer 503 with Retry-After while the
// process shuts down; requests already running finish.
func (s *Server) Drain() { s.draining.Store(true) }
