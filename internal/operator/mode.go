package operator

import (
	"context"
	"fmt"

	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// ModeCheck is what PrepareMode did.
type ModeCheck struct {
	// ConvertedFrom is the mode the database had before --change-mode
	// converted it; "" when it was not converted.
	ConvertedFrom store.Mode
	// Revoked counts the API clients whose published sandbox secret was
	// revoked (production only).
	Revoked int
	// RemovedOperators counts the console operators removed because their
	// password was the sandbox's published one (production only).
	RemovedOperators int
}

// ModeMismatchError says the database was set up in the other mode.
type ModeMismatchError struct {
	Database, Server store.Mode
	DSN              string // redacted
}

func (e *ModeMismatchError) Error() string {
	return fmt.Sprintf("the database %s was set up in %s mode and this server runs in %s mode: use a database of its own, or convert this one with --change-mode (to production: the published demo credentials stop working)",
		e.DSN, e.Database, e.Server)
}

// PrepareMode makes the database fit for a server in mode want: it records
// the mode on a new database, refuses (*ModeMismatchError) a database set
// up in the other mode unless change converts it, and in production revokes
// every API client that still accepts a secret the documentation publishes
// and every console operator whose password is the published one.
func (o *Operator) PrepareMode(ctx context.Context, want store.Mode, change bool, dsn string) (ModeCheck, error) {
	var done ModeCheck
	published := platform.PublishedSecretHashes()
	got, err := o.db.EnsureMode(ctx, want, published)
	if err != nil {
		return done, err
	}
	if got != want {
		if !change {
			return done, &ModeMismatchError{Database: got, Server: want, DSN: store.RedactDSN(dsn)}
		}
		if done.Revoked, err = o.db.SetMode(ctx, want, published); err != nil {
			return done, err
		}
		done.ConvertedFrom = got
		if err := o.record(ctx, ActionModeChange, "database", map[string]string{"mode": string(got)},
			map[string]any{"mode": string(want), "revokedClients": done.Revoked}); err != nil {
			return done, err
		}
	}
	if want == store.ModeProduction {
		n, err := o.db.RevokePublished(ctx, published)
		if err != nil {
			return done, err
		}
		done.Revoked += n
		if done.RemovedOperators, err = o.removePublishedOperators(ctx); err != nil {
			return done, err
		}
	}
	return done, nil
}
