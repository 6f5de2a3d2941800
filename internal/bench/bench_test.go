package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/redcloud-core/redcloud/internal/bench"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// childEnv marks a run of this test binary as one of the bench's child
// processes: Run starts "<binary> serve …" and "<binary> bench
// baseline-server …", and TestMain answers them as the redcloud command
// would, so that the tests exercise the real child-process path (the
// listening line, /proc memory, shutdown by SIGINT) without building the
// command.
const childEnv = "REDCLOUD_BENCH_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := child(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// child runs as the server ("serve --addr A --db D …": sandbox mode, no
// workers) or as the baseline ("bench baseline-server --addr A") until
// SIGINT.
func child(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) >= 2 && args[0] == "bench" && args[1] == "baseline-server" {
		fs := flag.NewFlagSet("baseline-server", flag.ContinueOnError)
		addr := fs.String("addr", "127.0.0.1:0", "")
		if err := fs.Parse(args[2:]); err != nil {
			return err
		}
		return bench.ServeBaseline(ctx, *addr, os.Stderr)
	}
	if len(args) == 0 || args[0] != "serve" {
		return fmt.Errorf("unexpected arguments %q", args)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "")
	dsn := fs.String("db", "", "")
	fs.String("rate-limit", "", "")
	fs.String("token-rate-limit", "", "")
	fs.String("sandbox-delay", "", "")
	fs.String("role", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now())); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	api, err := httpapi.New(httpapi.Config{Store: db, Sandbox: true, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api}
	log.Info("listening", "addr", ln.Addr().String())
	go srv.Serve(ln)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func TestPercentile(t *testing.T) {
	ms := time.Millisecond
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * ms // 1ms … 100ms
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one sample is every percentile", []time.Duration{7 * ms}, 99, 7 * ms},
		{"p50 of 1..100", hundred, 50, 50 * ms},
		{"p90 of 1..100", hundred, 90, 90 * ms},
		{"p99 of 1..100", hundred, 99, 99 * ms},
		{"p99.9 of 1..100 rounds up to the max", hundred, 99.9, 100 * ms},
		{"p100 is the max", hundred, 100, 100 * ms},
		{"p0 is the min", hundred, 0, 1 * ms},
		{"above 100 is the max", hundred, 150, 100 * ms},
		// Nearest rank: ceil(0.5*4) = 2nd of 4, a sample, not an interpolation.
		{"p50 of four", []time.Duration{1 * ms, 2 * ms, 3 * ms, 4 * ms}, 50, 2 * ms},
		{"p51 of four", []time.Duration{1 * ms, 2 * ms, 3 * ms, 4 * ms}, 51, 3 * ms},
		{"p99 of ten is the max", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99, 10},
		{"p90 of ten", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bench.Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%d samples, %g) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	// Unsorted input, with a tail: 1..1000 µs shuffled deterministically.
	var samples []time.Duration
	for i := range 1000 {
		samples = append(samples, time.Duration((i*7919)%1000+1)*time.Microsecond)
	}
	got := bench.Summarize(samples)
	want := bench.Latency{Count: 1000, Mean: 500500 * time.Nanosecond, P50: 500 * time.Microsecond,
		P90: 900 * time.Microsecond, P99: 990 * time.Microsecond, Max: 1000 * time.Microsecond}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if (bench.Summarize(nil) != bench.Latency{}) {
		t.Error("Summarize(nil) is not the zero Latency")
	}
	// The JSON form is in milliseconds and reads back the same.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"p99Ms":0.99`) {
		t.Errorf("JSON %s: want p99Ms 0.99", b)
	}
	var back bench.Latency
	rounded := got
	rounded.Mean = got.Mean.Round(time.Microsecond) // the JSON keeps microseconds
	if err := json.Unmarshal(b, &back); err != nil || back != rounded {
		t.Errorf("JSON round trip: %+v, %v; want %+v", back, err, rounded)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  bench.Config
		want string
	}{
		{"unknown scenario", bench.Config{Scenarios: []string{"send-2"}}, `unknown scenario "send-2"`},
		{"db and base URL", bench.Config{DB: "postgres://x@h/d", BaseURL: "http://127.0.0.1:1"}, "not both"},
		{"sqlite path", bench.Config{DB: "/tmp/x.db"}, "use a postgres:// URL"},
		{"role", bench.Config{Role: "worker"}, `role "worker"`},
		{"concurrency", bench.Config{Concurrency: -1}, "concurrency"},
		{"smpp without the simulator", bench.Config{Scenarios: []string{bench.ScenarioSMPP}, SMSCDir: os.TempDir()}, "holds no server.js"},
		{"smpp against a running server", bench.Config{Scenarios: []string{bench.ScenarioSMPP}, BaseURL: "http://127.0.0.1:1"}, "not --base-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Were the check missing, nothing would start: no such program.
			tt.cfg.Command = []string{filepath.Join(t.TempDir(), "no-such-program")}
			_, err := bench.Run(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run: error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestRunChildServer runs whoami and send-1 briefly against a child server
// and the baseline, both child processes of this test binary.
func TestRunChildServer(t *testing.T) {
	var progress bytes.Buffer
	rep, err := bench.Run(t.Context(), bench.Config{
		Command:     []string{os.Args[0]},
		Env:         []string{childEnv + "=1"},
		Duration:    300 * time.Millisecond,
		Warmup:      -1, // every worker's first request counts, however slow a loaded CI machine is
		Concurrency: 4,
		Scenarios:   []string{bench.ScenarioSend1, bench.ScenarioWhoAmI},
		Progress:    &progress,
		Invocation:  "redcloud bench --db postgres://u:hunter2@h/d",
	})
	if err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}
	linux := runtime.GOOS == "linux"
	if rep.Baseline == nil {
		t.Fatal("no baseline")
	}
	all := append([]bench.Result{*rep.Baseline}, rep.Results...)
	if len(rep.Results) != 2 || rep.Results[0].Scenario != bench.ScenarioWhoAmI || rep.Results[1].Scenario != bench.ScenarioSend1 {
		t.Fatalf("results %+v: want whoami then send-1 (run order, not the order asked)", rep.Results)
	}
	for _, r := range all {
		rss := int64(-1)
		if r.PeakRSS != nil {
			rss = *r.PeakRSS
		}
		t.Logf("%s: %.0f %s, p50 %v p90 %v p99 %v, %d errors, peak RSS %d bytes", r.Scenario, r.Throughput, r.Unit,
			r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Errors, rss)
		plausible(t, r, linux)
	}
	if r := rep.Baseline; r.Ratio == nil || *r.Ratio != 1 {
		t.Errorf("baseline ratio %v, want 1", r.Ratio)
	}
	for _, r := range rep.Results {
		if r.Ratio == nil || *r.Ratio <= 0 {
			t.Errorf("%s: ratio %v, want a positive ratio to the baseline", r.Scenario, r.Ratio)
		}
	}
	if !rep.Server.Started || (linux && rep.Server.PeakRSS == nil) {
		t.Errorf("server %+v: want started, with a peak RSS", rep.Server)
	}
	if strings.Contains(rep.Command, "hunter2") {
		t.Errorf("command %q shows the password", rep.Command)
	}
	if rep.Machine.CPUs < 1 || rep.Concurrency != 4 || rep.DurationSeconds != 0.3 {
		t.Errorf("report header %+v", rep)
	}

	// The JSON parses back into the same report.
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back bench.Report
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("JSON does not parse: %v\n%s", err, buf.String())
	}
	if len(back.Results) != 2 || back.Results[1].OK != rep.Results[1].OK ||
		back.Results[1].Latency.P99 != rep.Results[1].Latency.P99.Round(time.Microsecond) ||
		back.Baseline == nil || back.Baseline.Throughput != rep.Baseline.Throughput {
		t.Errorf("JSON round trip lost numbers:\n%s", buf.String())
	}
	var generic map[string]any
	if err := json.Unmarshal(buf.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"date", "machine", "server", "baseline", "results", "baselineMethod"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("JSON has no %q", k)
		}
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SCENARIO", "×BASELINE", "baseline", "whoami", "send-1", "requests/s", "MiB", "nearest rank"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

// plausible checks one result of a short, light run.
func plausible(t *testing.T, r bench.Result, linux bool) {
	t.Helper()
	if r.Skipped != "" || r.Errors != 0 || len(r.ErrorKinds) != 0 {
		t.Errorf("%s: skipped %q, %d errors %v; want none", r.Scenario, r.Skipped, r.Errors, r.ErrorKinds)
	}
	if r.OK < 4 || r.OK != r.Requests || r.Latency.Count != int(r.OK) {
		t.Errorf("%s: %d ok of %d requests, %d latencies; want at least one per worker, all ok, one latency each", r.Scenario, r.OK, r.Requests, r.Latency.Count)
	}
	if r.Throughput <= 0 || r.Throughput > 1e6 || r.Seconds < 0.2 || r.Seconds > 30 {
		t.Errorf("%s: throughput %.1f over %.2fs; want a positive rate over about 0.3s", r.Scenario, r.Throughput, r.Seconds)
	}
	l := r.Latency
	if l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max || l.Max > 30*time.Second || l.Mean <= 0 {
		t.Errorf("%s: latency %+v; want 0 < p50 ≤ p90 ≤ p99 ≤ max", r.Scenario, l)
	}
	if linux && (r.ServerCPU == nil || r.LoadCPU == nil || *r.LoadCPU < 0) {
		t.Errorf("%s: CPU server %v, load %v; want both measured", r.Scenario, r.ServerCPU, r.LoadCPU)
	}
	if linux && (r.PeakRSS == nil || *r.PeakRSS < 1<<20 || *r.PeakRSS > 2<<30) {
		t.Errorf("%s: peak RSS %v; want a plausible size", r.Scenario, r.PeakRSS)
	}
}

// TestRunBaseURL drives an in-process server through BaseURL: nothing is
// started, and memory is unknown.
func TestRunBaseURL(t *testing.T) {
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SeedIfEmpty(t.Context(), platform.SandboxSeed(time.Now())); err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Store: db, Sandbox: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	rep, err := bench.Run(t.Context(), bench.Config{
		BaseURL: srv.URL, NoBaseline: true, Duration: 200 * time.Millisecond, Warmup: -1, Concurrency: 2,
		Scenarios: []string{bench.ScenarioSendReplay}, Progress: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Server.Started || rep.Server.PeakRSS != nil || rep.Baseline != nil || len(rep.Results) != 1 {
		t.Fatalf("report %+v: want a server not started, memory unknown, no baseline, one result", rep)
	}
	r := rep.Results[0]
	if r.Errors != 0 || r.OK < 2 || r.Ratio != nil || r.PeakRSS != nil {
		t.Errorf("send-replay %+v: want no errors, some answers, no ratio, memory unknown", r)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "unknown") || !strings.Contains(table.String(), "memory unknown") {
		t.Errorf("table does not say memory is unknown:\n%s", table.String())
	}
}
