-- Transfers of letters between Liêm units, and the re-sealing of a sealed
-- identity for the receiving unit that a custodian of the sending unit owes.

CREATE TABLE letter_transfers (
    id UUID PRIMARY KEY,
    letter_id UUID NOT NULL REFERENCES letters (id),
    from_unit_id UUID NOT NULL REFERENCES units (id),
    to_unit_id UUID NOT NULL REFERENCES units (id),
    reason TEXT NOT NULL,
    transferred_by UUID REFERENCES users (id),
    transferred_at TIMESTAMPTZ NOT NULL,
    resealed_by UUID REFERENCES users (id),
    resealed_at TIMESTAMPTZ
);
CREATE INDEX letter_transfers_letter_id ON letter_transfers (letter_id);
CREATE INDEX letter_transfers_from_unit_id ON letter_transfers (from_unit_id);
CREATE INDEX letter_transfers_to_unit_id ON letter_transfers (to_unit_id);
CREATE INDEX letter_transfers_transferred_by ON letter_transfers (transferred_by);
CREATE INDEX letter_transfers_resealed_by ON letter_transfers (resealed_by);
