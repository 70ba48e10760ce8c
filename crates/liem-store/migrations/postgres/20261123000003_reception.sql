-- Citizen reception: sessions, the visits received in them (people are
-- counted, not named), and the matters each visit raised.

CREATE TABLE reception_sessions (
    id UUID PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units (id),
    held_on DATE NOT NULL,
    kind TEXT NOT NULL,
    host TEXT NOT NULL,
    host_name TEXT NOT NULL,
    created_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX reception_sessions_unit_id_held_on ON reception_sessions (unit_id, held_on);
CREATE INDEX reception_sessions_created_by ON reception_sessions (created_by);

CREATE TABLE reception_visits (
    id UUID PRIMARY KEY,
    session_id UUID NOT NULL REFERENCES reception_sessions (id),
    people BIGINT NOT NULL,
    delegation BOOLEAN NOT NULL,
    representatives BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    reply_due DATE,
    letter_id UUID REFERENCES letters (id),
    note TEXT
);
CREATE INDEX reception_visits_session_id ON reception_visits (session_id);
CREATE INDEX reception_visits_letter_id ON reception_visits (letter_id);
CREATE INDEX reception_visits_reply_due ON reception_visits (reply_due);

CREATE TABLE reception_matters (
    visit_id UUID NOT NULL REFERENCES reception_visits (id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    repeat BOOLEAN NOT NULL,
    PRIMARY KEY (visit_id, position)
);
