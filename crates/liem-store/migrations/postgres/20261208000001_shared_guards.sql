-- What every node of a deployment must count together: failed attempts per
-- limiter and client (receipt codes, logins), and the proof-of-work
-- challenges already spent. A client is the keyed digest of its address or
-- name under a salt that changes every day; no address or name is stored.
-- Operational state, not a register: not audited, pruned as it expires.
CREATE TABLE rate_counts (
    limiter TEXT NOT NULL,
    client TEXT NOT NULL,
    failures BIGINT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (limiter, client)
);
CREATE INDEX rate_counts_since ON rate_counts (limiter, since);
CREATE TABLE pow_spent (
    challenge TEXT PRIMARY KEY,
    expires BIGINT NOT NULL
);
CREATE INDEX pow_spent_expires ON pow_spent (expires);
