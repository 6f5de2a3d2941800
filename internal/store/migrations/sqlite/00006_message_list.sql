-- +goose Up
-- GET /api/core/messages pages one API client's messages newest first by
-- (created_at, id). Each filter has an index that starts with the client
-- and the filtered column, then the page order, so that a page reads only
-- the rows it returns (a page of 100 out of 1 M messages in well under
-- 50 ms). The other equality filters follow as trailing columns, so that a
-- combination (status and numberId) is checked on the index entry, without
-- reading the table row of every entry that does not match.
-- messages_client_created replaces messages_client: the id lookups use the
-- primary key.
CREATE INDEX messages_client_created ON messages (api_client_id, created_at, id, status, number_id);
CREATE INDEX messages_client_status ON messages (api_client_id, status, created_at, id, number_id, to_e164);
CREATE INDEX messages_client_to ON messages (api_client_id, to_e164, created_at, id, status, number_id);
CREATE INDEX messages_client_number ON messages (api_client_id, number_id, created_at, id, status, to_e164);
CREATE INDEX messages_client_reference ON messages (api_client_id, external_reference, created_at, id)
    WHERE external_reference <> '';
DROP INDEX messages_client;

-- +goose Down
CREATE INDEX messages_client ON messages (api_client_id, id);
DROP INDEX messages_client_reference;
DROP INDEX messages_client_number;
DROP INDEX messages_client_to;
DROP INDEX messages_client_status;
DROP INDEX messages_client_created;
