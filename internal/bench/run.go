package bench

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud/internal/store"
)

// Run runs the baseline and then the configured scenarios, one after the
// other, and reports them. It starts the baseline and, unless cfg.BaseURL is
// set, the server as child processes, and stops them before it returns. A
// scenario that cannot run is reported as skipped; Run itself fails only
// when the configuration is wrong, a child does not start, the token cannot
// be had, or ctx ends.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Date: time.Now(), Command: redact(cfg.Invocation), Machine: thisMachine(),
		DurationSeconds: cfg.Duration.Seconds(), WarmupSeconds: cfg.Warmup.Seconds(),
		Concurrency: cfg.Concurrency, E2ERate: cfg.E2ERate, Results: []Result{},
	}
	runID := "bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	progress := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, "bench: "+format+"\n", args...) }

	if !cfg.NoBaseline {
		progress("baseline: starting the baseline server")
		b, err := runBaseline(ctx, cfg, runID)
		if err != nil {
			return nil, err
		}
		progress("baseline: %s requests/s, p99 %s, %d errors", thousands(b.Throughput), fmtDuration(b.Latency.P99), b.Errors)
		rep.Baseline = &b
		rep.BaselineMethod = BaselineMethod
	}

	hc := newHTTPClient(cfg.Concurrency)
	defer hc.CloseIdleConnections()
	t := &target{base: cfg.BaseURL, hc: hc, runID: runID, client: cfg.ClientID, secret: cfg.ClientSecret, number: cfg.NumberID}
	r := &runner{cfg: cfg, t: t, workers: cfg.Role == roleAll}
	var srv *child
	if cfg.BaseURL == "" {
		dir, err := os.MkdirTemp("", "redcloud-bench-")
		if err != nil {
			return nil, fmt.Errorf("create a temporary directory: %w", err)
		}
		defer os.RemoveAll(dir)
		db, dbShown := cfg.DB, redact(cfg.DB)
		if db == "" {
			db, dbShown = filepath.Join(dir, "redcloud.db"), "sqlite (fresh temporary file)"
		}
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--rate-limit", "0", "--token-rate-limit", "0",
			"--sandbox-delay", "0s", "--role", cfg.Role}, cfg.ServerArgs...)
		progress("server: starting redcloud %s", redact(strings.Join(args, " ")))
		// The measured server serves no console (its default port may be taken).
		srv, err = startChild(ctx, append(slices.Clone(cfg.Command), args...), childEnv(append([]string{"REDCLOUD_CONSOLE_ADDR="}, cfg.Env...)))
		if err != nil {
			return nil, fmt.Errorf("start the server: %w", err)
		}
		defer srv.stop()
		t.base = "http://" + srv.addr
		r.db = db
		shownArgs := strings.Join(args, " ")
		if cfg.DB == "" {
			shownArgs = strings.Replace(shownArgs, db, "<fresh temp file>", 1)
		}
		rep.Server = ServerInfo{URL: t.base, Started: true, Args: redact(shownArgs), DB: dbShown, Role: cfg.Role}
	} else {
		rep.Server = ServerInfo{URL: cfg.BaseURL}
		r.workers = true // unknown: settle waits only while the queues shrink
	}

	token, err := t.issueToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("get an access token from %s: %w", t.base, err)
	}
	t.token = token
	defer r.closeReceiver()

	localDB := localPostgres(cfg.DB)
	first := true
	for _, name := range Scenarios {
		if !slices.Contains(cfg.Scenarios, name) {
			continue
		}
		if (name == ScenarioE2E || name == ScenarioSMPP || name == ScenarioDispatch) && cfg.BaseURL == "" && cfg.Role != roleAll {
			rep.Results = append(rep.Results, skipped(name, "the server runs no workers (--role "+cfg.Role+")"))
			continue
		}
		if !first {
			r.settle(ctx)
		}
		first = false
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		progress("%s: running", name)
		var srvCPU cpuMeter
		if srv != nil {
			srv.rss.take() // start the scenario's memory window
			srvCPU = startCPU(srv.pid())
		}
		loadCPU, other := startCPU("self"), startOther()
		var dbCPU commMeter
		if localDB {
			dbCPU = startComm("postgres")
		}
		res := r.scenario(ctx, name)
		if name == ScenarioE2E {
			e2e := res
			r.e2eRes = &e2e // the smpp scenario compares itself with it
		}
		res.LoadCPU = loadCPU.cores()
		if localDB {
			res.DBCPU = dbCPU.cores()
		}
		if srv != nil {
			res.ServerCPU = srvCPU.cores()
			res.OtherCPU = other.cores(res.ServerCPU, res.LoadCPU, res.DBCPU)
			res.PeakRSS = known(srv.rss.take())
		}
		if res.Skipped != "" {
			progress("%s: skipped: %s", name, res.Skipped)
		} else {
			p99 := "—"
			if res.Latency.Count > 0 {
				p99 = fmtDuration(res.Latency.P99)
			}
			progress("%s: %s %s, p99 %s, %d errors", name, thousands(res.Throughput), res.Unit, p99, res.Errors)
		}
		rep.Results = append(rep.Results, res)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if srv != nil {
		rep.Server.PeakRSS = known(srv.peak())
	}
	if b := rep.Baseline; b != nil && b.Throughput > 0 {
		one := 1.0
		b.Ratio = &one
		for i := range rep.Results {
			if rep.Results[i].Skipped == "" {
				ratio := rep.Results[i].Throughput / b.Throughput
				rep.Results[i].Ratio = &ratio
			}
		}
	}
	return rep, nil
}

// runBaseline starts the baseline server, drives it with the send-1 request
// and stops it.
func runBaseline(ctx context.Context, cfg Config, runID string) (Result, error) {
	argv := append(slices.Clone(cfg.Command), "bench", "baseline-server", "--addr", "127.0.0.1:0")
	c, err := startChild(ctx, argv, childEnv(cfg.Env))
	if err != nil {
		return Result{}, fmt.Errorf("start the baseline: %w", err)
	}
	defer c.stop()
	hc := newHTTPClient(cfg.Concurrency)
	defer hc.CloseIdleConnections()
	t := &target{base: "http://" + c.addr, hc: hc, runID: runID, token: "baseline", number: cfg.NumberID}
	c.rss.take()
	srvCPU, loadCPU, other := startCPU(c.pid()), startCPU("self"), startOther()
	res := baseline(ctx, cfg, t)
	res.ServerCPU, res.LoadCPU = srvCPU.cores(), loadCPU.cores()
	res.OtherCPU = other.cores(res.ServerCPU, res.LoadCPU)
	res.PeakRSS = known(c.rss.take())
	return res, ctx.Err()
}

// localPostgres reports whether dsn is a postgres:// URL of this machine,
// whose processes' CPU the report can then show.
func localPostgres(dsn string) bool {
	if !store.IsPostgres(dsn) {
		return false
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return false
	}
	switch h := u.Hostname(); h {
	case "", "localhost":
		return true
	default:
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
}

// known returns &n, or nil for 0 (unknown).
func known(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}
