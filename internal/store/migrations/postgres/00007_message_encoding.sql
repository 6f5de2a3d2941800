-- +goose Up
-- [extension] How an SMS text travels (redcloud.Segments), fixed when the
-- message is stored. A row from before this migration has segments 0: the
-- store computes the values from its text when it reads it.
ALTER TABLE messages ADD COLUMN encoding TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN segments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN non_gsm_characters TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE messages DROP COLUMN non_gsm_characters;
ALTER TABLE messages DROP COLUMN segments;
ALTER TABLE messages DROP COLUMN encoding;
