-- A person's second factor: a TOTP secret (RFC 6238), encrypted under a key
-- derived from the instance key (never in the database), the person's id
-- bound as associated data. Unconfirmed until a first code checks out;
-- last_step is the last time step a code was accepted for, so that no code
-- is accepted twice (0: none yet).
CREATE TABLE user_totp (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    confirmed_at TIMESTAMPTZ,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);
