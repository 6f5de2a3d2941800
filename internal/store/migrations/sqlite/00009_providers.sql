-- +goose Up
-- Upstream providers an operator configured (`redcloud admin provider`).
-- The built-in sandbox provider is no row: it is always there. The URL is
-- kept in parts without its password; password holds the password as given
-- (a bind needs it in the clear), or NULL when password_env names the
-- environment variable each server process reads it from.
CREATE TABLE providers (
    name            TEXT PRIMARY KEY,
    type            TEXT NOT NULL,
    host            TEXT NOT NULL,
    port            INTEGER NOT NULL,
    tls             INTEGER NOT NULL,
    system_id       TEXT NOT NULL,
    password        TEXT,
    password_env    TEXT NOT NULL DEFAULT '',
    system_type     TEXT NOT NULL DEFAULT '',
    binds           INTEGER NOT NULL,
    bind_window     INTEGER NOT NULL,
    mps             REAL NOT NULL,
    enquire_link_ms INTEGER NOT NULL,
    dlr_id_format   TEXT NOT NULL,
    dcs0            TEXT NOT NULL,
    segmentation    TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- A number's provider route: NULL sends through the default provider
-- (settings key default_provider), else, in sandbox mode, the sandbox.
-- No foreign key: "sandbox" is a route without a row.
ALTER TABLE numbers ADD COLUMN provider TEXT;
CREATE INDEX numbers_provider ON numbers (provider) WHERE provider IS NOT NULL;

-- Each server process's SMPP binds, for operators (admin provider list,
-- /readyz, /metrics). A process refreshes updated_at of its rows every few
-- seconds and deletes them when it stops; rows of a process that died stop
-- being refreshed and are ignored, then pruned, after a bound.
CREATE TABLE provider_binds (
    process    TEXT NOT NULL,
    provider   TEXT NOT NULL,
    bind       INTEGER NOT NULL,
    state      TEXT NOT NULL,
    since      INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (process, provider, bind)
);

-- +goose Down
DROP TABLE provider_binds;
DROP INDEX numbers_provider;
ALTER TABLE numbers DROP COLUMN provider;
DROP TABLE providers;
