-- +goose Up
-- Fewer index entries written per message (issue 17). A status change
-- rewrote the entry of every index holding status: the four list indexes
-- of migration 00006 and the queue's partial ones. The list indexes by
-- time, recipient and number now end at the page order; a list filtered by
-- status reads messages_client_status, whose trailing number_id and
-- to_e164 still check those combinations on the index entry (ListMessages
-- names it). messages_queued_number holds every QUEUED message, so
-- messages_queued duplicated it.
DROP INDEX messages_client_created;
CREATE INDEX messages_client_created ON messages (api_client_id, created_at, id);
DROP INDEX messages_client_to;
CREATE INDEX messages_client_to ON messages (api_client_id, to_e164, created_at, id);
DROP INDEX messages_client_number;
CREATE INDEX messages_client_number ON messages (api_client_id, number_id, created_at, id);
DROP INDEX messages_queued;

-- +goose Down
CREATE INDEX messages_queued ON messages (status) WHERE status = 'QUEUED';
DROP INDEX messages_client_number;
CREATE INDEX messages_client_number ON messages (api_client_id, number_id, created_at, id, status, to_e164);
DROP INDEX messages_client_to;
CREATE INDEX messages_client_to ON messages (api_client_id, to_e164, created_at, id, status, number_id);
DROP INDEX messages_client_created;
CREATE INDEX messages_client_created ON messages (api_client_id, created_at, id, status, number_id);
