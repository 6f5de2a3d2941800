package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/command"
	"github.com/redcloud-core/redcloud/internal/console"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/metrics"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider"
	"github.com/redcloud-core/redcloud/internal/provider/router"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
	"github.com/redcloud-core/redcloud/internal/provider/smpp"
	"github.com/redcloud-core/redcloud/internal/store"
)

type serveOptions struct {
	addr               string
	db                 string
	sandbox            bool
	allowPublicSandbox bool
	tokenTTL           time.Duration
	rateLimit          float64
	idempotencyTTL     time.Duration
	messageValidity    time.Duration
	defaultNumberMPS   float64
	shutdownTimeout    time.Duration
	sandboxDelay       time.Duration
	sandboxFailureRate float64
	sandboxCarrierMPS  float64
	providerRetry      string
	webhookRetry       string
	lease              time.Duration
	pollInterval       time.Duration
	retention          time.Duration
	role               string
	pprofAddr          string
	changeMode         bool
	metricsAddr        string
	tokenRateLimit     float64
	maxSegments        int
	consoleAddr        string
}

func serveCmd() *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the CORE API server",
		Long: `Run the CORE API server. Every flag can also be set with REDCLOUD_<FLAG>,
for example REDCLOUD_DB=/var/lib/redcloud.db or REDCLOUD_RATE_LIMIT=0.`,
		Example: `  redcloud serve                      # sandbox on 127.0.0.1:8080, ./redcloud.db
  redcloud serve --sandbox=false --addr :8443 --db /var/lib/redcloud/redcloud.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := command.BindEnv(cmd); err != nil {
				return err
			}
			if !cmd.Flags().Changed("default-number-mps") && !o.sandbox {
				o.defaultNumberMPS = 1 // a long code's rate at US carriers
			}
			return serve(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	f.StringVar(&o.db, "db", "redcloud.db", "SQLite database file, or a postgres:// URL")
	f.StringVar(&o.role, "role", "all", "all: API and workers; api: API only; worker: pipeline and webhook workers only (serves /healthz, /readyz, /metrics)")
	f.BoolVar(&o.sandbox, "sandbox", true, "sandbox mode: seed demo data, sandbox routes and faults, http webhooks allowed")
	f.BoolVar(&o.changeMode, "change-mode", false, "convert a database set up in the other mode (sandbox or production) to this one; converting to production revokes the published demo credentials")
	f.BoolVar(&o.allowPublicSandbox, "allow-public-sandbox", false, "let sandbox mode listen on a non-loopback address (its credentials are public)")
	f.DurationVar(&o.tokenTTL, "token-ttl", time.Hour, "access token lifetime")
	f.Float64Var(&o.rateLimit, "rate-limit", 100, "requests per second per API client (burst 2x); 0 disables")
	f.Float64Var(&o.tokenRateLimit, "token-rate-limit", 1, "access tokens issued per second per API client (burst 30); 0 disables")
	f.DurationVar(&o.idempotencyTTL, "idempotency-ttl", 24*time.Hour, "how long an accepted Idempotency-Key is remembered")
	f.IntVar(&o.maxSegments, "max-segments", 0, "refuse (400) an SMS text of more than this many segments; 0: no limit (the 1600-character limit still holds)")
	f.DurationVar(&o.messageValidity, "message-validity", 4*time.Hour, "how long a message may wait for the provider before it fails EXPIRED")
	f.Float64Var(&o.defaultNumberMPS, "default-number-mps", 0, "send rate in segments per second of a number without its own (admin number set --mps); default 1 in production, 0 (unlimited) in sandbox mode")
	f.DurationVar(&o.sandboxDelay, "sandbox-delay", 100*time.Millisecond, "sandbox provider: wait before each step (send, receipt)")
	f.Float64Var(&o.sandboxFailureRate, "sandbox-provider-failure-rate", 0, "sandbox provider: fraction (0-1) of sends that fail transiently, drawn at random per send, for chaos testing")
	f.Float64Var(&o.sandboxCarrierMPS, "sandbox-carrier-mps", 0, "sandbox provider: simulate a carrier that throttles each sending number above this many messages per second (0: no limit)")
	f.StringVar(&o.providerRetry, "provider-retry-schedule", "2s,10s,30s,2m,5m,10m", "waits before retrying a transient provider failure (±10% jitter), comma-separated; none for no retries")
	f.StringVar(&o.webhookRetry, "webhook-retry-schedule", "1m,5m,15m,60m", "waits before retrying a failed webhook attempt, comma-separated; none for no retries")
	f.DurationVar(&o.lease, "lease", 30*time.Second, "how long a worker holds a claimed row; a crashed worker's rows are resumed after it (keep above 10s, the webhook timeout)")
	f.DurationVar(&o.pollInterval, "poll-interval", time.Second, "fallback poll for due work (new work wakes workers at once)")
	f.DurationVar(&o.retention, "retention", 720*time.Hour, "how long finished messages, events and deliveries are kept")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve /metrics on this address only (e.g. 127.0.0.1:9100), not on the API listener; default: /metrics on the API listener")
	f.StringVar(&o.consoleAddr, "console-addr", "127.0.0.1:8081", "serve the operator web console on this address, never on the API listener; empty turns it off")
	f.StringVar(&o.pprofAddr, "pprof-addr", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060) for profiling; off by default")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight requests may finish after SIGTERM")
	return cmd
}

func serve(ctx context.Context, o serveOptions) error {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if o.role != "all" && o.role != "api" && o.role != "worker" {
		return fmt.Errorf("--role %q: use all, api or worker", o.role)
	}
	if o.sandbox && !o.allowPublicSandbox && !loopback(o.addr) {
		return fmt.Errorf("sandbox mode uses published demo credentials and listens on loopback only; %q is not loopback (use --allow-public-sandbox to override, or --sandbox=false)", o.addr)
	}
	if o.sandbox && !o.allowPublicSandbox && o.consoleAddr != "" && !loopback(o.consoleAddr) {
		return fmt.Errorf("sandbox mode seeds a console operator with a published password and serves the console on loopback only; --console-addr %q is not loopback (use --allow-public-sandbox to override, or --sandbox=false)", o.consoleAddr)
	}
	if !(o.defaultNumberMPS >= 0) || math.IsInf(o.defaultNumberMPS, 0) { // also NaN
		return fmt.Errorf("--default-number-mps %v: use 0 (unlimited) or a positive rate", o.defaultNumberMPS)
	}
	if !(o.sandboxFailureRate >= 0 && o.sandboxFailureRate <= 1) {
		return fmt.Errorf("--sandbox-provider-failure-rate %v: use a fraction from 0 to 1", o.sandboxFailureRate)
	}
	if !(o.sandboxCarrierMPS >= 0) || math.IsInf(o.sandboxCarrierMPS, 1) {
		return fmt.Errorf("--sandbox-carrier-mps %v: use 0 (no limit) or a positive rate", o.sandboxCarrierMPS)
	}
	db, err := store.Open(ctx, o.db, store.WithLogger(log))
	if err != nil {
		return err
	}
	defer db.Close()
	mode := store.ModeProduction
	if o.sandbox {
		mode = store.ModeSandbox
	}
	op := operator.New(db, operator.Config{})
	mc, err := op.PrepareMode(ctx, mode, o.changeMode, o.db)
	if err != nil {
		return err
	}
	if mc.ConvertedFrom != "" {
		log.Warn("database converted", "from", string(mc.ConvertedFrom), "to", string(mode))
	}
	if mc.Revoked > 0 {
		log.Warn("revoked API clients that held a published sandbox secret", "clients", mc.Revoked)
	}
	if mc.RemovedOperators > 0 {
		log.Warn("removed console operators whose password was the published sandbox one", "operators", mc.RemovedOperators)
	}
	if o.sandbox {
		seeded, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now()))
		if err != nil {
			return err
		}
		if _, err := op.SeedSandboxOperator(ctx); err != nil {
			return err
		}
		log.Warn("SANDBOX MODE: demo credentials are public; never use this database for real traffic",
			"seeded", seeded, "clientId", redcloud.SandboxClientID, "consoleOperator", operator.SandboxOperatorEmail)
	}
	providerRetry, err := pipeline.ParseSchedule(o.providerRetry)
	if err != nil {
		return fmt.Errorf("--provider-retry-schedule: %w", err)
	}
	webhookRetry, err := pipeline.ParseSchedule(o.webhookRetry)
	if err != nil {
		return fmt.Errorf("--webhook-retry-schedule: %w", err)
	}
	mx := metrics.New(db.QueueDepth)
	mx.Shaping(db.ShapingSnapshot, o.defaultNumberMPS)
	// The router sends each message through its number's provider: the
	// sandbox (always there, named "sandbox") or an SMPP provider an
	// operator configured (`redcloud admin provider`).
	providers, err := router.New(router.Config{
		Store: db, Sandbox: sandbox.New(o.sandboxDelay, sandbox.WithFailureRate(o.sandboxFailureRate), sandbox.WithCarrierMPS(o.sandboxCarrierMPS)), SandboxMode: o.sandbox,
		Logger: log, Metrics: mx,
		SMPP: func(c smpp.Config) (provider.Provider, error) {
			c.Store, c.Metrics = db, mx
			return smpp.New(c)
		},
	})
	if err != nil {
		return err
	}
	pipe, err := pipeline.New(pipeline.Config{
		// A sandbox reachable from other machines keeps the webhook address
		// guard: its published credentials must not reach internal addresses.
		Store: db, Provider: providers, Sandbox: o.sandbox && !o.allowPublicSandbox,
		ProviderRetrySchedule: providerRetry, WebhookRetrySchedule: webhookRetry,
		Lease: o.lease, PollInterval: o.pollInterval, Retention: o.retention, Logger: log, Metrics: mx,
		DefaultNumberMPS: o.defaultNumberMPS,
	})
	if err != nil {
		return err
	}
	onAccept := pipe.Notify
	if o.role == "api" {
		onAccept = nil // workers elsewhere wake on PostgreSQL NOTIFY
		if !store.IsPostgres(o.db) {
			log.Warn("--role api on SQLite: no process moves messages on unless a worker shares the file")
		}
	}
	api, err := httpapi.New(httpapi.Config{
		Store: db, Sandbox: o.sandbox, TokenTTL: o.tokenTTL, RateLimit: o.rateLimit,
		IdempotencyTTL: o.idempotencyTTL, MessageValidity: o.messageValidity, Logger: log,
		LoopbackHostsOnly: o.sandbox && !o.allowPublicSandbox, TokenRateLimit: o.tokenRateLimit,
		Metrics: mx, MetricsElsewhere: o.metricsAddr != "", OnAccept: onAccept, OperationalOnly: o.role == "worker",
		MaxSegments: o.maxSegments, DefaultNumberMPS: o.defaultNumberMPS,
	})
	if err != nil {
		return err
	}
	if o.role != "api" {
		if err := pipe.Start(ctx); err != nil {
			return err
		}
		defer pipe.Stop()
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second, // above the 60 s sandbox delay_ms cap
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if o.metricsAddr != "" {
		mln, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET "+redcloud.PathMetrics, mx.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { log.Warn("metrics listener stopped", "err", msrv.Serve(mln)) }()
		defer msrv.Close()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}
	if o.pprofAddr != "" {
		if !loopback(o.pprofAddr) {
			// Profiles show memory contents (tokens, message text) to anyone
			// who can reach the address.
			log.Warn("--pprof-addr is not a loopback address: profiles expose process memory to whoever reaches it", "addr", o.pprofAddr)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go func() { log.Warn("pprof stopped", "err", http.ListenAndServe(o.pprofAddr, mux)) }()
		log.Info("pprof listening", "addr", o.pprofAddr)
	}
	if o.consoleAddr != "" {
		stop, err := serveConsole(o, op, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	log.Info("listening", "addr", ln.Addr().String(), "sandbox", o.sandbox, "role", o.role, "db", store.RedactDSN(o.db))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", o.shutdownTimeout.String())
	api.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown incomplete", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// loopback reports whether addr's host is a loopback address or localhost.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveConsole serves the operator console on its own listener and returns
// what stops it.
func serveConsole(o serveOptions, op *operator.Operator, log *slog.Logger) (func(), error) {
	c, err := console.New(console.Config{Operator: op, Sandbox: o.sandbox, LoopbackHostsOnly: loopback(o.consoleAddr), Logger: log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.consoleAddr)
	if err != nil {
		return nil, fmt.Errorf("--console-addr: %w", err)
	}
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Warn("console listener stopped", "err", err)
		}
	}()
	log.Info("console listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
