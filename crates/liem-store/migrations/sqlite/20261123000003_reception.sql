-- Citizen reception: sessions, the visits received in them (people are
-- counted, not named), and the matters each visit raised.

CREATE TABLE reception_sessions (
    id BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES units (id),
    held_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    host TEXT NOT NULL,
    host_name TEXT NOT NULL,
    created_by BLOB REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX reception_sessions_unit_id_held_on ON reception_sessions (unit_id, held_on);
CREATE INDEX reception_sessions_created_by ON reception_sessions (created_by);

CREATE TABLE reception_visits (
    id BLOB PRIMARY KEY,
    session_id BLOB NOT NULL REFERENCES reception_sessions (id),
    people INTEGER NOT NULL,
    delegation BOOLEAN NOT NULL,
    representatives INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reply_due TEXT,
    letter_id BLOB REFERENCES letters (id),
    note TEXT
);
CREATE INDEX reception_visits_session_id ON reception_visits (session_id);
CREATE INDEX reception_visits_letter_id ON reception_visits (letter_id);
CREATE INDEX reception_visits_reply_due ON reception_visits (reply_due);

CREATE TABLE reception_matters (
    visit_id BLOB NOT NULL REFERENCES reception_visits (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    repeat BOOLEAN NOT NULL,
    PRIMARY KEY (visit_id, position)
);
