-- Heads' planned citizen-reception days, per unit and head.

CREATE TABLE reception_schedules (
    unit_id BLOB NOT NULL REFERENCES units (id),
    head TEXT NOT NULL,
    schedule TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, head)
);
