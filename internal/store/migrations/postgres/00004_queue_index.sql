-- +goose Up
-- The queue gauges of /metrics count QUEUED messages: without an index
-- each scrape scanned every message (0.45 s at 1 M rows).
CREATE INDEX messages_queued ON messages (status) WHERE status = 'QUEUED';

-- +goose Down
DROP INDEX messages_queued;
