-- The person a letter's subject is, linked by a handler: what screening
-- reads instead of matching names.
CREATE TABLE letter_subjects (
    letter_id UUID NOT NULL REFERENCES letters (id),
    person_id UUID NOT NULL REFERENCES persons (id),
    linked_by UUID REFERENCES users (id),
    linked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (letter_id, person_id)
);
CREATE INDEX letter_subjects_person_id ON letter_subjects (person_id);
CREATE INDEX letter_subjects_linked_by ON letter_subjects (linked_by);

-- Screening rounds before a congress, an election or an appointment, their
-- candidates, and each candidate's answer as confirmed or amended.
CREATE TABLE screening_rounds (
    id UUID PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    deadline DATE NOT NULL,
    created_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX screening_rounds_unit_id ON screening_rounds (unit_id);
CREATE INDEX screening_rounds_created_by ON screening_rounds (created_by);

CREATE TABLE screening_candidates (
    id UUID PRIMARY KEY,
    round_id UUID NOT NULL REFERENCES screening_rounds (id),
    position BIGINT NOT NULL,
    full_name TEXT NOT NULL,
    birth_year BIGINT,
    post TEXT NOT NULL,
    person_id UUID REFERENCES persons (id),
    answer TEXT,
    amended BOOLEAN,
    reason TEXT,
    findings TEXT,
    data_as_of TIMESTAMPTZ,
    answered_by UUID REFERENCES users (id),
    answered_at TIMESTAMPTZ
);
CREATE INDEX screening_candidates_round_id ON screening_candidates (round_id);
CREATE INDEX screening_candidates_person_id ON screening_candidates (person_id);
CREATE INDEX screening_candidates_answered_by ON screening_candidates (answered_by);
