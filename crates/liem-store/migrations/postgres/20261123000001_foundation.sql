-- Liêm foundation schema (PostgreSQL). Integers are BIGINT throughout so
-- that both databases decode them as i64.

CREATE TABLE units (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id UUID REFERENCES units (id),
    path TEXT NOT NULL UNIQUE,
    valid_from DATE NOT NULL,
    valid_to DATE,
    time_zone TEXT NOT NULL DEFAULT 'Asia/Ho_Chi_Minh'
);
CREATE INDEX units_parent_id ON units (parent_id);
CREATE INDEX units_path_prefix ON units (path text_pattern_ops);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    unit_id UUID NOT NULL REFERENCES units (id),
    password_hash TEXT NOT NULL,
    locale TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_unit_id ON users (unit_id);

CREATE TABLE user_roles (
    user_id UUID NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    user_id UUID NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE fields (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE reference_counters (
    unit_id UUID NOT NULL REFERENCES units (id),
    register TEXT NOT NULL,
    year BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (unit_id, register, year)
);

CREATE TABLE letters (
    id UUID PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units (id),
    reference TEXT NOT NULL UNIQUE,
    ref_year BIGINT NOT NULL,
    ref_seq BIGINT NOT NULL,
    kinds TEXT NOT NULL,
    channel TEXT NOT NULL,
    field_code TEXT NOT NULL REFERENCES fields (code),
    received_on DATE NOT NULL,
    place TEXT,
    sender_kind TEXT NOT NULL,
    sender_name TEXT,
    sender_id_number TEXT,
    sender_address TEXT,
    sender_phone TEXT,
    sender_email TEXT,
    sealed BOOLEAN NOT NULL,
    signatories BIGINT NOT NULL,
    collective BOOLEAN NOT NULL,
    subject TEXT,
    summary TEXT NOT NULL,
    content TEXT NOT NULL,
    forwarded_by TEXT,
    search_text TEXT NOT NULL,
    created_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (unit_id, ref_year, ref_seq)
);
CREATE INDEX letters_unit_id ON letters (unit_id);
CREATE INDEX letters_field_code ON letters (field_code);
CREATE INDEX letters_created_by ON letters (created_by);
CREATE INDEX letters_sender_id_number ON letters (sender_id_number);
CREATE INDEX letters_received_on ON letters (received_on);

CREATE TABLE sealed_identities (
    letter_id UUID PRIMARY KEY REFERENCES letters (id),
    key_id TEXT NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL
);

CREATE TABLE matters (
    id UUID PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units (id),
    reference TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    field_code TEXT NOT NULL REFERENCES fields (code),
    handler_id UUID REFERENCES users (id),
    received_on DATE NOT NULL,
    due_on DATE,
    due_rule TEXT,
    facts TEXT NOT NULL,
    summary TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX matters_unit_id_state ON matters (unit_id, state);
CREATE INDEX matters_field_code ON matters (field_code);
CREATE INDEX matters_handler_id ON matters (handler_id);
CREATE INDEX matters_due_on ON matters (due_on);

CREATE TABLE letter_matters (
    letter_id UUID NOT NULL REFERENCES letters (id),
    matter_id UUID NOT NULL REFERENCES matters (id),
    PRIMARY KEY (letter_id, matter_id)
);
CREATE INDEX letter_matters_matter_id ON letter_matters (matter_id);

CREATE TABLE matter_events (
    id UUID PRIMARY KEY,
    matter_id UUID NOT NULL REFERENCES matters (id),
    action TEXT NOT NULL,
    on_date DATE NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    detail TEXT NOT NULL,
    actor_id UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX matter_events_matter_id ON matter_events (matter_id);
CREATE INDEX matter_events_actor_id ON matter_events (actor_id);

CREATE TABLE attachments (
    id UUID PRIMARY KEY,
    letter_id UUID NOT NULL REFERENCES letters (id),
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    created_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_letter_id ON attachments (letter_id);
CREATE INDEX attachments_created_by ON attachments (created_by);

CREATE TABLE calendar_days (
    day DATE PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE rule_units (
    code TEXT PRIMARY KEY,
    unit TEXT NOT NULL
);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    actor_unit_id UUID,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    source TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE TABLE outbox (
    seq BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    payload TEXT NOT NULL
);
