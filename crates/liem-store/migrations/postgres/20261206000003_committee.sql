-- A steering committee's own work: its meetings (sessions of the committee,
-- of its standing body, of its working groups), the conclusions they issue,
-- the numbered directions in each, and the tasks the directions give to
-- units, with every step of their follow-up.
CREATE TABLE committee_meetings (
    id UUID PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    held_on DATE NOT NULL,
    place TEXT NOT NULL,
    chair TEXT NOT NULL,
    members_total BIGINT NOT NULL,
    present TEXT NOT NULL,
    excused TEXT NOT NULL,
    quorum BOOLEAN NOT NULL,
    minutes TEXT,
    created_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX committee_meetings_unit_id_held_on ON committee_meetings (unit_id, held_on);
CREATE INDEX committee_meetings_created_by ON committee_meetings (created_by);

CREATE TABLE committee_agenda (
    meeting_id UUID NOT NULL REFERENCES committee_meetings (id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    case_id UUID REFERENCES cases (id),
    PRIMARY KEY (meeting_id, position)
);
CREATE INDEX committee_agenda_case_id ON committee_agenda (case_id);

CREATE TABLE committee_conclusions (
    id UUID PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units (id),
    meeting_id UUID NOT NULL REFERENCES committee_meetings (id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    issued_on DATE NOT NULL,
    summary TEXT NOT NULL,
    created_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (unit_id, number)
);
CREATE INDEX committee_conclusions_meeting_id ON committee_conclusions (meeting_id);
CREATE INDEX committee_conclusions_created_by ON committee_conclusions (created_by);

CREATE TABLE committee_directions (
    conclusion_id UUID NOT NULL REFERENCES committee_conclusions (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (conclusion_id, position)
);

CREATE TABLE committee_tasks (
    id UUID PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units (id),
    conclusion_id UUID NOT NULL REFERENCES committee_conclusions (id),
    direction BIGINT NOT NULL,
    owner_unit_id UUID NOT NULL REFERENCES units (id),
    coordinating TEXT NOT NULL,
    title TEXT NOT NULL,
    case_id UUID REFERENCES cases (id),
    assigned_on DATE NOT NULL,
    due_on DATE NOT NULL,
    state TEXT NOT NULL,
    reported_on DATE,
    closed_on DATE,
    last_on DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX committee_tasks_unit_id_due_on ON committee_tasks (unit_id, due_on);
CREATE INDEX committee_tasks_owner_unit_id_due_on ON committee_tasks (owner_unit_id, due_on);
CREATE INDEX committee_tasks_conclusion_id ON committee_tasks (conclusion_id);
CREATE INDEX committee_tasks_case_id ON committee_tasks (case_id);

CREATE TABLE committee_task_events (
    id UUID PRIMARY KEY,
    task_id UUID NOT NULL REFERENCES committee_tasks (id),
    action TEXT NOT NULL,
    on_date DATE NOT NULL,
    note TEXT,
    due_on DATE,
    doc_sha256 TEXT,
    doc_size BIGINT,
    doc_media_type TEXT,
    doc_filename TEXT,
    actor_id UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX committee_task_events_task_id ON committee_task_events (task_id);
CREATE INDEX committee_task_events_actor_id ON committee_task_events (actor_id);
