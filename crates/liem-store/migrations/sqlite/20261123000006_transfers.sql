-- Transfers of letters between Liêm units, and the re-sealing of a sealed
-- identity for the receiving unit that a custodian of the sending unit owes.

CREATE TABLE letter_transfers (
    id BLOB PRIMARY KEY,
    letter_id BLOB NOT NULL REFERENCES letters (id),
    from_unit_id BLOB NOT NULL REFERENCES units (id),
    to_unit_id BLOB NOT NULL REFERENCES units (id),
    reason TEXT NOT NULL,
    transferred_by BLOB REFERENCES users (id),
    transferred_at TEXT NOT NULL,
    resealed_by BLOB REFERENCES users (id),
    resealed_at TEXT
);
CREATE INDEX letter_transfers_letter_id ON letter_transfers (letter_id);
CREATE INDEX letter_transfers_from_unit_id ON letter_transfers (from_unit_id);
CREATE INDEX letter_transfers_to_unit_id ON letter_transfers (to_unit_id);
CREATE INDEX letter_transfers_transferred_by ON letter_transfers (transferred_by);
CREATE INDEX letter_transfers_resealed_by ON letter_transfers (resealed_by);
