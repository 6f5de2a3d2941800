-- +goose Up
-- Set at each claim of a QUEUED message: 1 when the message still held an
-- expired lease, i.e. an earlier claim ended without writing the send's
-- outcome (its process died or stopped). That claim may have handed the
-- message to the provider: the SMPP provider then reads the parts already
-- recorded and counts a resend of the others as a possible duplicate.
ALTER TABLE messages ADD COLUMN reclaimed INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE messages DROP COLUMN reclaimed;
