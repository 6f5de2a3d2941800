-- +goose Up
-- The people who use the operator console. email is stored lower-case;
-- role is 'admin' (may change things) or 'viewer' (may look). password_hash
-- is an argon2id hash in PHC string form, with its own parameters.
CREATE TABLE operators (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- A console login. Only the SHA-256 of the session cookie's token is kept,
-- so a copy of the database opens no session.
CREATE TABLE console_sessions (
    token_hash  TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX console_sessions_operator ON console_sessions (operator_id);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);

-- Every operator action, from the console and from redcloud admin alike:
-- who (an operator's email, or cli:<os user>), when, what, on what, and the
-- state before and after as JSON (never a secret).
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, id);

-- The console lists messages across API clients newest first, and finds
-- them by externalReference or recipient without knowing the client; the
-- API's indexes all start with the client.
CREATE INDEX messages_created ON messages (created_at, id);
CREATE INDEX messages_reference ON messages (external_reference, created_at, id)
    WHERE external_reference <> '';
CREATE INDEX messages_to ON messages (to_e164, created_at, id);

-- The console's overview counts the last hour's events by type.
CREATE INDEX events_created ON events (created_at);

-- +goose Down
DROP INDEX events_created;
DROP INDEX messages_to;
DROP INDEX messages_reference;
DROP INDEX messages_created;
DROP TABLE audit_log;
DROP TABLE console_sessions;
DROP TABLE operators;
