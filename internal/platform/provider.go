package platform

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redcloud-core/redcloud"
)

// Provider types. The sandbox is built in; operators add SMPP providers.
const (
	ProviderTypeSMPP    = "smpp"
	ProviderTypeSandbox = "sandbox"
)

// SandboxProvider is the name of the built-in sandbox provider: always
// there, never stored, a route like any other.
const SandboxProvider = "sandbox"

// Bind states, as the SMPP provider reports them.
const (
	BindConnecting = "connecting"
	BindBound      = "bound"
	BindFailed     = "failed"
)

// Password is a secret that must be kept in the clear (an SMPP bind sends
// it): every way of printing it — fmt verbs, slog, JSON — shows
// "[redacted]"; Reveal returns it.
type Password string

// Redacted is what a Password prints as.
const Redacted = "[redacted]"

// Reveal returns the password itself, for the one place that needs it.
func (p Password) Reveal() string { return string(p) }

func (p Password) String() string { return Redacted }

// GoString keeps %#v from showing it.
func (p Password) GoString() string { return Redacted }

// LogValue keeps slog from showing it.
func (p Password) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON keeps encoding/json from showing it.
func (p Password) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// ProviderConfig is an upstream provider as an operator configured it.
// Zero values of the tuning fields mean their defaults (see smpp.Config).
type ProviderConfig struct {
	Name string
	Type string // ProviderTypeSMPP

	Host     string
	Port     int
	TLS      bool // smpps://
	SystemID string
	// Password is the password as given, or empty when PasswordEnv names
	// the environment variable that holds it.
	Password    Password
	PasswordEnv string
	SystemType  string

	Binds        int
	Window       int
	MPS          float64 // 0: unlimited
	EnquireLink  time.Duration
	DLRIDFormat  string
	DCS0         string
	Segmentation string

	CreatedAt, UpdatedAt time.Time
}

// URL is the provider's address without its password:
// smpp://SYSTEM_ID@HOST:PORT.
func (p ProviderConfig) URL() string {
	scheme := "smpp"
	if p.TLS {
		scheme = "smpps"
	}
	return fmt.Sprintf("%s://%s@%s", scheme, p.SystemID, joinHostPort(p.Host, p.Port))
}

func joinHostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s:%d", host, port)
}

// SameSettings reports whether p and q configure the same provider: every
// field but the timestamps.
func (p ProviderConfig) SameSettings(q ProviderConfig) bool {
	p.CreatedAt, p.UpdatedAt, q.CreatedAt, q.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return p == q
}

// ProviderBind is one bind of one provider in one server process, as that
// process last recorded it.
type ProviderBind struct {
	Process   string
	Provider  string
	Bind      int // 0-based within the process
	State     string
	Since     time.Time
	LastError string
	UpdatedAt time.Time
}

// BindStaleAfter is how long a bind row stays live without its process
// refreshing it: a process refreshes its rows every few seconds, so rows
// older than this belong to a process that died.
const BindStaleAfter = 30 * time.Second

// ProviderProblems says what is wrong with sending, for /readyz: SMPP binds
// that are not bound (binds holds the live processes' rows), and in
// production the numbers that have no route when there is no default
// provider (unrouted counts the assigned numbers without a route). An
// empty result means nothing is wrong.
func ProviderProblems(providers []ProviderConfig, binds []ProviderBind, production bool, defaultProvider string, unrouted int) []string {
	var out []string
	for _, p := range providers {
		if p.Type != ProviderTypeSMPP {
			continue
		}
		total, notBound := 0, map[string]int{}
		for _, b := range binds {
			if b.Provider != p.Name {
				continue
			}
			total++
			if b.State != BindBound {
				notBound[b.State]++
			}
		}
		switch {
		case total == 0:
			out = append(out, fmt.Sprintf("provider %s: no running server process reports a bind", p.Name))
		case len(notBound) > 0:
			var states []string
			n := 0
			for st, k := range notBound {
				states = append(states, fmt.Sprintf("%d %s", k, st))
				n += k
			}
			slices.Sort(states)
			out = append(out, fmt.Sprintf("provider %s: %d of %d binds not bound (%s)", p.Name, n, total, strings.Join(states, ", ")))
		}
	}
	if production && defaultProvider == "" && unrouted > 0 {
		out = append(out, fmt.Sprintf("assigned numbers without a provider route: %d; there is no default provider, so their messages fail %s",
			unrouted, redcloud.FailureNoRoute))
	}
	return out
}
