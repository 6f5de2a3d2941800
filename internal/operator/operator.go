// Package operator holds the operator's actions — accounts, API clients with
// their secrets, capabilities and webhooks, numbers, webhook deliveries and
// event replay — as a Go API over the store. `redcloud admin` and the web
// console both call it and hold no rule of their own: the rules come from
// internal/platform, and this package applies them.
//
// Errors a caller can act on are *platform.Error: INVALID_REQUEST (with
// details.field) for input that breaks a rule, NOT_FOUND for an unknown id,
// CONFLICT for a duplicate or a state that forbids the action. Every input
// type has a Validate method that finds the INVALID_REQUEST errors without
// touching the database; the actions call it too. Any other error is a
// database failure: log it, do not show it.
package operator

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// Operator performs the operator's actions on one database, on behalf of
// one actor, whom the audit log names.
type Operator struct {
	db         *store.DB
	now        func() time.Time
	actor      string
	sessionTTL time.Duration
}

// Config configures an Operator; its zero value works.
type Config struct {
	// Now is the clock for creation times and replays; default time.Now.
	Now func() time.Time
	// Actor is who the audit log says did what this Operator does; default
	// CLIActor(). The console acts through As(the operator's email).
	Actor string
	// SessionTTL is how long a console login lasts; default 12h.
	SessionTTL time.Duration
}

// New returns an Operator working on db, which the caller keeps and closes.
func New(db *store.DB, cfg Config) *Operator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Actor == "" {
		cfg.Actor = CLIActor()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	return &Operator{db: db, now: cfg.Now, actor: cfg.Actor, sessionTTL: cfg.SessionTTL}
}

// As returns an Operator on the same database whose actions the audit log
// records as actor's (a console operator's email).
func (o *Operator) As(actor string) *Operator {
	c := *o
	c.actor = actor
	return &c
}

// Actor returns who the audit log names for this Operator's actions.
func (o *Operator) Actor() string { return o.actor }

// CLIActor is the audit log's name for whoever runs a command on this
// machine: "cli:" and the operating-system user.
func CLIActor() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = cmp.Or(os.Getenv("USER"), "unknown")
	}
	return "cli:" + name
}

// invalid is an INVALID_REQUEST error about field; its message starts with
// the field's name, so that a command line can name its flag instead.
func invalid(field, format string, args ...any) error {
	return platform.Invalid(field, fmt.Sprintf(format, args...))
}

// notFound is a NOT_FOUND error.
func notFound(format string, args ...any) error {
	return platform.Errorf(redcloud.CodeNotFound, format, args...)
}

// conflict is a CONFLICT error; reason, when not empty, names the state in
// details.reason so that callers can add their own advice.
func conflict(reason, format string, args ...any) *platform.Error {
	e := platform.Errorf(redcloud.CodeConflict, format, args...)
	if reason != "" {
		e = e.With("reason", reason)
	}
	return e
}

// Reasons of CONFLICT errors (details.reason) a caller may advise on.
const (
	// ReasonNumberAssigned: the number is assigned to another API client;
	// details.numberId names it.
	ReasonNumberAssigned = "number_assigned"
	// ReasonWebhookSecretPending: a next webhook secret already waits for
	// activation; details.apiClientId names the client.
	ReasonWebhookSecretPending = "webhook_secret_pending"
	// ReasonNoWebhookSecretPending: there is no next webhook secret to
	// activate; details.apiClientId names the client.
	ReasonNoWebhookSecretPending = "no_webhook_secret_pending"
)

// missing turns the store's not-found into a NOT_FOUND error with the
// message given and passes any other error through.
func missing(err error, format string, args ...any) error {
	if errors.Is(err, platform.ErrNotFound) {
		return notFound(format, args...)
	}
	return err
}
