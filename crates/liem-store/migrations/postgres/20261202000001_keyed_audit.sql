-- Each audit record carries the digests of the register records its
-- transaction changed (the state it left them in), covered by the record's
-- keyed hash.
ALTER TABLE audit_log ADD COLUMN state TEXT NOT NULL DEFAULT '';
