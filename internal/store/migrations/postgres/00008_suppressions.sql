-- +goose Up
-- The opt-out list (CONTRACT §12): one row per (API client, phone number)
-- that must not be sent to. source is 'keyword' (the person texted STOP;
-- lifted only by their START or an operator) or 'api' (the client added it;
-- the client may remove it).
CREATE TABLE suppressions (
    api_client_id      TEXT NOT NULL,
    e164               TEXT NOT NULL,
    source             TEXT NOT NULL,
    keyword            TEXT NOT NULL DEFAULT '',
    number_id          TEXT NOT NULL DEFAULT '',
    inbound_message_id TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    PRIMARY KEY (api_client_id, e164)
);

-- An operator's removal of an opt-out, with the reason the operator gave
-- (required for a keyword opt-out: the person asked not to be texted).
CREATE TABLE suppression_removals (
    api_client_id TEXT NOT NULL,
    e164          TEXT NOT NULL,
    source        TEXT NOT NULL,
    keyword       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    removed_at    BIGINT NOT NULL
);

-- A keyword reply (the answer to STOP, START or HELP) is an ordinary QUEUED
-- message for the provider worker, but emits no lifecycle webhooks and is
-- not held back by the opt-out it confirms.
ALTER TABLE messages ADD COLUMN keyword_reply INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE messages DROP COLUMN keyword_reply;
DROP TABLE suppression_removals;
DROP TABLE suppressions;
