package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Scenario names, in the order Run runs them.
const (
	// ScenarioToken issues access tokens (POST /api/auth/token).
	ScenarioToken = "token"
	// ScenarioWhoAmI reads GET /api/core/whoami with the bearer token.
	ScenarioWhoAmI = "whoami"
	// ScenarioSend1 sends to one recipient, a new Idempotency-Key each time.
	ScenarioSend1 = "send-1"
	// ScenarioSend10 sends to ten recipients, a new Idempotency-Key each time.
	ScenarioSend10 = "send-10"
	// ScenarioSendReplay sends one payload under one key again and again: every
	// answer after the first is the stored response.
	ScenarioSendReplay = "send-replay"
	// ScenarioE2E sends at a fixed rate and measures each message from the send
	// request to its message.delivery webhook.
	ScenarioE2E = "e2e"
	// ScenarioSMPP is the e2e open loop with the sending number routed to an
	// SMPP provider bound to the SMSC simulator (test/smsc, node).
	ScenarioSMPP = "smpp"
	// ScenarioDispatch measures webhook deliveries per second to a fast local
	// receiver.
	ScenarioDispatch = "dispatch"
)

// Scenarios lists every scenario, in the order Run runs them.
var Scenarios = []string{ScenarioToken, ScenarioWhoAmI, ScenarioSend1, ScenarioSend10, ScenarioSendReplay, ScenarioE2E, ScenarioSMPP, ScenarioDispatch}

// DefaultScenarios are those Run runs when none are named: every one but
// smpp, which needs node and the repository's SMSC simulator.
var DefaultScenarios = []string{ScenarioToken, ScenarioWhoAmI, ScenarioSend1, ScenarioSend10, ScenarioSendReplay, ScenarioE2E, ScenarioDispatch}

// Config configures Run. Its zero value runs every scenario against a server
// started from this executable on a fresh SQLite file.
type Config struct {
	// Command is the program (and leading arguments) whose CLI runs the
	// server: Run appends "serve --addr 127.0.0.1:0 …" to start the server and
	// "bench baseline-server --addr 127.0.0.1:0" to start the baseline.
	// Default: this executable (os.Executable).
	Command []string
	// Env is added to the environment of the child processes, from which
	// the REDCLOUD_* variables of this process are removed. Default none.
	Env []string
	// BaseURL, when set, is a running server (in sandbox mode, for the
	// webhook scenarios) to drive instead of starting one; its memory is then
	// unknown. Default "": start a server.
	BaseURL string
	// DB is the started server's database: "" for a fresh SQLite file in a
	// temporary directory (removed afterwards), or a postgres:// URL, which
	// should name an empty database of its own. Default "". Not allowed
	// with BaseURL.
	DB string
	// Role is the started server's --role: "all" (API and workers) or "api"
	// (no workers; e2e and dispatch are then skipped). Default "all".
	Role string
	// ServerArgs are extra flags for the started server, such as
	// --pprof-addr=127.0.0.1:6060. Default none.
	ServerArgs []string
	// Duration is the measured time of each scenario. Default 10s.
	Duration time.Duration
	// Warmup runs before each closed-loop scenario's measured window and is
	// not counted. Default Duration/10, at most 1s; negative for none.
	Warmup time.Duration
	// Concurrency is the number of closed-loop workers, each with at most one
	// request in flight, and the number of idle connections kept. Default 64.
	Concurrency int
	// Scenarios to run, by name; Run runs them in the order of Scenarios.
	// Default DefaultScenarios.
	Scenarios []string
	// SMSCDir is the SMSC simulator's directory, for the smpp scenario.
	// Default: test/smsc in the working directory or one of its parents.
	SMSCDir string
	// E2ERate is the e2e scenario's open-loop send rate per second.
	// Default 500.
	E2ERate float64
	// NoBaseline skips the baseline; ratios are then not reported.
	// Default false.
	NoBaseline bool
	// ClientID, ClientSecret and NumberID are the API client and the number
	// it sends from. Default the sandbox demo client and num_abc123.
	ClientID, ClientSecret, NumberID string
	// Progress receives one line per step as the run goes. Default none.
	Progress io.Writer
	// Invocation is the command line that started the run, shown in the
	// report (a postgres:// password is redacted). Default "".
	Invocation string
}

// Roles a started server can take.
const (
	roleAll = "all"
	roleAPI = "api"
)

// withDefaults returns cfg with its defaults filled in, or an error naming
// the first setting that cannot work.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.BaseURL != "" && cfg.DB != "" {
		return cfg, errors.New("give a database to start a server on, or the URL of a running server, not both")
	}
	if cfg.DB != "" && !store.IsPostgres(cfg.DB) {
		return cfg, fmt.Errorf("database %q: use a postgres:// URL, or nothing for a fresh SQLite file", cfg.DB)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Role == "" {
		cfg.Role = roleAll
	}
	if cfg.Role != roleAll && cfg.Role != roleAPI {
		return cfg, fmt.Errorf("role %q: use all or api", cfg.Role)
	}
	if cfg.Duration == 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Duration < 0 {
		return cfg, fmt.Errorf("duration %s: must be positive", cfg.Duration)
	}
	switch {
	case cfg.Warmup == 0:
		cfg.Warmup = min(cfg.Duration/10, time.Second)
	case cfg.Warmup < 0:
		cfg.Warmup = 0
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 64
	}
	if cfg.Concurrency < 0 {
		return cfg, fmt.Errorf("concurrency %d: must be positive", cfg.Concurrency)
	}
	if cfg.E2ERate == 0 {
		cfg.E2ERate = 500
	}
	if cfg.E2ERate < 0 {
		return cfg, fmt.Errorf("e2e rate %g: must be positive", cfg.E2ERate)
	}
	if len(cfg.Scenarios) == 0 {
		cfg.Scenarios = DefaultScenarios
	}
	for _, s := range cfg.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return cfg, fmt.Errorf("unknown scenario %q: use %s", s, strings.Join(Scenarios, ", "))
		}
	}
	if slices.Contains(cfg.Scenarios, ScenarioSMPP) {
		if cfg.BaseURL != "" {
			return cfg, errors.New("the smpp scenario configures the server's database (a provider, a route): it needs a server bench starts, not --base-url")
		}
		dir, err := findSimulator(cfg.SMSCDir)
		if err != nil {
			return cfg, err
		}
		cfg.SMSCDir = dir
	}
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = redcloud.SandboxClientID, redcloud.SandboxClientSecret
	}
	if cfg.NumberID == "" {
		cfg.NumberID = redcloud.SandboxNumberID
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if len(cfg.Command) == 0 && (cfg.BaseURL == "" || !cfg.NoBaseline) {
		exe, err := os.Executable()
		if err != nil {
			return cfg, fmt.Errorf("find this executable: %w", err)
		}
		cfg.Command = []string{exe}
	}
	return cfg, nil
}

// childEnv returns this process's environment without REDCLOUD_* variables,
// plus extra.
func childEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REDCLOUD_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
