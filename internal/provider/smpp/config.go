// Package smpp is the SMPP v3.4 provider: the server as an ESME bound to a
// carrier's SMSC, behind the provider seam.
package smpp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Config is one SMPP provider as an operator configured it (`redcloud admin
// provider add`). Zero values take the defaults their docs name.
type Config struct {
	Name       string // the provider's name, in logs, metrics and bind states
	Host       string
	Port       int
	TLS        bool // smpps://
	SystemID   string
	Password   string // never logged
	SystemType string

	Binds       int           // transceiver binds per process; default 1
	Window      int           // submits in flight per bind; default 10
	MPS         float64       // submits per second per provider and process; 0 = unlimited
	EnquireLink time.Duration // idle-link probe; default 30s; read timeout is 3× this

	DLRIDFormat  string // "auto" (default), "dec" or "hex"
	DCS0         string // what data_coding 0 means to the SMSC: "gsm" (default), "latin1", "ascii"
	Segmentation string // "udh" (default), "sar" or "payload"

	// OnBindState, when set, is told every change of a bind's state.
	OnBindState func(BindState)
	Logger      *slog.Logger

	// Store keeps the parts' SMSC ids, held receipts and queued outcomes
	// (implemented by *store.DB). Required.
	Store Store
	// Metrics, when set, counts what happens on the links (see the
	// Counter* names); Counters is an in-memory implementation.
	Metrics Metrics
	// TLSConfig is used for smpps://; default: the system roots, the Host
	// as server name, TLS 1.2 at least.
	TLSConfig *tls.Config
	// BindTimeout bounds the TCP connect, the TLS handshake and the answer
	// to bind_transceiver, and every write. Default 10s.
	BindTimeout time.Duration
	// ResponseTimeout is how long a submit_sm may stay unanswered on a
	// live link; after it the link is dropped (the submit's outcome is
	// unknown: its resend counts as a possible duplicate). Default 60s.
	ResponseTimeout time.Duration
	// RebindMin and RebindMax bound the exponential backoff (with jitter)
	// between bind attempts; a credential refusal waits RebindMax at once.
	// Defaults 1s and 60s.
	RebindMin, RebindMax time.Duration
	// ThrottlePause is how long a bind sends nothing after ESME_RTHROTTLED
	// or ESME_RMSGQFUL, and the RetryAfter of the ThrottledError. Default 1s.
	ThrottlePause time.Duration
	// HoldReceipts is how long a receipt for an unknown SMSC id is kept
	// waiting for its id to be recorded before it is dropped (and
	// counted). Default 72h.
	HoldReceipts time.Duration
	// KeepParts is how long parts and outcomes are kept after their last
	// change, for late receipts. Default 720h (30 days).
	KeepParts time.Duration
	// Reassembly bounds concatenated inbound messages waiting for their
	// other parts: how long one waits and how many wait at once (the
	// oldest is dropped first). Defaults 10m and 1000.
	ReassemblyTimeout time.Duration
	ReassemblyMax     int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Bind states.
const (
	BindConnecting = "connecting"
	BindBound      = "bound"
	BindFailed     = "failed"
)

// BindState is one bind's state, recorded per process for operators.
type BindState struct {
	Provider  string
	Bind      int // 0-based index within the process
	State     string
	Since     time.Time
	LastError string
}

// String describes c for logs, with the password redacted.
func (c Config) String() string {
	scheme := "smpp"
	if c.TLS {
		scheme = "smpps"
	}
	return fmt.Sprintf("%s %s://%s:***@%s:%d binds=%d window=%d mps=%g enquire-link=%s dlr-id-format=%s dcs0=%s segmentation=%s",
		c.Name, scheme, c.SystemID, c.Host, c.Port, c.Binds, c.Window, c.MPS, c.EnquireLink, c.DLRIDFormat, c.DCS0, c.Segmentation)
}

// LogValue keeps the password out of structured logs too.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// withDefaults validates c and fills its defaults. Its errors never hold
// the password.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(c.Name) == "" {
		bad("Name is required")
	}
	if strings.TrimSpace(c.Host) == "" {
		bad("Host is required")
	}
	if c.Port < 1 || c.Port > 65535 {
		bad("Port %d is not a TCP port (1-65535)", c.Port)
	}
	if c.SystemID == "" || len(c.SystemID) > 15 {
		bad("SystemID must be 1 to 15 characters (SMPP system_id), got %d", len(c.SystemID))
	}
	if strings.ContainsRune(c.Password, 0) {
		bad("Password must not contain a NUL character")
	}
	if len(c.SystemType) > 12 {
		bad("SystemType must be at most 12 characters (SMPP system_type), got %d", len(c.SystemType))
	}
	if c.Store == nil {
		bad("Store is required")
	}
	for _, f := range []struct {
		name string
		v    int
		def  *int
		d    int
	}{{"Binds", c.Binds, &c.Binds, 1}, {"Window", c.Window, &c.Window, 10}, {"ReassemblyMax", c.ReassemblyMax, &c.ReassemblyMax, 1000}} {
		switch {
		case f.v < 0:
			bad("%s %d is negative", f.name, f.v)
		case f.v == 0:
			*f.def = f.d
		}
	}
	if c.Binds > 64 {
		bad("Binds %d is more than 64", c.Binds)
	}
	if !(c.MPS >= 0) { // also NaN
		bad("MPS %v must be 0 (unlimited) or positive", c.MPS)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"EnquireLink", &c.EnquireLink, 30 * time.Second},
		{"BindTimeout", &c.BindTimeout, 10 * time.Second},
		{"ResponseTimeout", &c.ResponseTimeout, 60 * time.Second},
		{"RebindMin", &c.RebindMin, time.Second},
		{"RebindMax", &c.RebindMax, 60 * time.Second},
		{"ThrottlePause", &c.ThrottlePause, time.Second},
		{"HoldReceipts", &c.HoldReceipts, 72 * time.Hour},
		{"KeepParts", &c.KeepParts, 720 * time.Hour},
		{"ReassemblyTimeout", &c.ReassemblyTimeout, 10 * time.Minute},
	} {
		switch {
		case *d.v < 0:
			bad("%s %s is negative", d.name, *d.v)
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if c.RebindMax < c.RebindMin {
		bad("RebindMax %s is less than RebindMin %s", c.RebindMax, c.RebindMin)
	}
	c.DLRIDFormat = pick(c.DLRIDFormat, "DLRIDFormat", []string{"auto", "dec", "hex"}, bad)
	c.DCS0 = pick(c.DCS0, "DCS0", []string{"gsm", "latin1", "ascii"}, bad)
	c.Segmentation = pick(c.Segmentation, "Segmentation", []string{"udh", "sar", "payload"}, bad)
	if len(errs) > 0 {
		return c, fmt.Errorf("smpp provider %q: %w", c.Name, errors.Join(errs...))
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// pick returns v lower-cased, the first of allowed when empty, and reports
// a value outside allowed.
func pick(v, name string, allowed []string, bad func(string, ...any)) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return allowed[0]
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	bad("%s %q is not one of %s", name, v, strings.Join(allowed, ", "))
	return v
}
