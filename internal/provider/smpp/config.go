// Package smpp is the SMPP v3.4 provider: the server as an ESME bound to a
// carrier's SMSC, behind the provider seam.
package smpp

import (
	"log/slog"
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
