-- +goose Up
-- Settings of the database as a whole. "mode" records whether sandbox mode
-- (published demo credentials) or production set the database up, so that
-- a process in the other mode refuses to start on it.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
