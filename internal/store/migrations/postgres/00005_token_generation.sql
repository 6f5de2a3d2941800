-- +goose Up
-- Suspending an API client or its account moves its token generation on;
-- a token is honoured only while the generations it was issued under are
-- current, so re-activation does not revive tokens from before a
-- suspension.
ALTER TABLE api_clients ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN client_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN account_generation INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tokens DROP COLUMN account_generation;
ALTER TABLE tokens DROP COLUMN client_generation;
ALTER TABLE accounts DROP COLUMN token_generation;
ALTER TABLE api_clients DROP COLUMN token_generation;
