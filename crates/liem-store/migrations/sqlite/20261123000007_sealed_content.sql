-- A reporter may ask that the summary and content be sealed too.

ALTER TABLE letters ADD COLUMN content_sealed BOOLEAN NOT NULL DEFAULT FALSE;
