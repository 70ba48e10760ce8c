-- New versions of the statutory time limits, entered by a national
-- administrator when a law changes them (Law 136/2025/QH15, in force from
-- 1 July 2026, whose text Liêm could not read): each applies to matters
-- begun on or after its first day; a matter begun before keeps the
-- version it began under.

CREATE TABLE rule_versions (
    code TEXT NOT NULL,
    valid_from DATE NOT NULL,
    amount INTEGER NOT NULL,
    unit TEXT NOT NULL,
    citation TEXT NOT NULL,
    entered_by UUID REFERENCES users (id),
    entered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (code, valid_from)
);
CREATE INDEX rule_versions_entered_by ON rule_versions (entered_by);

-- Online citizen reception (Law on Citizen Reception art. 3a, added by Law
-- 136/2025/QH15): what a session held online was held through.
CREATE TABLE reception_online (
    session_id UUID PRIMARY KEY REFERENCES reception_sessions (id),
    platform TEXT NOT NULL,
    connection_points INTEGER NOT NULL,
    recording TEXT NOT NULL,
    identity_check TEXT NOT NULL
);
