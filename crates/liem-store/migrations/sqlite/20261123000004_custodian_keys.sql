-- Sealing with keys the server cannot use alone: each person's X25519 key
-- pair (private half encrypted under their password), each unit's recovery
-- public key, the data keys of sealed letters wrapped per recipient, and
-- the requests to unseal.

CREATE TABLE user_keys (
    user_id BLOB PRIMARY KEY REFERENCES users (id),
    public_key BLOB NOT NULL,
    salt BLOB NOT NULL,
    memory_kib INTEGER NOT NULL,
    iterations INTEGER NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE unit_recovery_keys (
    unit_id BLOB PRIMARY KEY REFERENCES units (id),
    public_key BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sealed_keys (
    letter_id BLOB NOT NULL REFERENCES letters (id),
    recipient TEXT NOT NULL,
    eph_public BLOB NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (letter_id, recipient)
);

CREATE TABLE unseal_requests (
    id BLOB PRIMARY KEY,
    letter_id BLOB NOT NULL REFERENCES letters (id),
    requester_id BLOB NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by BLOB REFERENCES users (id),
    decision_note TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX unseal_requests_letter_id ON unseal_requests (letter_id);
CREATE INDEX unseal_requests_requester_id ON unseal_requests (requester_id);
CREATE INDEX unseal_requests_decided_by ON unseal_requests (decided_by);
CREATE INDEX unseal_requests_status ON unseal_requests (status);
