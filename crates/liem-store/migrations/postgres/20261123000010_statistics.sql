-- Statistics: the facts the forms count, kept as plain columns beside the
-- JSON facts so that the database can aggregate a million rows; the merger
-- map of the unit tree; issued (frozen) reports.

ALTER TABLE matters ADD COLUMN classified_on DATE;
ALTER TABLE matters ADD COLUMN eligible BOOLEAN;
ALTER TABLE matters ADD COLUMN competent BOOLEAN;
ALTER TABLE matters ADD COLUMN round BIGINT;
ALTER TABLE matters ADD COLUMN accepted_on DATE;
ALTER TABLE matters ADD COLUMN concluded_on DATE;
ALTER TABLE matters ADD COLUMN outcome TEXT;
ALTER TABLE matters ADD COLUMN late BOOLEAN;
ALTER TABLE matters ADD COLUMN closed_on DATE;

UPDATE matters SET
    classified_on = (facts::jsonb ->> 'classified_on')::date,
    eligible = (facts::jsonb -> 'classification' ->> 'eligible')::boolean,
    competent = (facts::jsonb -> 'classification' ->> 'competent')::boolean,
    round = (facts::jsonb -> 'classification' ->> 'round')::bigint,
    accepted_on = CASE WHEN (facts::jsonb ->> 'anonymous')::boolean AND kind = 'denunciation' THEN NULL
                       ELSE (facts::jsonb ->> 'accepted_on')::date END,
    concluded_on = (facts::jsonb ->> 'concluded_on')::date,
    outcome = facts::jsonb ->> 'outcome',
    closed_on = (facts::jsonb ->> 'closed_on')::date;

-- Late: concluded after the deadline that ran just before the conclusion,
-- as the audit record of the step before it gave it.
UPDATE matters SET late = (
    SELECT matters.concluded_on > (a.detail::jsonb ->> 'due_on')::date
    FROM audit_log a
    WHERE a.entity = 'matter'
      AND a.entity_id = matters.id::text
      AND a.action NOT IN ('matter.conclude', 'matter.notify', 'matter.close', 'matter.create', 'matter.assign')
      AND a.detail::jsonb ->> 'due_on' IS NOT NULL
    ORDER BY a.seq DESC LIMIT 1)
WHERE concluded_on IS NOT NULL;

CREATE INDEX matters_accepted_on ON matters (accepted_on);
CREATE INDEX matters_classified_on ON matters (classified_on);

ALTER TABLE letters ADD COLUMN processed_on DATE;
ALTER TABLE letters ADD COLUMN eligible BOOLEAN;
ALTER TABLE letters ADD COLUMN competent BOOLEAN;

UPDATE letters SET processed_on = CASE
    WHEN NOT EXISTS (SELECT 1 FROM letter_matters lm WHERE lm.letter_id = letters.id) THEN NULL
    WHEN EXISTS (SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id
                 WHERE lm.letter_id = letters.id AND m.classified_on IS NULL) THEN NULL
    ELSE (SELECT CASE WHEN MAX(m.classified_on) < letters.received_on THEN letters.received_on ELSE MAX(m.classified_on) END
          FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id
          WHERE lm.letter_id = letters.id) END;
UPDATE letters SET
    eligible = CASE WHEN processed_on IS NULL THEN NULL ELSE EXISTS (
        SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id
        WHERE lm.letter_id = letters.id AND m.eligible = TRUE) END,
    competent = CASE WHEN processed_on IS NULL THEN NULL ELSE EXISTS (
        SELECT 1 FROM letter_matters lm JOIN matters m ON m.id = lm.matter_id
        WHERE lm.letter_id = letters.id AND m.eligible = TRUE AND m.competent = TRUE) END;

CREATE TABLE unit_mergers (
    from_unit_id UUID PRIMARY KEY REFERENCES units (id),
    to_unit_id UUID NOT NULL REFERENCES units (id),
    on_date DATE NOT NULL
);
CREATE INDEX unit_mergers_to_unit_id ON unit_mergers (to_unit_id);

CREATE TABLE issued_reports (
    id UUID PRIMARY KEY,
    form TEXT NOT NULL,
    period TEXT NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    unit_id UUID NOT NULL REFERENCES units (id),
    tree TEXT NOT NULL,
    version BIGINT NOT NULL,
    data_version BIGINT NOT NULL,
    figures TEXT NOT NULL,
    issued_by UUID REFERENCES users (id),
    issued_at TIMESTAMPTZ NOT NULL,
    UNIQUE (form, period_from, period_to, unit_id, tree, version)
);
CREATE INDEX issued_reports_unit_id ON issued_reports (unit_id);
CREATE INDEX issued_reports_issued_by ON issued_reports (issued_by);
