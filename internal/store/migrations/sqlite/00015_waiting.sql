-- +goose Up
-- The shaping metrics (redcloud_shaping_queued_segments and _wait_seconds)
-- sum, every few seconds, the QUEUED messages waiting for their buckets'
-- tokens per number: this index holds exactly those messages and the
-- columns summed, so the sum reads neither the table nor the rest of the
-- queue. status leads so that SQLite, without statistics, prefers it to
-- messages_queued for "status = 'QUEUED'".
CREATE INDEX messages_waiting ON messages (status, number_id, queued_until, message_type, segments)
    WHERE status = 'QUEUED' AND queued_until IS NOT NULL;

-- The numbers with a rate of their own, for the same metrics.
CREATE INDEX numbers_mps ON numbers (id, mps) WHERE mps IS NOT NULL;

-- +goose Down
DROP INDEX numbers_mps;
DROP INDEX messages_waiting;
