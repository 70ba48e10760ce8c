-- Inspections and supervisions a committee runs: the plan, the team, the
-- units inspected, the findings reported, and the conclusion (issued at a
-- meeting) whose directions are its recommendations.
CREATE TABLE committee_inspections (
    id BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    subjects TEXT NOT NULL,
    team TEXT NOT NULL,
    planned_from TEXT NOT NULL,
    planned_to TEXT NOT NULL,
    findings TEXT,
    reported_on TEXT,
    conclusion_id BLOB REFERENCES committee_conclusions (id),
    created_by BLOB REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX committee_inspections_unit_id ON committee_inspections (unit_id, planned_from);
CREATE INDEX committee_inspections_conclusion_id ON committee_inspections (conclusion_id);
CREATE INDEX committee_inspections_created_by ON committee_inspections (created_by);
