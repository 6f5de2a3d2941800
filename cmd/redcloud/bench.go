package main

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redcloud-core/redcloud/internal/bench"
)

// benchCmd is `redcloud bench`: the reproducible benchmark (internal/bench).
func benchCmd() *cobra.Command {
	var (
		cfg       bench.Config
		scenarios string
		asJSON    bool
		htmlPath  string
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark the server against a bare net/http baseline on this machine",
		Long: `Benchmark the server on this machine. bench starts the server as a child process
(sandbox mode, a fresh SQLite file or --db postgres://…, rate limit off, sandbox step delay 0),
unless --base-url names a running one, and loads it over loopback from this process: for each
scenario the throughput, exact p50/p90/p99 latency, errors and the server's peak RSS, beside a
baseline — a bare net/http handler, also a child process, that decodes the same send JSON and
answers the same 202 body without auth or storage — with every throughput also a ratio to it.

Scenarios, in this order: ` + strings.Join(bench.Scenarios, ", ") + ` (all but smpp by default).
Closed-loop scenarios run --concurrency workers for --duration after a warm-up of a tenth of it
(at most 1s); e2e sends open loop at --e2e-rate and times each message from its send request to
its message.delivery webhook at a receiver in this process; smpp runs the same open loop with
the number routed to an SMPP provider bound to the SMSC simulator (test/smsc: run bench from the
repository, with node); dispatch counts webhook deliveries per second after a burst of sends.
Run one bench at a time, on an otherwise idle machine.`,
		Example: `  redcloud bench                                   # every scenario, 10s each, SQLite
  redcloud bench --scenarios send-1,whoami --duration 5s --json
  redcloud bench --db 'postgres://postgres@127.0.0.1:5432/rc_bench?sslmode=disable'
  redcloud bench --scenarios e2e --duration 60s --e2e-rate 500
  redcloud bench --scenarios e2e,smpp --duration 20s --e2e-rate 300 --no-baseline   # SMPP beside the sandbox
  redcloud bench --duration 5s --html report.html                 # charts: throughput over time, latency
  redcloud bench --scenarios send-1,send-10,send-replay --role api   # the API alone, no workers`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scenarios != "" {
				for _, s := range strings.Split(scenarios, ",") {
					if s = strings.TrimSpace(s); s != "" {
						cfg.Scenarios = append(cfg.Scenarios, s)
					}
				}
			}
			cfg.Progress = cmd.ErrOrStderr()
			cfg.Invocation = "redcloud " + strings.Join(os.Args[1:], " ")
			rep, err := bench.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if htmlPath != "" {
				if err := writeHTMLReport(rep, htmlPath); err != nil {
					return err
				}
			}
			if asJSON {
				return rep.WriteJSON(cmd.OutOrStdout())
			}
			return rep.WriteTable(cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time of each scenario (after a warm-up of a tenth of it, at most 1s)")
	f.IntVar(&cfg.Concurrency, "concurrency", 64, "closed-loop workers, each with one request in flight, and connections kept")
	f.StringVar(&scenarios, "scenarios", "", "comma-separated scenarios to run (default all: "+strings.Join(bench.Scenarios, ",")+")")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON instead of a table")
	f.StringVar(&htmlPath, "html", "", "also write the report with charts to this self-contained HTML file")
	f.StringVar(&cfg.DB, "db", "", "start the server on this postgres:// database (an empty one of its own) instead of a fresh SQLite file")
	f.StringVar(&cfg.BaseURL, "base-url", "", "drive this running server (sandbox mode for e2e and dispatch) instead of starting one; its RSS is then unknown")
	f.Float64Var(&cfg.E2ERate, "e2e-rate", 500, "e2e scenario: sends per second, open loop")
	f.StringVar(&cfg.Role, "role", "all", "the started server's --role: all, or api (no workers: e2e and dispatch are skipped)")
	f.StringArrayVar(&cfg.ServerArgs, "server-flag", nil, "extra flag for the started server, repeatable (e.g. --server-flag=--pprof-addr=127.0.0.1:6060)")
	f.BoolVar(&cfg.NoBaseline, "no-baseline", false, "skip the baseline (no ratios)")
	f.StringVar(&cfg.SMSCDir, "smsc-dir", "", "smpp scenario: the SMSC simulator's directory (default: test/smsc in the working directory or a parent; needs node and npm ci --prefix test/smsc)")
	cmd.AddCommand(benchBaselineCmd())
	return cmd
}

// writeHTMLReport writes rep's HTML to path.
func writeHTMLReport(rep *bench.Report, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// benchBaselineCmd is the hidden `redcloud bench baseline-server` that bench
// starts as its baseline.
func benchBaselineCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:    "baseline-server",
		Short:  "Serve the benchmark's baseline: a bare net/http handler answering the send's 202 body",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.ServeBaseline(cmd.Context(), addr, cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "listen address")
	return cmd
}
