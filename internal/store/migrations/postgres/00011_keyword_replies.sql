-- +goose Up
-- An API client's own answers to STOP, START and HELP (CONTRACT §12); ''
-- means the default text (platform.ReplyOptOut, ReplyOptIn, ReplyHelp).
ALTER TABLE api_clients ADD COLUMN reply_opt_out TEXT NOT NULL DEFAULT '';
ALTER TABLE api_clients ADD COLUMN reply_opt_in TEXT NOT NULL DEFAULT '';
ALTER TABLE api_clients ADD COLUMN reply_help TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE api_clients DROP COLUMN reply_help;
ALTER TABLE api_clients DROP COLUMN reply_opt_in;
ALTER TABLE api_clients DROP COLUMN reply_opt_out;
