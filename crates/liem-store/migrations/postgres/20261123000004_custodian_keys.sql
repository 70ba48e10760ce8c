-- Sealing with keys the server cannot use alone: each person's X25519 key
-- pair (private half encrypted under their password), each unit's recovery
-- public key, the data keys of sealed letters wrapped per recipient, and
-- the requests to unseal.

CREATE TABLE user_keys (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    public_key BYTEA NOT NULL,
    salt BYTEA NOT NULL,
    memory_kib BIGINT NOT NULL,
    iterations BIGINT NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE unit_recovery_keys (
    unit_id UUID PRIMARY KEY REFERENCES units (id),
    public_key BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sealed_keys (
    letter_id UUID NOT NULL REFERENCES letters (id),
    recipient TEXT NOT NULL,
    eph_public BYTEA NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    PRIMARY KEY (letter_id, recipient)
);

CREATE TABLE unseal_requests (
    id UUID PRIMARY KEY,
    letter_id UUID NOT NULL REFERENCES letters (id),
    requester_id UUID NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by UUID REFERENCES users (id),
    decision_note TEXT,
    decided_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX unseal_requests_letter_id ON unseal_requests (letter_id);
CREATE INDEX unseal_requests_requester_id ON unseal_requests (requester_id);
CREATE INDEX unseal_requests_decided_by ON unseal_requests (decided_by);
CREATE INDEX unseal_requests_status ON unseal_requests (status);
