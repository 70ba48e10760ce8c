-- The rows of old registers imported as letters, by their key (the old
-- register's number, or a digest of the row), so that importing the same
-- file again registers nothing twice.
CREATE TABLE letter_imports (
    unit_id UUID NOT NULL REFERENCES units (id),
    source_key TEXT NOT NULL,
    letter_id UUID NOT NULL REFERENCES letters (id),
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (unit_id, source_key)
);
CREATE INDEX letter_imports_letter_id ON letter_imports (letter_id);
