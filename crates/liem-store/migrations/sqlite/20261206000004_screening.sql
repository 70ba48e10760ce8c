-- The person a letter's subject is, linked by a handler: what screening
-- reads instead of matching names.
CREATE TABLE letter_subjects (
    letter_id BLOB NOT NULL REFERENCES letters (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    linked_by BLOB REFERENCES users (id),
    linked_at TEXT NOT NULL,
    PRIMARY KEY (letter_id, person_id)
);
CREATE INDEX letter_subjects_person_id ON letter_subjects (person_id);
CREATE INDEX letter_subjects_linked_by ON letter_subjects (linked_by);

-- Screening rounds before a congress, an election or an appointment, their
-- candidates, and each candidate's answer as confirmed or amended.
CREATE TABLE screening_rounds (
    id BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    deadline TEXT NOT NULL,
    created_by BLOB REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX screening_rounds_unit_id ON screening_rounds (unit_id);
CREATE INDEX screening_rounds_created_by ON screening_rounds (created_by);

CREATE TABLE screening_candidates (
    id BLOB PRIMARY KEY,
    round_id BLOB NOT NULL REFERENCES screening_rounds (id),
    position INTEGER NOT NULL,
    full_name TEXT NOT NULL,
    birth_year INTEGER,
    post TEXT NOT NULL,
    person_id BLOB REFERENCES persons (id),
    answer TEXT,
    amended BOOLEAN,
    reason TEXT,
    findings TEXT,
    data_as_of TEXT,
    answered_by BLOB REFERENCES users (id),
    answered_at TEXT
);
CREATE INDEX screening_candidates_round_id ON screening_candidates (round_id);
CREATE INDEX screening_candidates_person_id ON screening_candidates (person_id);
CREATE INDEX screening_candidates_answered_by ON screening_candidates (answered_by);
