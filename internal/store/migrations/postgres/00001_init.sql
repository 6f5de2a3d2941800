-- +goose Up
-- Times are unix milliseconds (BIGINT) so the same queries run on SQLite
-- and PostgreSQL; booleans are 0/1 for the same reason.
CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_clients (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (id),
    name                TEXT NOT NULL,
    status              TEXT NOT NULL,
    secret_hash         TEXT NOT NULL,
    capabilities        TEXT NOT NULL,
    delivery_url        TEXT,
    inbound_url         TEXT,
    webhook_secret      TEXT NOT NULL,
    webhook_secret_next TEXT,
    created_at          BIGINT NOT NULL
);

CREATE TABLE tokens (
    hash          TEXT PRIMARY KEY,
    api_client_id TEXT NOT NULL REFERENCES api_clients (id),
    expires_at    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX tokens_expires ON tokens (expires_at);

-- numbers holds the inventory too: a number with no api_client_id is available.
CREATE TABLE numbers (
    id                        TEXT PRIMARY KEY,
    e164                      TEXT NOT NULL UNIQUE,
    api_client_id             TEXT REFERENCES api_clients (id),
    status                    TEXT NOT NULL,
    campaign_reg_id           TEXT,
    sms_enabled               BIGINT NOT NULL,
    mms_enabled               BIGINT NOT NULL,
    webhook_inbound_override  TEXT,
    webhook_delivery_override TEXT,
    npa                       TEXT NOT NULL,
    nxx                       TEXT NOT NULL,
    city                      TEXT NOT NULL,
    state                     TEXT NOT NULL,
    zip_code                  TEXT NOT NULL,
    rate_center               TEXT NOT NULL,
    created_at                BIGINT NOT NULL
);
CREATE INDEX numbers_client ON numbers (api_client_id, id);
CREATE INDEX numbers_inventory ON numbers (npa, nxx, rate_center, e164) WHERE api_client_id IS NULL;

CREATE TABLE idempotency_keys (
    api_client_id TEXT NOT NULL,
    key           TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    payload       BYTEA NOT NULL,
    status        BIGINT NOT NULL,
    response      BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (api_client_id, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

-- A QUEUED message with next_attempt_at set is the provider worker's work item.
CREATE TABLE messages (
    id                 TEXT PRIMARY KEY,
    api_client_id      TEXT NOT NULL,
    number_id          TEXT NOT NULL,
    direction          TEXT NOT NULL,
    from_e164          TEXT NOT NULL,
    to_e164            TEXT NOT NULL,
    message_type       TEXT NOT NULL,
    text               TEXT NOT NULL,
    media_urls         TEXT NOT NULL,
    external_reference TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL,
    status             TEXT NOT NULL,
    failure_code       TEXT NOT NULL DEFAULT '',
    failure_message    TEXT NOT NULL DEFAULT '',
    provider_ref       TEXT NOT NULL DEFAULT '',
    sequence           BIGINT NOT NULL,
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at    BIGINT,
    lease_owner        TEXT,
    lease_until        BIGINT,
    expires_at         BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX messages_client ON messages (api_client_id, id);
CREATE INDEX messages_provider_ref ON messages (provider_ref) WHERE provider_ref <> '';

CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    message_id    TEXT NOT NULL,
    api_client_id TEXT NOT NULL,
    type          TEXT NOT NULL,
    sequence      BIGINT NOT NULL,
    body          BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (message_id, sequence)
);

-- A PENDING delivery with next_attempt_at set is the dispatcher's work item.
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES events (id),
    api_client_id   TEXT NOT NULL,
    url             TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_status     BIGINT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_state ON deliveries (state, updated_at);

-- One row per real attempt: two workers that both attempted (a lease ran
-- out mid-attempt) record two rows, even with the same attempt number.
CREATE TABLE delivery_attempts (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    status_code BIGINT,
    error       TEXT NOT NULL DEFAULT '',
    latency_ms  BIGINT NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempt);

-- +goose Down
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE events;
DROP TABLE messages;
DROP TABLE idempotency_keys;
DROP TABLE numbers;
DROP TABLE tokens;
DROP TABLE api_clients;
DROP TABLE accounts;
