-- +goose Up
-- Failed token requests per key (client_id or remote address) in fixed
-- windows; in the database so every server process shares one count.
CREATE TABLE auth_failures (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL
);
CREATE INDEX auth_failures_window ON auth_failures (window_start);

-- +goose Down
DROP TABLE auth_failures;
