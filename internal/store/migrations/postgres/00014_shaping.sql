-- +goose Up
-- Throughput shaping (README "Throughput shaping"). A number's own send
-- rate in segments per second; NULL takes the server's --default-number-mps.
ALTER TABLE numbers ADD COLUMN mps DOUBLE PRECISION;

-- A 10DLC campaign's limits, shared by the numbers whose campaign_reg_id
-- is its id; NULL is no limit.
CREATE TABLE campaigns (
    id         TEXT PRIMARY KEY,
    sms_tpm    BIGINT,
    mms_tpm    BIGINT,
    daily_cap  BIGINT,
    updated_at BIGINT NOT NULL
);

-- The shared state of every bucket (number, campaign): tat is when its next
-- segment may be sent, tail when the segments accepted so far are
-- estimated to be sent (both unix ms), day_count the segments sent on the
-- Pacific date day. Every process on the database takes from the same rows.
CREATE TABLE shaping_buckets (
    key       TEXT PRIMARY KEY,
    tat       BIGINT NOT NULL DEFAULT 0,
    tail      BIGINT NOT NULL DEFAULT 0,
    day       TEXT NOT NULL DEFAULT '',
    day_count BIGINT NOT NULL DEFAULT 0
);

-- The estimated send time of a QUEUED message waiting for tokens.
ALTER TABLE messages ADD COLUMN queued_until BIGINT;

-- Order per sending number: a message waits while an older one of its
-- number is queued.
CREATE INDEX messages_queued_number ON messages (number_id, id) WHERE status = 'QUEUED';

-- +goose Down
DROP INDEX messages_queued_number;
ALTER TABLE messages DROP COLUMN queued_until;
DROP TABLE shaping_buckets;
DROP TABLE campaigns;
ALTER TABLE numbers DROP COLUMN mps;
