-- Counted where and when it happened: a transferred letter's figures stay
-- with each unit that held it. When a letter (and its matters) leaves a
-- unit, the unit's view of it is kept as a departure: when it arrived
-- there, when it left, and what the unit did with it (for a matter, its
-- statistics columns as they stood). The statistics count each stay at
-- the unit that had it; the unit holding it now counts it from its arrival.
--
-- The per-unit uniqueness of (unit, year, number) is dropped: the
-- reference is the registering unit's and stays unique on its own, and a
-- letter keeps it wherever it goes.

ALTER TABLE letters DROP CONSTRAINT IF EXISTS letters_unit_id_ref_year_ref_seq_key;

CREATE TABLE letter_departures (
    transfer_id UUID PRIMARY KEY REFERENCES letter_transfers (id),
    letter_id UUID NOT NULL REFERENCES letters (id),
    seq INTEGER NOT NULL,
    unit_id UUID NOT NULL REFERENCES units (id),
    arrived_on DATE NOT NULL,
    on_date DATE NOT NULL,
    processed_on DATE NOT NULL,
    eligible BOOLEAN NOT NULL,
    competent BOOLEAN NOT NULL,
    UNIQUE (letter_id, seq)
);
CREATE INDEX letter_departures_unit_id ON letter_departures (unit_id);

CREATE TABLE matter_departures (
    id UUID PRIMARY KEY,
    transfer_id UUID NOT NULL REFERENCES letter_transfers (id),
    matter_id UUID NOT NULL REFERENCES matters (id),
    unit_id UUID NOT NULL REFERENCES units (id),
    arrived_on DATE NOT NULL,
    on_date DATE NOT NULL,
    state TEXT NOT NULL,
    classified_on DATE,
    eligible BOOLEAN,
    competent BOOLEAN,
    round INTEGER,
    accepted_on DATE,
    concluded_on DATE,
    outcome TEXT,
    late BOOLEAN,
    closed_on DATE NOT NULL,
    due_on DATE
);
CREATE INDEX matter_departures_matter_id ON matter_departures (matter_id);
CREATE INDEX matter_departures_transfer_id ON matter_departures (transfer_id);
CREATE INDEX matter_departures_unit_id ON matter_departures (unit_id);

-- Transfers made before this: each becomes a departure dated the day it
-- was made, the letter processed (transferred) by the unit that sent it.
INSERT INTO letter_departures (transfer_id, letter_id, seq, unit_id, arrived_on, on_date, processed_on, eligible, competent)
SELECT t.id, t.letter_id,
       (SELECT COUNT(*) FROM letter_transfers p WHERE p.letter_id = t.letter_id AND p.id <= t.id),
       t.from_unit_id,
       COALESCE((SELECT (p.transferred_at AT TIME ZONE 'UTC')::date FROM letter_transfers p
                 WHERE p.letter_id = t.letter_id AND p.id < t.id ORDER BY p.id DESC LIMIT 1),
                l.received_on),
       (t.transferred_at AT TIME ZONE 'UTC')::date, (t.transferred_at AT TIME ZONE 'UTC')::date, TRUE, FALSE
FROM letter_transfers t JOIN letters l ON l.id = t.letter_id;

-- A letter whose matters were all closed without being classified
-- (withdrawn, filed) is processed on the last of those days: it no longer
-- stays pending in every later period.
UPDATE letters SET processed_on = (
    SELECT CASE WHEN MAX(COALESCE(m.classified_on, m.closed_on)) < letters.received_on THEN letters.received_on
                ELSE MAX(COALESCE(m.classified_on, m.closed_on)) END
    FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id WHERE lm.letter_id = letters.id)
WHERE processed_on IS NULL
  AND EXISTS (SELECT 1 FROM letter_matters lm WHERE lm.letter_id = letters.id)
  AND NOT EXISTS (SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id
                  WHERE lm.letter_id = letters.id AND COALESCE(m.classified_on, m.closed_on) IS NULL);
UPDATE letters SET
    eligible = EXISTS (SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id
                       WHERE lm.letter_id = letters.id AND m.eligible = TRUE),
    competent = EXISTS (SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id
                        WHERE lm.letter_id = letters.id AND m.eligible = TRUE AND m.competent = TRUE)
WHERE processed_on IS NOT NULL AND eligible IS NULL;
