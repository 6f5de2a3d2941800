package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud/internal/platform"
)

// Settings keys of the provider configuration.
const (
	settingDefaultProvider = "default_provider"
	// settingProvidersVersion changes with every change of providers,
	// routes or the default, so that running servers notice a change with
	// one cheap read instead of reloading everything.
	settingProvidersVersion = "providers_version"
)

const providerColumns = `name, type, host, port, tls, system_id, password, password_env, system_type,
	binds, bind_window, mps, enquire_link_ms, dlr_id_format, dcs0, segmentation, created_at, updated_at`

func scanProvider(row interface{ Scan(...any) error }) (platform.ProviderConfig, error) {
	var p platform.ProviderConfig
	var password sql.NullString
	var enquire, created, updated int64
	err := row.Scan(&p.Name, &p.Type, &p.Host, &p.Port, &p.TLS, &p.SystemID, &password, &p.PasswordEnv, &p.SystemType,
		&p.Binds, &p.Window, &p.MPS, &enquire, &p.DLRIDFormat, &p.DCS0, &p.Segmentation, &created, &updated)
	p.Password = platform.Password(password.String)
	p.EnquireLink = time.Duration(enquire) * time.Millisecond
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, err
}

func providerArgs(p platform.ProviderConfig) []any {
	return []any{p.Name, p.Type, p.Host, p.Port, b2i(p.TLS), p.SystemID, emptyNull(p.Password.Reveal()), p.PasswordEnv, p.SystemType,
		p.Binds, p.Window, p.MPS, p.EnquireLink.Milliseconds(), p.DLRIDFormat, p.DCS0, p.Segmentation, ms(p.CreatedAt), ms(p.UpdatedAt)}
}

// bumpProviders records that the provider configuration changed.
func bumpProviders(ctx context.Context, x q) error {
	if _, err := x.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingProvidersVersion, platform.NewID("cfg_")); err != nil {
		return fmt.Errorf("record provider change: %w", err)
	}
	return nil
}

// forShare ends a SELECT of the row a change depends on: on PostgreSQL it
// holds the row until the transaction ends, so that a concurrent removal
// of the provider waits for it (or it for the removal); SQLite has one
// writer and needs nothing.
func (db *DB) forShare() string {
	if db.dialect.name == "postgres" {
		return " FOR SHARE"
	}
	return ""
}

// InsertProvider adds a provider; platform.ErrConflict when its name is
// taken.
func (db *DB) InsertProvider(ctx context.Context, p platform.ProviderConfig) error {
	return db.tx(ctx, func(x q) error {
		_, err := x.exec(ctx, `INSERT INTO providers (`+providerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			providerArgs(p)...)
		if isUniqueViolation(err) {
			return fmt.Errorf("insert provider %s: %w", p.Name, errConflict)
		}
		if err != nil {
			return fmt.Errorf("insert provider %s: %w", p.Name, err)
		}
		return bumpProviders(ctx, x)
	})
}

// UpdateProvider replaces every setting of provider p.Name but its
// creation time; platform.ErrNotFound when there is none.
func (db *DB) UpdateProvider(ctx context.Context, p platform.ProviderConfig) error {
	return db.tx(ctx, func(x q) error {
		res, err := x.exec(ctx, `UPDATE providers SET type = ?, host = ?, port = ?, tls = ?, system_id = ?, password = ?,
			password_env = ?, system_type = ?, binds = ?, bind_window = ?, mps = ?, enquire_link_ms = ?, dlr_id_format = ?,
			dcs0 = ?, segmentation = ?, updated_at = ? WHERE name = ?`,
			p.Type, p.Host, p.Port, b2i(p.TLS), p.SystemID, emptyNull(p.Password.Reveal()), p.PasswordEnv, p.SystemType,
			p.Binds, p.Window, p.MPS, p.EnquireLink.Milliseconds(), p.DLRIDFormat, p.DCS0, p.Segmentation, ms(p.UpdatedAt), p.Name)
		if err != nil {
			return fmt.Errorf("update provider %s: %w", p.Name, err)
		}
		if err := changedOne(res, "update provider "+p.Name); err != nil {
			return err
		}
		return bumpProviders(ctx, x)
	})
}

// GetProvider returns a provider by name; platform.ErrNotFound when there
// is none (the built-in sandbox is none).
func (db *DB) GetProvider(ctx context.Context, name string) (platform.ProviderConfig, error) {
	p, err := scanProvider(db.r().row(ctx, `SELECT `+providerColumns+` FROM providers WHERE name = ?`, name))
	if err != nil {
		return p, notFound(err, "get provider "+name)
	}
	return p, nil
}

// ListProviders returns every stored provider by name.
func (db *DB) ListProviders(ctx context.Context) ([]platform.ProviderConfig, error) {
	rows, err := db.r().query(ctx, `SELECT `+providerColumns+` FROM providers ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	defer rows.Close()
	out := []platform.ProviderConfig{}
	for rows.Next() {
		p, err := scanProvider(rows)
		if err != nil {
			return nil, fmt.Errorf("list providers: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ProviderInUseError is DeleteProvider's refusal: numbers route to the
// provider, or it is the default. It wraps platform.ErrConflict.
type ProviderInUseError struct {
	Provider string
	Numbers  int      // numbers routed to it
	Some     []string // up to 5 of their ids
	Default  bool     // it is the default provider
}

func (e *ProviderInUseError) Error() string {
	return fmt.Sprintf("provider %s is in use: %d numbers routed to it, default %v", e.Provider, e.Numbers, e.Default)
}

func (e *ProviderInUseError) Unwrap() error { return errConflict }

// DeleteProvider removes a provider; platform.ErrNotFound when there is
// none, *ProviderInUseError while numbers route to it or it is the default.
func (db *DB) DeleteProvider(ctx context.Context, name string) error {
	return db.tx(ctx, func(x q) error {
		// Delete first: on PostgreSQL the deleted row stays locked until the
		// transaction ends, so a route to it made meanwhile waits and then
		// finds no provider, or committed before and is counted below.
		res, err := x.exec(ctx, `DELETE FROM providers WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("delete provider %s: %w", name, err)
		}
		if err := changedOne(res, "delete provider "+name); err != nil {
			return err
		}
		inUse := &ProviderInUseError{Provider: name}
		if err := x.row(ctx, `SELECT COUNT(*) FROM numbers WHERE provider = ?`, name).Scan(&inUse.Numbers); err != nil {
			return fmt.Errorf("delete provider %s: %w", name, err)
		}
		if inUse.Numbers > 0 {
			rows, err := x.query(ctx, `SELECT id FROM numbers WHERE provider = ? ORDER BY id LIMIT 5`, name)
			if err != nil {
				return fmt.Errorf("delete provider %s: %w", name, err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return fmt.Errorf("delete provider %s: %w", name, err)
				}
				inUse.Some = append(inUse.Some, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("delete provider %s: %w", name, err)
			}
		}
		def, err := defaultProvider(ctx, x)
		if err != nil {
			return err
		}
		inUse.Default = def == name
		if inUse.Numbers > 0 || inUse.Default {
			return inUse
		}
		return bumpProviders(ctx, x)
	})
}

// providerExists checks, under a share lock, that a route may name
// provider: the built-in sandbox or a stored provider.
func (db *DB) providerExists(ctx context.Context, x q, name string) error {
	if name == platform.SandboxProvider {
		return nil
	}
	var got string
	err := x.row(ctx, `SELECT name FROM providers WHERE name = ?`+db.forShare(), name).Scan(&got)
	return notFoundOrNil(err, "provider "+name)
}

// SetDefaultProvider makes name the provider of numbers without a route;
// "" clears it. platform.ErrNotFound when no such provider exists.
func (db *DB) SetDefaultProvider(ctx context.Context, name string) error {
	return db.tx(ctx, func(x q) error {
		if _, err := x.exec(ctx, `DELETE FROM settings WHERE key = ?`, settingDefaultProvider); err != nil {
			return fmt.Errorf("set default provider: %w", err)
		}
		if name != "" {
			if err := db.providerExists(ctx, x, name); err != nil {
				return err
			}
			if _, err := x.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, settingDefaultProvider, name); err != nil {
				return fmt.Errorf("set default provider: %w", err)
			}
		}
		return bumpProviders(ctx, x)
	})
}

// DefaultProvider returns the default provider's name, "" when none is set.
func (db *DB) DefaultProvider(ctx context.Context) (string, error) {
	return defaultProvider(ctx, db.r())
}

func defaultProvider(ctx context.Context, x q) (string, error) {
	var v string
	err := x.row(ctx, `SELECT value FROM settings WHERE key = ?`, settingDefaultProvider).Scan(&v)
	if isNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read default provider: %w", err)
	}
	return v, nil
}

// ProvidersVersion returns a value that changes whenever providers,
// routes or the default change ("" before the first change).
func (db *DB) ProvidersVersion(ctx context.Context) (string, error) {
	var v string
	err := db.r().row(ctx, `SELECT value FROM settings WHERE key = ?`, settingProvidersVersion).Scan(&v)
	if isNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read providers version: %w", err)
	}
	return v, nil
}

// RouteNumber sends number numberID's messages through provider ("" clears
// the route: the default provider then). platform.ErrNotFound, wrapped
// with what is missing, when the number or the provider does not exist.
func (db *DB) RouteNumber(ctx context.Context, numberID, provider string) error {
	return db.tx(ctx, func(x q) error {
		if provider != "" {
			if err := db.providerExists(ctx, x, provider); err != nil {
				return err
			}
		}
		res, err := x.exec(ctx, `UPDATE numbers SET provider = ? WHERE id = ?`, emptyNull(provider), numberID)
		if err != nil {
			return fmt.Errorf("route number %s: %w", numberID, err)
		}
		if err := changedOne(res, "number "+numberID); err != nil {
			return err
		}
		return bumpProviders(ctx, x)
	})
}

// NumberRoute returns the provider number numberID routes to, "" for
// none; platform.ErrNotFound when there is no such number.
func (db *DB) NumberRoute(ctx context.Context, numberID string) (string, error) {
	var p sql.NullString
	if err := db.r().row(ctx, `SELECT provider FROM numbers WHERE id = ?`, numberID).Scan(&p); err != nil {
		return "", notFound(err, "number "+numberID)
	}
	return p.String, nil
}

// NumberRoutes maps every number that has a route to its provider.
func (db *DB) NumberRoutes(ctx context.Context) (map[string]string, error) {
	rows, err := db.r().query(ctx, `SELECT id, provider FROM numbers WHERE provider IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("read number routes: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, p string
		if err := rows.Scan(&id, &p); err != nil {
			return nil, fmt.Errorf("read number routes: %w", err)
		}
		out[id] = p
	}
	return out, rows.Err()
}

// CountRoutes counts numbers by the provider they route to; "" counts the
// numbers assigned to an API client that have no route (the inventory
// sends nothing).
func (db *DB) CountRoutes(ctx context.Context) (map[string]int, error) {
	rows, err := db.r().query(ctx, `SELECT COALESCE(provider, ''), COUNT(*) FROM numbers
		WHERE provider IS NOT NULL OR api_client_id IS NOT NULL GROUP BY COALESCE(provider, '')`)
	if err != nil {
		return nil, fmt.Errorf("count number routes: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			return nil, fmt.Errorf("count number routes: %w", err)
		}
		out[p] = n
	}
	return out, rows.Err()
}

// SaveProviderBinds records binds (insert or replace, by process, provider
// and bind).
func (db *DB) SaveProviderBinds(ctx context.Context, binds []platform.ProviderBind) error {
	if len(binds) == 0 {
		return nil
	}
	return db.tx(ctx, func(x q) error {
		for _, b := range binds {
			if _, err := x.exec(ctx, `INSERT INTO provider_binds (process, provider, bind, state, since, last_error, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (process, provider, bind) DO UPDATE SET state = excluded.state, since = excluded.since,
					last_error = excluded.last_error, updated_at = excluded.updated_at`,
				b.Process, b.Provider, b.Bind, b.State, ms(b.Since), b.LastError, ms(b.UpdatedAt)); err != nil {
				return fmt.Errorf("save provider bind: %w", err)
			}
		}
		return nil
	})
}

// DeleteProviderBinds deletes process's binds of provider, or all its
// binds when provider is "".
func (db *DB) DeleteProviderBinds(ctx context.Context, process, provider string) error {
	query, args := `DELETE FROM provider_binds WHERE process = ?`, []any{process}
	if provider != "" {
		query, args = query+` AND provider = ?`, append(args, provider)
	}
	if _, err := db.w().exec(ctx, query, args...); err != nil {
		return fmt.Errorf("delete provider binds: %w", err)
	}
	return nil
}

// TouchProviderBinds marks process's binds as refreshed at now: its rows
// stay live.
func (db *DB) TouchProviderBinds(ctx context.Context, process string, now time.Time) error {
	if _, err := db.w().exec(ctx, `UPDATE provider_binds SET updated_at = ? WHERE process = ?`, ms(now), process); err != nil {
		return fmt.Errorf("refresh provider binds: %w", err)
	}
	return nil
}

// ListProviderBinds returns the binds refreshed at or after liveSince, by
// provider, process and bind: older rows belong to processes that died.
func (db *DB) ListProviderBinds(ctx context.Context, liveSince time.Time) ([]platform.ProviderBind, error) {
	rows, err := db.r().query(ctx, `SELECT process, provider, bind, state, since, last_error, updated_at FROM provider_binds
		WHERE updated_at >= ? ORDER BY provider, process, bind`, ms(liveSince))
	if err != nil {
		return nil, fmt.Errorf("list provider binds: %w", err)
	}
	defer rows.Close()
	out := []platform.ProviderBind{}
	for rows.Next() {
		var b platform.ProviderBind
		var since, updated int64
		if err := rows.Scan(&b.Process, &b.Provider, &b.Bind, &b.State, &since, &b.LastError, &updated); err != nil {
			return nil, fmt.Errorf("list provider binds: %w", err)
		}
		b.Since, b.UpdatedAt = fromMS(since), fromMS(updated)
		out = append(out, b)
	}
	return out, rows.Err()
}

// PruneProviderBinds deletes binds not refreshed since before (their
// processes died) and returns how many.
func (db *DB) PruneProviderBinds(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w().exec(ctx, `DELETE FROM provider_binds WHERE updated_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune provider binds: %w", err)
	}
	return res.RowsAffected()
}
