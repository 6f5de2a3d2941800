-- +goose Up
-- [extension] failure.providerCode: the upstream's raw status of a provider
-- refusal or failure receipt (SMPP "stat:UNDELIV err:001", a command_status).
ALTER TABLE messages ADD COLUMN failure_provider_code TEXT NOT NULL DEFAULT '';

-- The SMPP provider's parts: one row per submit_sm of a message, with the
-- SMSC's id (normalised: trimmed, lower case, hex/decimal digits without
-- leading zeros) and the part's latest receipt. A receipt may arrive on any
-- bind of any process, days later: it is matched here by (provider, smsc_id).
CREATE TABLE smpp_parts (
    message_id TEXT NOT NULL,
    part_no    INTEGER NOT NULL,
    parts      INTEGER NOT NULL,
    provider   TEXT NOT NULL,
    smsc_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    stat       TEXT NOT NULL DEFAULT '',
    updated    INTEGER NOT NULL,
    PRIMARY KEY (message_id, part_no)
);
CREATE INDEX smpp_parts_smsc_id ON smpp_parts (provider, smsc_id);
CREATE INDEX smpp_parts_updated ON smpp_parts (updated);

-- Final receipts whose id matched no part yet (the submit_sm_resp not yet
-- recorded): one row per candidate id (hex and decimal readings), matched
-- when a part with that id is recorded, dropped after a bound.
CREATE TABLE smpp_held_receipts (
    receipt_key TEXT NOT NULL,
    provider    TEXT NOT NULL,
    smsc_id     TEXT NOT NULL,
    status      TEXT NOT NULL,
    stat        TEXT NOT NULL,
    received    INTEGER NOT NULL,
    PRIMARY KEY (provider, smsc_id, receipt_key)
);
CREATE INDEX smpp_held_receipts_received ON smpp_held_receipts (received);

-- A message's final SMPP outcome (every part delivered, or a part failed),
-- queued for the platform: a process reports it when due_at passes (a lease
-- while one tries), and marks it done; at most one row per message.
CREATE TABLE smpp_reports (
    message_id TEXT NOT NULL PRIMARY KEY,
    provider   TEXT NOT NULL,
    smsc_id    TEXT NOT NULL,
    delivered  INTEGER NOT NULL,
    stat       TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    attempts   INTEGER NOT NULL DEFAULT 0,
    due_at     INTEGER NOT NULL,
    created    INTEGER NOT NULL
);
CREATE INDEX smpp_reports_due ON smpp_reports (done, due_at);

-- +goose Down
DROP TABLE smpp_reports;
DROP TABLE smpp_held_receipts;
DROP TABLE smpp_parts;
ALTER TABLE messages DROP COLUMN failure_provider_code;
