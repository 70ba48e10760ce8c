-- Heads' planned citizen-reception days, per unit and head.

CREATE TABLE reception_schedules (
    unit_id UUID NOT NULL REFERENCES units (id),
    head TEXT NOT NULL,
    schedule TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (unit_id, head)
);
