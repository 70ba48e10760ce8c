-- The register of cases and incidents: stages, transfers between agencies,
-- steering-committee monitoring, people, organisations, charges, sanctions
-- and asset events.

CREATE TABLE cases (
    id BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES units (id),
    kind TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    incident_reference TEXT UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    source TEXT NOT NULL,
    field_code TEXT NOT NULL REFERENCES fields (code),
    place TEXT,
    restricted BOOLEAN NOT NULL,
    opened_on TEXT NOT NULL,
    became_case_on TEXT,
    prosecuted_on TEXT,
    closed_on TEXT,
    holder_id BLOB NOT NULL REFERENCES units (id),
    stage TEXT NOT NULL,
    facts TEXT NOT NULL,
    stage_due TEXT,
    search_text TEXT NOT NULL,
    created_by BLOB REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_unit_id ON cases (unit_id);
CREATE INDEX cases_holder_id ON cases (holder_id);
CREATE INDEX cases_stage_due ON cases (stage_due);

CREATE TABLE case_access (
    case_id BLOB NOT NULL REFERENCES cases (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_access_user_id ON case_access (user_id);

CREATE TABLE case_letters (
    case_id BLOB NOT NULL REFERENCES cases (id),
    letter_id BLOB NOT NULL REFERENCES letters (id),
    PRIMARY KEY (case_id, letter_id)
);
CREATE INDEX case_letters_letter_id ON case_letters (letter_id);

CREATE TABLE case_events (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    on_date TEXT NOT NULL,
    action TEXT NOT NULL,
    stage_from TEXT NOT NULL,
    stage_to TEXT NOT NULL,
    holder_id BLOB NOT NULL REFERENCES units (id),
    note TEXT,
    actor_id BLOB REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE INDEX case_events_case_id ON case_events (case_id);

CREATE TABLE case_transfers (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    from_unit_id BLOB NOT NULL REFERENCES units (id),
    to_unit_id BLOB NOT NULL REFERENCES units (id),
    sent_on TEXT NOT NULL,
    ack_due TEXT NOT NULL,
    acknowledged_on TEXT,
    acknowledged_by BLOB REFERENCES users (id),
    note TEXT
);
CREATE INDEX case_transfers_case_id ON case_transfers (case_id);
CREATE INDEX case_transfers_to_unit_id ON case_transfers (to_unit_id);
CREATE INDEX case_transfers_from_unit_id ON case_transfers (from_unit_id);

CREATE TABLE monitorings (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    committee_id BLOB NOT NULL REFERENCES units (id),
    session TEXT NOT NULL,
    added_on TEXT NOT NULL,
    removed_on TEXT,
    removal_session TEXT
);
CREATE INDEX monitorings_case_id ON monitorings (case_id);
CREATE INDEX monitorings_committee_id ON monitorings (committee_id);

CREATE TABLE monitoring_targets (
    id BLOB PRIMARY KEY,
    monitoring_id BLOB NOT NULL REFERENCES monitorings (id),
    milestone TEXT NOT NULL,
    due_on TEXT NOT NULL,
    note TEXT,
    met_on TEXT
);
CREATE INDEX monitoring_targets_monitoring_id ON monitoring_targets (monitoring_id);

CREATE TABLE persons (
    id BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES units (id),
    full_name TEXT NOT NULL,
    birth_year INTEGER,
    id_number TEXT,
    position TEXT,
    workplace TEXT,
    managed_level TEXT NOT NULL,
    party_member BOOLEAN NOT NULL,
    ftm_id TEXT UNIQUE,
    search_text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX persons_id_number ON persons (id_number);

CREATE TABLE organisations (
    id BLOB PRIMARY KEY,
    unit_id BLOB NOT NULL REFERENCES units (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    tax_code TEXT,
    address TEXT,
    ftm_id TEXT UNIQUE,
    search_text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX organisations_tax_code ON organisations (tax_code);

CREATE TABLE party_links (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_person_id BLOB REFERENCES persons (id),
    subject_org_id BLOB REFERENCES organisations (id),
    object_person_id BLOB REFERENCES persons (id),
    object_org_id BLOB REFERENCES organisations (id),
    start_date TEXT,
    end_date TEXT,
    role TEXT,
    ftm_id TEXT UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX party_links_subject_person_id ON party_links (subject_person_id);
CREATE INDEX party_links_subject_org_id ON party_links (subject_org_id);
CREATE INDEX party_links_object_person_id ON party_links (object_person_id);
CREATE INDEX party_links_object_org_id ON party_links (object_org_id);

CREATE TABLE case_parties (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    person_id BLOB REFERENCES persons (id),
    organisation_id BLOB REFERENCES organisations (id),
    role TEXT NOT NULL,
    prosecuted_on TEXT,
    added BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_parties_case_id ON case_parties (case_id);
CREATE INDEX case_parties_person_id ON case_parties (person_id);
CREATE INDEX case_parties_organisation_id ON case_parties (organisation_id);

CREATE TABLE charges (
    id BLOB PRIMARY KEY,
    party_id BLOB NOT NULL REFERENCES case_parties (id),
    article INTEGER NOT NULL,
    clause INTEGER NOT NULL,
    class TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX charges_party_id ON charges (party_id);

CREATE TABLE sanctions (
    id BLOB PRIMARY KEY,
    person_id BLOB REFERENCES persons (id),
    organisation_id BLOB REFERENCES organisations (id),
    case_id BLOB REFERENCES cases (id),
    track TEXT NOT NULL,
    measure TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    authority TEXT NOT NULL,
    months INTEGER,
    fine_vnd INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX sanctions_person_id ON sanctions (person_id);
CREATE INDEX sanctions_organisation_id ON sanctions (organisation_id);
CREATE INDEX sanctions_case_id ON sanctions (case_id);

CREATE TABLE asset_events (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    route TEXT NOT NULL,
    on_date TEXT NOT NULL,
    amount_vnd INTEGER NOT NULL,
    land_m2 INTEGER NOT NULL,
    item TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX asset_events_case_id ON asset_events (case_id);
