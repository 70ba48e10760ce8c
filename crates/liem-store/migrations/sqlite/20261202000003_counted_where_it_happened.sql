-- Counted where and when it happened: a transferred letter's figures stay
-- with each unit that held it. When a letter (and its matters) leaves a
-- unit, the unit's view of it is kept as a departure: when it arrived
-- there, when it left, and what the unit did with it (for a matter, its
-- statistics columns as they stood). The statistics count each stay at
-- the unit that had it; the unit holding it now counts it from its arrival.
--
-- The per-unit uniqueness of (unit, year, number) is dropped as well: the
-- reference is the registering unit's and stays unique on its own (the
-- letters table is rebuilt without it by the store when it opens, since
-- SQLite cannot drop a table constraint inside a migration's transaction).

CREATE TABLE letter_departures (
    transfer_id BLOB PRIMARY KEY REFERENCES letter_transfers (id),
    letter_id BLOB NOT NULL REFERENCES letters (id),
    seq INTEGER NOT NULL,
    unit_id BLOB NOT NULL REFERENCES units (id),
    arrived_on TEXT NOT NULL,
    on_date TEXT NOT NULL,
    processed_on TEXT NOT NULL,
    eligible BOOLEAN NOT NULL,
    competent BOOLEAN NOT NULL,
    UNIQUE (letter_id, seq)
);
CREATE INDEX letter_departures_unit_id ON letter_departures (unit_id);

CREATE TABLE matter_departures (
    id BLOB PRIMARY KEY,
    transfer_id BLOB NOT NULL REFERENCES letter_transfers (id),
    matter_id BLOB NOT NULL REFERENCES matters (id),
    unit_id BLOB NOT NULL REFERENCES units (id),
    arrived_on TEXT NOT NULL,
    on_date TEXT NOT NULL,
    state TEXT NOT NULL,
    classified_on TEXT,
    eligible BOOLEAN,
    competent BOOLEAN,
    round INTEGER,
    accepted_on TEXT,
    concluded_on TEXT,
    outcome TEXT,
    late BOOLEAN,
    closed_on TEXT NOT NULL,
    due_on TEXT
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
       COALESCE((SELECT substr(p.transferred_at, 1, 10) FROM letter_transfers p
                 WHERE p.letter_id = t.letter_id AND p.id < t.id ORDER BY p.id DESC LIMIT 1),
                l.received_on),
       substr(t.transferred_at, 1, 10), substr(t.transferred_at, 1, 10), TRUE, FALSE
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
